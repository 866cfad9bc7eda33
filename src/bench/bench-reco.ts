/**
 * `showertrig bench-reco`: speed of the reconstruction stages on one core, on pre-generated
 * signal events (the configured signal spectrum): DBSCAN clustering + track choice (grid and kdbush
 * indexes), the Gaussian-moment baseline and, with --model, the CNN per batch size, the per-event
 * preparation without the net (on this thread, and with --threads on a worker pool), and the full
 * reconstructor. Events/s, per-event latency p50/p99, memory. Writes <out>/reco.json and reco.md.
 */
import { Rng, type HitFrame } from '../domain/index.js';
import { reconstructorConfig } from '../reconstruction/index.js';
import { type ShowertrigConfig } from '../config/index.js';
import { generateEvent } from '../sim/index.js';
import { intFlag, parseFlags, type Command } from '../cli/index.js';
import { loadConfig } from '../config-file/index.js';
import { benchOutDir, writeResults } from './bench-results.js';
import { sklearnMarkdown } from './bench-reco-sklearn.js';
import { recoMarkdown } from './bench-reco-timing.js';
import { RECO_STEPS, type RecoBench } from './bench-reco-steps.js';

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
    const log = (m: string): void => void process.stderr.write(`${m}\n`);

    const { events, hitSum } = signalEvents(cfg, n, seed);
    log(`generated ${n} signal events, ${(hitSum / n).toFixed(0)} hits/event`);
    const bench: RecoBench = {
      cfg,
      rc: reconstructorConfig(cfg.reconstruction),
      seed,
      events,
      hits: events.map((e) => e.hits),
      batches,
      threads,
      modelDir: values.model,
      sklearnPython: values.sklearn,
      models: [],
      cnn: undefined,
      sk: undefined,
      rows: [],
      log,
    };
    for (const step of RECO_STEPS) await step(bench);
    const result = recoResult(bench, n, hitSum);
    const sk = bench.sk;
    const md = recoMarkdown(result, argv) + (sk === undefined ? '' : `${sklearnMarkdown(sk).join('\n')}\n`);
    writeResults(outDir, 'reco', result, md);
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else process.stdout.write(md);
    for (const m of bench.models) m.dispose();
    if (sk !== undefined && 'result' in sk && !sk.result.labels_identical) {
      process.stderr.write("bench-reco: DBSCAN labels differ from scikit-learn's on these stations\n");
      return 1;
    }
    return 0;
  },
};

/** `n` events of the configured signal spectrum from `seed`, and their total hit count. */
function signalEvents(
  cfg: ShowertrigConfig,
  n: number,
  seed: number,
): { events: HitFrame[]; hitSum: number } {
  const rng = new Rng(seed);
  const events: HitFrame[] = [];
  let hitSum = 0;
  for (let i = 0; i < n; i++) {
    const ev = generateEvent(cfg.detector, cfg.simulation, 'signal', rng);
    hitSum += ev.hits.station.length;
    events.push({
      runId: 'bench',
      eventId: String(i),
      timestampNs: BigInt(i),
      hits: ev.hits,
      truth: ev.truth,
    });
  }
  return { events, hitSum };
}

/** reco.json: the run's settings, the rows, the scikit-learn comparison and the memory at the end. */
function recoResult(b: RecoBench, n: number, hitSum: number) {
  const { cfg, models, sk } = b;
  const mem = process.memoryUsage();
  return {
    command: 'bench-reco',
    events: n,
    seed: b.seed,
    hits_per_event: hitSum / n,
    signal_spectrum: cfg.simulation.signalSpectrum,
    node: process.version,
    cpu_note:
      'one process; one thread unless a row names worker threads (those rows use that many more cores)',
    /** The CNN's backend and execution (fused plan or layers model); 'none' without --model. */
    cnn_backend: models.length > 1 ? models[1]!.info.backend : 'none',
    cnn_execution: models.length > 1 ? (models[1]!.info.execution ?? 'layers model') : 'none',
    dbscan: { eps_mm: cfg.reconstruction.dbscanEpsMm, min_hits: cfg.reconstruction.dbscanMinHits },
    rows: b.rows,
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
}
