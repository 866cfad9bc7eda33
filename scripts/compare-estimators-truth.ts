/**
 * The true-profile floor's inputs: the comparison's events (scripts/compare-estimators.ts: the same
 * seeds for training, calibration and test, the test events those the CNN's reconstruction accepts)
 * with, per event, three views of the same shower:
 *   t*  what the simulation knows before any readout: per station the charged particles drawn,
 *       the core probability and core/tail radii (cm) they are drawn from (the plane's lateral
 *       fluctuation included), and the shower's sampled longitudinal profile (T in X0, α);
 *   p*  the rich features on the ideal readout (each pixel reports its charged particles);
 *   f*  the rich features on the detector's hits (what the comparison's trees see).
 * Writes OUT/truth-{train,calibration,test}.f64 (row-major float64) and OUT/truth-columns.json for
 * scripts/compare_estimators_truth.py.
 *
 * usage: node --import tsx scripts/compare-estimators-truth.ts --out DIR [--events 10000] [--seed 11]
 *          [--train-events 12000] [--calibration-events 6000] [--model models/default]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCnnModel } from '../src/app/index.js';
import { SEED_OFFSETS, signalStream } from '../src/app/evaluation/samples.js';
import { loadConfig } from '../src/config-file/index.js';
import { Rng, type Hits, type Truth } from '../src/domain/index.js';
import {
  createReconstructor,
  DEFAULT_MOMENT_FEATURES,
  featureCount,
  featuresOf,
  reconstructorConfig,
} from '../src/reconstruction/index.js';
import { createEventGenerator, Pixeliser } from '../src/sim/index.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'out/compare-truth' },
    events: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '11' },
    'train-events': { type: 'string', default: '12000' },
    'calibration-events': { type: 'string', default: '6000' },
    model: { type: 'string', default: 'models/default' },
  },
});
const cfg = loadConfig([], {}, { simulation: { signalSpectrum: 'flat' } });
const g = cfg.detector;
const seed = Number(values.seed);
const S = g.nStations;
const PER_STATION = ['count', 'p_core', 'r_core_cm', 'r_tail_cm'] as const;
const nTrue = S * PER_STATION.length + 2;
const nRich = featureCount('rich', S);
const say = (m: string): void => void process.stderr.write(`[truth] ${m}\n`);
const columns = [
  'energy_gev',
  'd_cm',
  ...Array.from({ length: S }, (_, k) => PER_STATION.map((q) => `t_${q}_${k}`)).flat(),
  't_tmax_x0',
  't_alpha',
  ...Array.from({ length: nRich }, (_, j) => `p${j}`),
  ...Array.from({ length: nRich }, (_, j) => `f${j}`),
];
const width = columns.length;

interface Generated {
  readonly hits: Hits;
  readonly truth: Truth;
  readonly row: Float64Array;
}

/** A seeded stream of signal events, identical to signalStream's, each with its row of the three views. */
function stream(streamSeed: number): (n: number) => Generated[] {
  const pix = new Pixeliser(g);
  const gen = createEventGenerator(g, cfg.simulation, pix);
  const rng = new Rng(streamSeed >>> 0);
  let cur = new Float64Array(width);
  pix.recordStation = (k, _t, n, pCore, rCore, rTail, tMax, alpha) => {
    cur.set([n, pCore, rCore, rTail], 2 + k * PER_STATION.length);
    cur[2 + nTrue - 2] = tMax;
    cur[2 + nTrue - 1] = alpha;
  };
  return (n) =>
    Array.from({ length: n }, () => {
      cur = new Float64Array(width);
      // No particles at a station: count 0, its lateral profile unknown (NaN: the trees' missing value).
      for (let k = 0; k < S; k++) cur.fill(NaN, 3 + k * PER_STATION.length, 2 + (k + 1) * PER_STATION.length);
      cur.fill(NaN, 2 + nTrue - 2, 2 + nTrue);
      const ev = gen.generate('signal', rng);
      cur[0] = ev.truth.energyGeV;
      cur[1] = ev.truth.dCm;
      featuresOf('rich', ev.particles, g, DEFAULT_MOMENT_FEATURES, cur, 2 + nTrue);
      featuresOf('rich', ev.hits, g, DEFAULT_MOMENT_FEATURES, cur, 2 + nTrue + nRich);
      return { hits: ev.hits, truth: ev.truth, row: cur };
    });
}

function write(name: string, rows: readonly Float64Array[]): void {
  const all = new Float64Array(rows.length * width);
  rows.forEach((r, i) => all.set(r, i * width));
  writeFileSync(join(out, `truth-${name}.f64`), Buffer.from(all.buffer));
  say(`${name}: ${rows.length} rows`);
}

const out = values.out!;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'truth-columns.json'), JSON.stringify(columns) + '\n');

// The recorder must not change the events: the first ones against the evaluation's own stream.
const check = signalStream(g, cfg.simulation, seed)(20);
stream(seed)(20).forEach((e, i) => {
  const a = e.hits;
  const b = check[i]!.hits;
  const same =
    a.count.length === b.count.length && a.count.every((v, j) => v === b.count[j] && a.ix[j] === b.ix[j]);
  if (!same || e.truth.energyGeV !== check[i]!.truth.energyGeV) throw new Error(`event ${i} differs`);
});

for (const [name, n, offset] of [
  ['train', Number(values['train-events']), SEED_OFFSETS.training],
  ['calibration', Number(values['calibration-events']), SEED_OFFSETS.calibration],
] as const) {
  const next = stream(seed + offset);
  const rows: Float64Array[] = [];
  for (let a = 0; a < n; a += 1000) {
    for (const e of next(Math.min(1000, n - a))) rows.push(e.row);
    say(`${name} ${rows.length}/${n}`);
  }
  write(name, rows);
}

const model = await loadCnnModel(values.model!, g, 'tensorflow');
const reco = createReconstructor(g, model, reconstructorConfig(cfg.reconstruction));
const next = stream(seed);
const n = Number(values.events);
const batch = cfg.reconstruction.batchSize;
const ok: Float64Array[] = [];
for (let a = 0; a < n; a += batch) {
  const evs = next(Math.min(batch, n - a));
  const r = await reco.reconstruct(
    evs.map((e, k) => ({
      runId: 't',
      eventId: String(a + k),
      timestampNs: 0n,
      hits: e.hits,
      truth: e.truth,
    })),
  );
  r.forEach((e, k) => e.status === 'ok' && ok.push(evs[k]!.row));
  if (a % 2000 === 0) say(`test: accepted ${ok.length}/${a + evs.length}`);
}
write('test', ok);
model.dispose();
