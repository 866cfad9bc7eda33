/**
 * `bench-reco --sklearn PYTHON`: the clustering beside the strongest independent implementation,
 * scikit-learn's DBSCAN (scripts/bench_dbscan_sklearn.py, in a venv of the user's: comparison only),
 * on the same TT stations: events/s of this implementation and of scikit-learn called once per
 * station and once for all stations, and whether every label agrees.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DetectorGeometry, Hits } from '../domain/index.js';
import { createDbscan } from '../reconstruction/index.js';

export interface SklearnDbscan {
  readonly sklearn: string;
  readonly events: number;
  readonly stations: number;
  readonly points: number;
  /** Best of `reps` passes over every station, wall clock, each side. */
  readonly ours_events_per_second: number;
  readonly sklearn_per_station_events_per_second: number;
  readonly sklearn_one_fit_events_per_second: number;
  /** Every point's label equal to scikit-learn's (cluster numbers and noise). */
  readonly labels_identical: boolean;
  readonly reps: number;
}

export type SklearnOutcome = { readonly result: SklearnDbscan } | { readonly skipped: string };

const RESULT_MARK = 'DBSCAN-SKLEARN ';

/**
 * The stations as the clusterer sees them: pixel centres in mm (clustering/station.ts). Station k
 * is sets[k], and points offsets[k] .. offsets[k + 1] of the (x, y) pairs written for Python.
 */
function stationSets(
  hits: readonly Hits[],
  g: DetectorGeometry,
): { sets: { x: Float64Array; y: Float64Array }[]; offsets: number[]; xy: number[] } {
  const sets: { x: Float64Array; y: Float64Array }[] = [];
  const offsets: number[] = [0];
  const xy: number[] = [];
  for (const h of hits) {
    for (let s = 0; s < g.nStations; s++) {
      const x: number[] = [];
      const y: number[] = [];
      for (let i = 0; i < h.station.length; i++) {
        if (h.station[i] !== s) continue;
        x.push((h.ix[i]! + 0.5) * g.pixelPitchMm);
        y.push((h.iy[i]! + 0.5) * g.pixelPitchMm);
        xy.push(x.at(-1)!, y.at(-1)!);
      }
      sets.push({ x: Float64Array.from(x), y: Float64Array.from(y) });
      offsets.push(offsets.at(-1)! + x.length);
    }
  }
  return { sets, offsets, xy };
}

/** What scripts/bench_dbscan_sklearn.py prints after RESULT_MARK. */
interface SklearnRun {
  sklearn: string;
  stations: number;
  points: number;
  per_station_s: number;
  one_fit_s: number;
  reps: number;
}

/** Runs the Python script on the points in `dir`; its result line and the labels it wrote, or why not. */
function runSklearn(
  python: string,
  dir: string,
  reps: number,
): { py: SklearnRun; labels: Int32Array } | { skipped: string } {
  const r = spawnSync(python, ['scripts/bench_dbscan_sklearn.py', dir, String(reps)], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.error !== undefined)
    return {
      skipped: `${python} did not run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): make a venv with scikit-learn, e.g. python3 -m venv .venv-ref && .venv-ref/bin/pip install scikit-learn==1.5.2 numpy`,
    };
  const line = r.stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (r.status !== 0 || line === undefined)
    return {
      skipped: `scikit-learn run failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`,
    };
  const py = JSON.parse(line.slice(RESULT_MARK.length)) as SklearnRun;
  const labels = new Int32Array(new Uint8Array(readFileSync(join(dir, 'labels.i32'))).buffer);
  return { py, labels };
}

/** Every station's labels (ours[k]) equal to scikit-learn's at offsets[k]. */
function sameLabels(ours: readonly Int32Array[], theirs: Int32Array, offsets: readonly number[]): boolean {
  if (theirs.length !== offsets[ours.length]) return false;
  for (let k = 0; k < ours.length; k++) {
    const o = offsets[k]!;
    for (let i = 0; i < ours[k]!.length; i++) if (ours[k]![i] !== theirs[o + i]) return false;
  }
  return true;
}

export function compareWithSklearn(
  python: string,
  hits: readonly Hits[],
  g: DetectorGeometry,
  epsMm: number,
  minHits: number,
  reps = 3,
): SklearnOutcome {
  const { sets, offsets, xy } = stationSets(hits, g);
  const db = createDbscan({
    eps: epsMm,
    minSamples: minHits,
    index: 'lattice',
    latticePitch: g.pixelPitchMm,
  });
  const ours: Int32Array[] = sets.map((p) => db.run(p.x, p.y, p.x.length).labels.slice());
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (const p of sets) db.run(p.x, p.y, p.x.length);
    best = Math.min(best, performance.now() - t0);
  }
  const dir = mkdtempSync(join(tmpdir(), 'showertrig-dbscan-sklearn-'));
  try {
    writeFileSync(join(dir, 'points.f64'), new Uint8Array(Float64Array.from(xy).buffer));
    writeFileSync(join(dir, 'offsets.i32'), new Uint8Array(Int32Array.from(offsets).buffer));
    writeFileSync(
      join(dir, 'params.json'),
      JSON.stringify({ eps: epsMm, min_samples: minHits, events: hits.length }),
    );
    const run = runSklearn(python, dir, reps);
    if ('skipped' in run) return run;
    const { py } = run;
    const perS = (s: number): number => hits.length / s;
    return {
      result: {
        sklearn: py.sklearn,
        events: hits.length,
        stations: py.stations,
        points: py.points,
        ours_events_per_second: perS(best / 1000),
        sklearn_per_station_events_per_second: perS(py.per_station_s),
        sklearn_one_fit_events_per_second: perS(py.one_fit_s),
        labels_identical: sameLabels(ours, run.labels, offsets),
        reps: py.reps,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The markdown section of bench-reco's report. */
export function sklearnMarkdown(o: SklearnOutcome): string[] {
  if ('skipped' in o) return ['', `scikit-learn DBSCAN comparison skipped: ${o.skipped}`];
  const r = o.result;
  const f = (x: number): string => x.toFixed(0);
  return [
    '',
    `## DBSCAN beside scikit-learn ${r.sklearn} (\`--sklearn\`)`,
    '',
    `The same ${r.stations} TT stations (${r.events} events, ${r.points} hits), eps and min_samples as configured; best of ${r.reps} passes each, wall clock. Labels identical to scikit-learn's: **${r.labels_identical ? 'yes' : 'NO'}**.`,
    '',
    '| implementation | events/s |',
    '|---|---|',
    `| this one (lattice sweep, TypeScript, one call per station) | ${f(r.ours_events_per_second)} |`,
    `| scikit-learn DBSCAN(algorithm='kd_tree'), one fit per station | ${f(r.sklearn_per_station_events_per_second)} |`,
    `| scikit-learn, one fit for all stations (set 1 km apart: no Python call per station) | ${f(r.sklearn_one_fit_events_per_second)} |`,
  ];
}
