/**
 * `showertrig bench-e2e`: the end-to-end benchmark through the broker. Starts --processors
 * `showertrig run --brokers` children in one group on fresh topics, sends --warmup frames and waits
 * for them, then produces the measured frames at --rate (or as fast as possible) and reads tt.reco
 * back. Latency per event = broker timestamp of its reco message (written once the processor's
 * producer got the ack) − timestamp of its frame message; throughput = events / (last reco − first
 * measured frame); peak memory = the largest VmHWM among the processors.
 */
import { mkdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodecs } from '../codecs/index.js';
import { BACKENDS, type ShowertrigConfig } from '../config/index.js';
import { checkKafkaReachable, createKafkaCluster } from '../io/index.js';
import { loadConfig } from '../config-file/index.js';
import { createSimulator } from '../sim/index.js';
import { silentLogger } from '../telemetry/index.js';
import { intFlag, numFlag, parseFlags, UsageError, type Command } from '../cli/index.js';
import { benchOutDir, saveResultRow } from './bench-results.js';
import { latencyPlot } from './bench-e2e-series.js';
import { cpuSeconds, metricsUrlOf, scrapeProbe, type ProbeScrape } from './bench-e2e-probe.js';
import {
  E2E_COLUMNS,
  e2eNotes,
  e2eResult,
  e2eRowKey,
  e2eSummaryLine,
  FRAME_MIXES,
  WINDOW_S,
  type E2eMeasurement,
  type E2eResult,
  type E2eSettings,
} from './bench-e2e-result.js';
import {
  E2eTraffic,
  peakRssKb,
  runningBackend,
  startProcessor,
  type FrameMessage,
  type Processor,
} from './bench-e2e-traffic.js';

const USAGE = `usage: showertrig bench-e2e --brokers H:P [--events N] [--rate HZ] [--warmup N] [--partitions P] [--processors N] [--signal-only] [--backend B] [--threads T] [--json] [--out DIR]
  --events N   frames to send (default 20000)
  --rate HZ    offered rate (default 0 = as fast as the broker accepts)
  --warmup N   frames sent first, the same way, and not measured (default 5000)
  --partitions P  partitions of the fresh frames topic (default 4)
  --json       print the result as JSON instead of text
  --processors N  processors in one consumer group (default 1; at most --partitions)
  --signal-only  frames are all signal showers (the costliest class) instead of the simulator mix
  --backend B  the processors' CNN backend: auto (default), tensorflow, wasm, ... (one run per backend gives an A/B)
  --threads T  worker threads per processor that prepare the batches (reconstruction.threads: a count or auto, the default)
  --anomaly A  the anomaly path in the processors: off (default), student or teacher (anomaly.scorer); a comma list
               (e.g. off,student,off,student) runs each in turn on fresh topics, one row each, for an A/B in one run
  Reports per row: events/s, broker-timestamp latency percentiles, the processors' CPU ms/event, their in-process
  latency, the mean frames per reconstruction call (how the batching adapted to the load) and the machine's load average
  during the measured phase; e2e.md's header explains each.
  --out DIR    where e2e.json and e2e.md go (default: the scratch directory $TMPDIR/showertrig-bench;
               --out bench/results updates the committed results); one row per rate and mix`;

const FLAGS = {
  brokers: { type: 'string' },
  events: { type: 'string' },
  rate: { type: 'string' },
  partitions: { type: 'string' },
  json: { type: 'boolean' },
  out: { type: 'string' },
  'signal-only': { type: 'boolean' },
  processors: { type: 'string' },
  warmup: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  anomaly: { type: 'string' },
  'ab-index': { type: 'string' },
} as const;

const ANOMALY_PATHS = ['off', 'student', 'teacher'] as const;
type AnomalyPath = (typeof ANOMALY_PATHS)[number];

/** `--anomaly a,b,...`: checked; more than one runs the command once per entry. */
function anomalyPaths(flag: string | undefined): AnomalyPath[] {
  const list = (flag ?? 'off').split(',');
  for (const v of list)
    if (!(ANOMALY_PATHS as readonly string[]).includes(v))
      throw new UsageError(
        `--anomaly: expected off, student or teacher (comma-separated), got ${JSON.stringify(v)}`,
      );
  return list as AnomalyPath[];
}

/** The flags, checked: everything a run needs before it touches the broker. */
function parseOptions(argv: readonly string[]) {
  const { values } = parseFlags(argv, FLAGS);
  if (values.brokers === undefined) throw new UsageError('--brokers is required');
  const partitions = intFlag(values.partitions, 'partitions', 4, 1, 1000);
  const backend = values.backend ?? 'auto';
  return {
    brokers: values.brokers,
    n: intFlag(values.events, 'events', 20000, 1),
    rate: numFlag(values.rate, 'rate', 0, 0),
    partitions,
    processors: intFlag(values.processors, 'processors', 1, 1, partitions),
    warmup: intFlag(values.warmup, 'warmup', 5000, 0),
    threads:
      values.threads === undefined || values.threads === 'auto'
        ? ('auto' as const)
        : intFlag(values.threads, 'threads', 0, 0, 64),
    frames: (values['signal-only'] === true ? 'signal only' : 'simulator mix') as keyof typeof FRAME_MIXES,
    backend,
    anomaly: anomalyPaths(values.anomaly),
    // Position in an A/B list (rows of one list are kept apart, not upserted over each other).
    abIndex: values['ab-index'] === undefined ? undefined : Number(values['ab-index']),
    json: values.json === true,
    out: values.out,
  };
}
type E2eOptions = ReturnType<typeof parseOptions>;

export const command: Command = {
  name: 'bench-e2e',
  summary: 'end-to-end benchmark through Kafka',
  usage: USAGE,
  async run(argv) {
    const o = parseOptions(argv);
    if (o.anomaly.length > 1) {
      const rest = argv.filter(
        (a, i) => a !== '--anomaly' && argv[i - 1] !== '--anomaly' && !a.startsWith('--anomaly='),
      );
      let rc = 0;
      for (const [i, v] of o.anomaly.entries())
        rc = Math.max(rc, await command.run([...rest, '--anomaly', v, '--ab-index', String(i + 1)]));
      return rc;
    }
    const s = Date.now().toString(36);
    const topics = {
      frames: `bench.${s}.frames`,
      reco: `bench.${s}.reco`,
      candidates: `bench.${s}.candidates`,
      alerts: `bench.${s}.alerts`,
      dlq: `bench.${s}.dlq`,
      anomalies: `bench.${s}.anomalies`,
    };
    const cfg = loadConfig([], {
      kafka: { brokers: o.brokers.split(','), topics, partitions: o.partitions, groupId: `bench-${s}` },
      service: { metricsPort: 0, logLevel: 'warn' },
      simulation: FRAME_MIXES[o.frames],
    });
    await checkKafkaReachable(cfg.kafka);
    const cluster = createKafkaCluster(cfg.kafka, silentLogger);
    await cluster.ensureTopics(Object.values(topics), o.partitions, 1);

    const children = await startProcessors(o, cfg, topics);
    const running = runningBackend(children);
    // A later member's join rebalances the earlier ones: let the group settle before producing.
    if (o.processors > 1) await new Promise((r) => setTimeout(r, 5_000));

    // Pre-generate frames so the producer is not limited by the simulator.
    const gen = frameGenerator(cfg, `bench-${s}`);
    const warm = gen(o.warmup);
    const msgs = gen(o.n);
    const traffic = new E2eTraffic(cluster, topics, `bench-reader-${s}`, o.rate);
    await traffic.connect();
    const m = await measure(o, children, traffic, warm, msgs);
    for (const c of children) c.child.kill('SIGTERM');
    await traffic.close();
    await cluster.close();

    const settings: E2eSettings = {
      events: o.n,
      warmup: o.warmup,
      rate: o.rate,
      frames: o.frames,
      processors: o.processors,
      threads: o.threads,
      partitions: o.partitions,
      backend: running,
      maxInFlightFrames: cfg.kafka.maxInFlightFrames,
      anomaly: o.anomaly[0]!,
      ...(o.abIndex === undefined ? {} : { abIndex: o.abIndex }),
    };
    const result = e2eResult(settings, m);
    writeE2eResults(o, result);
    process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : e2eSummaryLine(result));
    return m.measured.length === o.n ? 0 : 1;
  },
};

/** Writes the processors' config file and starts --processors children; resolves once all joined. */
async function startProcessors(
  o: E2eOptions,
  cfg: ShowertrigConfig,
  topics: Record<string, string>,
): Promise<Processor[]> {
  const dir = mkdtempSync(join(tmpdir(), 'showertrig-bench-'));
  if (!(BACKENDS as readonly string[]).includes(o.backend))
    throw new UsageError(
      `--backend: expected one of ${BACKENDS.join(', ')}, got ${JSON.stringify(o.backend)}`,
    );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      kafka: { brokers: cfg.kafka.brokers, topics, partitions: o.partitions, groupId: cfg.kafka.groupId },
      service: { metricsPort: 0, logLevel: 'info' },
      reconstruction: { backend: o.backend, threads: o.threads },
      anomaly: o.anomaly[0] === 'off' ? { enabled: false } : { enabled: true, scorer: o.anomaly[0] },
    }),
  );
  const children = Array.from({ length: o.processors }, () =>
    startProcessor(o.brokers, join(dir, 'config.json')),
  );
  await Promise.all(children.map((c) => c.joined));
  return children;
}

/** `count` simulator frames, Avro-encoded, keyed by event id. */
function frameGenerator(cfg: ShowertrigConfig, seed: string): (count: number) => FrameMessage[] {
  const sim = createSimulator(cfg.detector, cfg.simulation, seed);
  const codecs = createCodecs('avro');
  return (count) =>
    Array.from({ length: count }, () => {
      const f = sim.next();
      return { key: f.eventId, value: codecs.frame.encode(f) };
    });
}

/**
 * The warm-up (the same path, processors, broker JVM and client, run before anything is measured),
 * then the measured phase between two scrapes of the processors' metrics and CPU times.
 */
async function measure(
  o: E2eOptions,
  children: readonly Processor[],
  traffic: E2eTraffic,
  warm: readonly FrameMessage[],
  msgs: readonly FrameMessage[],
): Promise<E2eMeasurement> {
  await traffic.send(warm, 'warm-up');
  await traffic.reconstructed(o.warmup);
  const urls = children.map((c) => metricsUrlOf(c.log()));
  const none: ProbeScrape = { latency: new Map(), frames: NaN, calls: NaN };
  const scrape = (): Promise<ProbeScrape[]> =>
    Promise.all(urls.map((u) => (u === undefined ? none : scrapeProbe(u).catch(() => none))));
  const histBefore = await scrape();
  const cpuBefore = children.map((c) => cpuSeconds(c.child.pid!));
  const loadBefore = loadavg()[0]!;
  const tStart = await traffic.send(msgs, 'measured');
  await traffic.reconstructed(o.warmup + o.n);
  const cpuUsedS = children.reduce((sum, c, i) => sum + cpuSeconds(c.child.pid!) - cpuBefore[i]!, 0);
  const histAfter = await scrape();
  const hwmKb = peakRssKb(children);
  const { sentAt, recoAt } = traffic;
  const measured = msgs
    .filter((m) => recoAt.has(m.key))
    .map((m) => ({ sent: sentAt.get(m.key) ?? NaN, reco: recoAt.get(m.key) ?? NaN }));
  return { measured, tStart, cpuUsedS, hwmKb, loadBefore, histBefore, histAfter };
}

/** The latency-over-time plot of this row and the row itself into e2e.json and e2e.md. */
function writeE2eResults(o: E2eOptions, result: E2eResult): void {
  const plotName = `e2e-latency-${e2eRowKey(result).replace(/[^a-z0-9.+-]+/gi, '-')}.svg`;
  const outDir = benchOutDir(o.out);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, plotName),
    latencyPlot(
      `${result.frames}, offered ${result.offered_rate_hz} Hz, ${o.processors} processor(s), ${result.backend}: latency per ${WINDOW_S} s window`,
      result.latency_over_time,
    ),
  );
  saveResultRow(outDir, 'e2e', result, e2eRowKey, {
    title: 'End-to-end benchmark through Kafka',
    notes: e2eNotes(o.warmup),
    columns: E2E_COLUMNS,
  });
}
