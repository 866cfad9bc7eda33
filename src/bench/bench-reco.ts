/**
 * `showertrig bench-reco`: speed of the reconstruction stages on one core, on pre-generated
 * signal events (the configured signal spectrum): DBSCAN clustering + track choice (grid and kdbush
 * indexes), the Gaussian-moment baseline and, with --model, the CNN per batch size, the per-event
 * preparation without the net (on this thread, and with --threads on a worker pool), and the full
 * reconstructor. Events/s, per-event latency p50/p99, memory. Writes <out>/reco.json and reco.md.
 */
import { Rng, type HitFrame, type Hits } from '../domain/index.js';
import {
  buildModelInputs,
  classifierFeatureCount,
  classifierFeatures,
  createBaselineModel,
  createEventPreparer,
  createPreparePool,
  createReconstructor,
  createTransverseReconstructor,
  DEFAULT_TRANSVERSE,
  reconstructorConfig,
  trainBaselineStream,
  type EnergyVertexModel,
  SPATIAL_INDEXES,
} from '../reconstruction/index.js';
import { markdownTable } from '../report/index.js';
import { generateEvent } from '../sim/index.js';
import { intFlag, parseFlags, type Command } from '../cli/index.js';
import { loadCnnModel, loadEventClassifier } from '../app/index.js';
import { loadConfig } from '../config-file/index.js';
import { benchOutDir, writeResults } from './bench-results.js';
import { compareWithSklearn, sklearnMarkdown } from './bench-reco-sklearn.js';
import { quantile } from '../numerics/index.js';

const USAGE = `usage: showertrig bench-reco [--events N] [--seed S] [--model DIR] [--batches 1,8,64,256] [--threads 1,2] [--sklearn PYTHON] [--json] [--out DIR]
  --events N   pre-generated signal events per measurement (default 2000)
  --seed S     simulation seed of the events (default 7)
  --batches L  batch sizes of the batched rows (default 1,8,64,256)
  --json       print the result as JSON instead of text
  --model DIR  also benchmark this CNN model (tfjs layers directory)
  --threads L  with --model: also the preparation and the full reconstruction with batches prepared
               on this many worker threads beside the main thread (reconstruction.threads), per value
               (default: none; the preparation on this thread alone is always measured)
  --sklearn PY  also time scikit-learn's DBSCAN on the same stations with this Python (a venv with
               scikit-learn, comparison only) and check that every label agrees (exit 1 if not)
  --out DIR    where reco.json and reco.md go (default: the scratch directory $TMPDIR/showertrig-bench;
               --out bench/results updates the committed results)`;

interface Row {
  stage: string;
  batch: number;
  events_per_second: number;
  /** Per call: one event for per-event stages, one batch for batched ones. */
  latency_p50_ms: number;
  latency_p99_ms: number;
  per_event_us: number;
}

export const command: Command = {
  name: 'bench-reco',
  summary: 'benchmark clustering, baseline, CNN and the full reconstruction (events/s, latency, memory)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      events: { type: 'string' },
      seed: { type: 'string' },
      model: { type: 'string' },
      batches: { type: 'string' },
      threads: { type: 'string' },
      sklearn: { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
    });
    const cfg = loadConfig([values.config]);
    const g = cfg.detector;
    const n = intFlag(values.events, 'events', 2000, 10, 1_000_000);
    const seed = intFlag(values.seed, 'seed', 7, 0, 2 ** 32 - 1);
    const batches = (values.batches ?? '1,8,64,256')
      .split(',')
      .map((b) => intFlag(b, 'batches', 64, 1, 65536));
    const threads =
      values.threads === undefined
        ? []
        : values.threads.split(',').map((t) => intFlag(t, 'threads', 1, 1, 64));
    const outDir = benchOutDir(values.out);
    const log = (m: string): boolean => process.stderr.write(`${m}\n`);

    const rng = new Rng(seed);
    const events: HitFrame[] = [];
    let hitSum = 0;
    for (let i = 0; i < n; i++) {
      const ev = generateEvent(g, cfg.simulation, 'signal', rng);
      hitSum += ev.hits.station.length;
      events.push({
        runId: 'bench',
        eventId: String(i),
        timestampNs: BigInt(i),
        hits: ev.hits,
        truth: ev.truth,
      });
    }
    log(`generated ${n} signal events, ${(hitSum / n).toFixed(0)} hits/event`);
    const hits = events.map((e) => e.hits);
    const rows: Row[] = [];

    const rc = reconstructorConfig(cfg.reconstruction);
    for (const index of SPATIAL_INDEXES) {
      const t = createTransverseReconstructor(g, {
        ...rc.transverse,
        clustering: { ...rc.transverse.clustering, index },
      });
      rows.push(perEvent(`clustering + track (${index})`, hits, (h) => void t.reconstruct(h)));
      log(summary(rows.at(-1)!));
    }
    const sk =
      values.sklearn === undefined
        ? undefined
        : compareWithSklearn(
            values.sklearn,
            hits,
            g,
            cfg.reconstruction.dbscanEpsMm,
            cfg.reconstruction.dbscanMinHits,
          );
    if (sk !== undefined) log(sklearnMarkdown(sk).join('\n').trim());
    const tb = createTransverseReconstructor(g, DEFAULT_TRANSVERSE);
    rows.push(perEvent('weighted-mean track (baseline X,Y)', hits, (h) => void tb.baseline(h)));
    log(summary(rows.at(-1)!));

    const trainRng = new Rng(seed + 1_000_003);
    const baseline = createBaselineModel(
      trainBaselineStream(5000, () => generateEvent(g, cfg.simulation, 'signal', trainRng), g),
      g,
    );
    const models: EnergyVertexModel[] = [baseline];
    const cnn =
      values.model === undefined
        ? undefined
        : await loadCnnModel(values.model, g, cfg.reconstruction.backend);
    if (cnn !== undefined) models.push(cnn);
    for (const m of models) {
      for (const b of batches) {
        rows.push(
          await batched(`${m.info.name} E,d [${m.info.backend}]`, hits, freshHits, b, (x) => m.predict(x)),
        );
        log(summary(rows.at(-1)!));
      }
    }
    for (const m of models) {
      const reco = createReconstructor(g, m, rc);
      for (const b of [1, cfg.reconstruction.batchSize]) {
        rows.push(
          await batched(
            `full reconstruction, ${m.info.name} [${m.info.backend}]`,
            events,
            freshFrame,
            b,
            (x) => reco.reconstruct(x),
          ),
        );
        log(summary(rows.at(-1)!));
      }
    }
    if (cnn !== undefined) {
      // The event classifier's cost: the full reconstruction with and without it, batch by batch in
      // rotating order, so that a load change on a shared machine hits every row alike.
      const b = cfg.reconstruction.batchSize;
      const variants: { stage: string; f: (x: readonly HitFrame[]) => Promise<unknown> }[] = [];
      for (const kind of [undefined, 'gbt', 'mlp'] as const) {
        const clf =
          kind === undefined ? undefined : await loadEventClassifier(values.model!, kind, undefined);
        if (kind !== undefined && clf === undefined) continue;
        const reco = createReconstructor(
          g,
          cnn,
          rc,
          clf === undefined ? {} : { classify: (row) => clf.classify(row) },
        );
        variants.push({
          stage: `full reconstruction, ${cnn.info.name} [${cnn.info.backend}]${clf === undefined ? '' : ` + classifier ${clf.kind}`} (interleaved)`,
          f: (x) => reco.reconstruct(x),
        });
      }
      if (variants.length > 1) {
        for (const r of await interleaved(variants, events, freshFrame, b)) {
          rows.push(r);
          log(summary(r));
        }
        // The classifier's own work per event, alone: features from the tracks (found beforehand, untimed) + the model.
        const tt = createTransverseReconstructor(g, rc.transverse);
        const prepared = hits
          .map((h) => ({ h, r: tt.reconstruct(h) }))
          .filter((x) => x.r.track !== undefined);
        const fr = new Float64Array(classifierFeatureCount(g.nStations));
        for (const kind of ['gbt', 'mlp'] as const) {
          const clf = await loadEventClassifier(values.model!, kind, undefined);
          if (clf === undefined) continue;
          const one = (i: number): void => {
            const { h, r } = prepared[i]!;
            classifierFeatures(
              h,
              g,
              { energyGeV: 10, dCm: -3, xCm: 0, yCm: 0, nHits: h.station.length },
              r.track!,
              r.clustersPerStation,
              fr,
            );
            clf.classify(fr);
          };
          for (let i = 0; i < Math.min(200, prepared.length); i++) one(i);
          const lat = new Float64Array(prepared.length);
          const t0 = performance.now();
          for (let i = 0; i < prepared.length; i++) {
            const a = performance.now();
            one(i);
            lat[i] = performance.now() - a;
          }
          rows.push(
            row(
              `classifier ${kind} alone (features + model, per reconstructed event)`,
              1,
              prepared.length,
              performance.now() - t0,
              lat,
            ),
          );
          log(summary(rows.at(-1)!));
        }
      }
    }
    if (cnn !== undefined) {
      // The per-event work without the net (prepare.ts), alone: what the worker threads share.
      const spec = cnn.inputSpec;
      const local = createEventPreparer(g, rc.transverse, (h) => buildModelInputs(spec, h, g));
      const b = cfg.reconstruction.batchSize;
      rows.push(
        await batched('prepare (clustering, robust centre, net inputs)', hits, freshHits, b, async (x) =>
          local.prepare(x),
        ),
      );
      log(summary(rows.at(-1)!));
      for (const t of threads) {
        const pool = createPreparePool({ threads: t, geometry: g, transverse: rc.transverse, spec });
        rows.push(
          await batched(
            `prepare (clustering, robust centre, net inputs), ${pool.preparedBy}`,
            hits,
            freshHits,
            b,
            (x) => pool.prepare(x),
          ),
        );
        log(summary(rows.at(-1)!));
        const reco = createReconstructor(g, cnn, rc, { preparer: pool });
        rows.push(
          await batched(
            `full reconstruction, ${cnn.info.name} [${cnn.info.backend}], ${pool.preparedBy}`,
            events,
            freshFrame,
            b,
            (x) => reco.reconstruct(x),
          ),
        );
        log(summary(rows.at(-1)!));
        await pool.close();
      }
    }
    const mem = process.memoryUsage();
    const result = {
      command: 'bench-reco',
      events: n,
      seed,
      hits_per_event: hitSum / n,
      signal_spectrum: cfg.simulation.signalSpectrum,
      node: process.version,
      cpu_note:
        'one process; one thread unless a row names worker threads (those rows use that many more cores)',
      /** The CNN's backend and execution (fused plan or layers model); 'none' without --model. */
      cnn_backend: models.length > 1 ? models[1]!.info.backend : 'none',
      cnn_execution: models.length > 1 ? (models[1]!.info.execution ?? 'layers model') : 'none',
      dbscan: { eps_mm: cfg.reconstruction.dbscanEpsMm, min_hits: cfg.reconstruction.dbscanMinHits },
      rows,
      ...(sk === undefined
        ? {}
        : 'skipped' in sk
          ? { sklearn_dbscan_skipped: sk.skipped }
          : { sklearn_dbscan: sk.result }),
      memory: {
        rss_mb: mem.rss / 2 ** 20,
        heap_used_mb: mem.heapUsed / 2 ** 20,
        external_mb: mem.external / 2 ** 20,
      },
    };
    const md = markdown(result, argv) + (sk === undefined ? '' : `${sklearnMarkdown(sk).join('\n')}\n`);
    writeResults(outDir, 'reco', result, md);
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else process.stdout.write(md);
    for (const m of models) m.dispose();
    if (sk !== undefined && 'result' in sk && !sk.result.labels_identical) {
      process.stderr.write("bench-reco: DBSCAN labels differ from scikit-learn's on these stations\n");
      return 1;
    }
    return 0;
  },
};

function summary(r: Row): string {
  return `${r.stage} batch ${r.batch}: ${r.events_per_second.toFixed(0)} events/s, p50 ${r.latency_p50_ms.toFixed(3)} ms, p99 ${r.latency_p99_ms.toFixed(3)} ms`;
}

/**
 * A new Hits object over the same arrays: what is remembered per Hits object (the station index of
 * the robust centre and the feature row) is not carried from one pass to the next, as a stream
 * never sees one frame twice. Every timed pass runs on fresh copies.
 */
const freshHits = (h: Hits): Hits => ({ ...h });
const freshFrame = (f: HitFrame): HitFrame => ({ ...f, hits: freshHits(f.hits) });

/** One warm-up pass, then one timed pass over all events (fresh copies); latency per event. */
function perEvent(stage: string, all: readonly Hits[], f: (h: Hits) => void): Row {
  for (let i = 0; i < Math.min(200, all.length); i++) f(all[i]!);
  const hits = all.map(freshHits);
  const lat = new Float64Array(hits.length);
  const t0 = performance.now();
  for (let i = 0; i < hits.length; i++) {
    const a = performance.now();
    f(hits[i]!);
    lat[i] = performance.now() - a;
  }
  return row(stage, 1, hits.length, performance.now() - t0, lat);
}

/** Warm-up with two batches, then every full batch of the events (fresh copies) timed; latency per batch. */
async function batched<T>(
  stage: string,
  all: readonly T[],
  fresh: (x: T) => T,
  b: number,
  f: (x: readonly T[]) => Promise<unknown>,
): Promise<Row> {
  const nb = Math.max(1, Math.floor(all.length / b));
  for (let k = 0; k < Math.min(2, nb); k++) await f(all.slice(k * b, (k + 1) * b));
  const items = all.map(fresh);
  const lat = new Float64Array(nb);
  const t0 = performance.now();
  for (let k = 0; k < nb; k++) {
    const chunk = items.slice(k * b, (k + 1) * b);
    const a = performance.now();
    await f(chunk);
    lat[k] = performance.now() - a;
  }
  // Fewer events than one batch: the one batch holds them all, and the row says so.
  return row(stage, Math.min(b, items.length), Math.min(items.length, nb * b), performance.now() - t0, lat);
}

/** Like batched, for several stages at once: batch k of every stage in turn (order rotating with k). */
async function interleaved<T>(
  stages: readonly { stage: string; f: (x: readonly T[]) => Promise<unknown> }[],
  all: readonly T[],
  fresh: (x: T) => T,
  b: number,
): Promise<Row[]> {
  const nb = Math.max(1, Math.floor(all.length / b));
  for (const s of stages) for (let k = 0; k < Math.min(2, nb); k++) await s.f(all.slice(k * b, (k + 1) * b));
  const lat = stages.map(() => new Float64Array(nb));
  const total = stages.map(() => 0);
  for (let k = 0; k < nb; k++) {
    for (let j = 0; j < stages.length; j++) {
      const i = (j + k) % stages.length;
      const chunk = all.slice(k * b, (k + 1) * b).map(fresh);
      const a = performance.now();
      await stages[i]!.f(chunk);
      lat[i]![k] = performance.now() - a;
      total[i]! += lat[i]![k]!;
    }
  }
  return stages.map((s, i) =>
    row(s.stage, Math.min(b, all.length), Math.min(all.length, nb * b), total[i]!, lat[i]!),
  );
}

function row(stage: string, batch: number, events: number, totalMs: number, lat: Float64Array): Row {
  const sorted = lat.slice().sort();
  return {
    stage,
    batch,
    events_per_second: events / (totalMs / 1000),
    latency_p50_ms: quantile(sorted, 0.5),
    latency_p99_ms: quantile(sorted, 0.99),
    per_event_us: (totalMs * 1000) / events,
  };
}

function markdown(
  r: {
    events: number;
    seed: number;
    hits_per_event: number;
    signal_spectrum: string;
    node: string;
    rows: Row[];
    memory: Record<string, number>;
  },
  argv: readonly string[],
): string {
  return [
    '# Reconstruction benchmark',
    '',
    `- command: \`showertrig bench-reco ${argv.join(' ')}\``,
    `- ${r.events} signal events (seed ${r.seed}, signal spectrum ${r.signal_spectrum}: simulation.signalSpectrum), ${r.hits_per_event.toFixed(0)} hits/event; node ${r.node}; one thread unless a row names worker threads`,
    `- latency is per call: one event for batch 1 stages, one batch otherwise`,
    `- memory at the end: RSS ${r.memory['rss_mb']!.toFixed(0)} MiB, heap ${r.memory['heap_used_mb']!.toFixed(0)} MiB, external ${r.memory['external_mb']!.toFixed(0)} MiB`,
    '',
    markdownTable(
      ['stage', 'batch', 'events/s', 'µs/event', 'p50 ms', 'p99 ms'],
      r.rows.map((x) => [
        x.stage,
        x.batch,
        Math.round(x.events_per_second),
        x.per_event_us,
        x.latency_p50_ms,
        x.latency_p99_ms,
      ]),
      3,
    ),
  ].join('\n');
}
