/**
 * `showertrig bench-e2e`: the end-to-end benchmark through the broker. Starts --processors
 * `showertrig run --brokers` children in one group on fresh topics, sends --warmup frames and waits
 * for them, then produces the measured frames at --rate (or as fast as possible) and reads tt.reco
 * back. Latency per event = broker timestamp of its reco message (written once the processor's
 * producer got the ack) − timestamp of its frame message; throughput = events / (last reco − first
 * measured frame); peak memory = the largest VmHWM among the processors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodecs } from '../codecs/index.js';
import { BACKENDS, reconstructionThreads } from '../config/index.js';
import {
  checkKafkaReachable,
  createKafkaCluster,
  createKafkaProducer,
  createKafkaSink,
  createKafkaSource,
  DEFAULT_KAFKA_SOURCE,
} from '../io/index.js';
import { loadConfig } from '../config-file/index.js';
import { ShowertrigError } from '../domain/index.js';
import { keyOf } from '../pipeline/index.js';
import { createSimulator } from '../sim/index.js';
import { silentLogger } from '../telemetry/index.js';
import { intFlag, numFlag, parseFlags, UsageError, type Command } from '../cli/index.js';
import { benchOutDir, saveResultRow } from './bench-results.js';
import { quantile } from '../numerics/index.js';
import { latencyPlot, latencySeries } from './bench-e2e-series.js';
import {
  bucketQuantileMs,
  cpuSeconds,
  meanBatch,
  metricsUrlOf,
  scrapeProbe,
  type ProbeScrape,
} from './bench-e2e-probe.js';

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

const STEADY_AFTER_S = 5;
/** Width of the latency-over-time windows (the series in the JSON and the SVG plot). */
const WINDOW_S = 1;
/** Latencies are whole ms (broker timestamps); an interpolated quantile gets one decimal, not float noise. */
const ms = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(1));

export const command: Command = {
  name: 'bench-e2e',
  summary: 'end-to-end benchmark through Kafka',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
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
    });
    if (values.brokers === undefined) throw new UsageError('--brokers is required');
    const variants = (values.anomaly ?? 'off').split(',');
    for (const v of variants)
      if (!['off', 'student', 'teacher'].includes(v))
        throw new UsageError(
          `--anomaly: expected off, student or teacher (comma-separated), got ${JSON.stringify(v)}`,
        );
    if (variants.length > 1) {
      const rest = argv.filter(
        (a, i) => a !== '--anomaly' && argv[i - 1] !== '--anomaly' && !a.startsWith('--anomaly='),
      );
      let rc = 0;
      for (const [i, v] of variants.entries())
        rc = Math.max(rc, await command.run([...rest, '--anomaly', v, '--ab-index', String(i + 1)]));
      return rc;
    }
    const anomaly = variants[0]!;
    // Position in an A/B list (rows of one list are kept apart, not upserted over each other).
    const abIndex = values['ab-index'];
    const n = intFlag(values.events, 'events', 20000, 1);
    const rate = numFlag(values.rate, 'rate', 0, 0);
    const partitions = intFlag(values.partitions, 'partitions', 4, 1, 1000);
    const processors = intFlag(values.processors, 'processors', 1, 1, partitions);
    const warmup = intFlag(values.warmup, 'warmup', 5000, 0);
    const threads =
      values.threads === undefined || values.threads === 'auto'
        ? 'auto'
        : intFlag(values.threads, 'threads', 0, 0, 64);
    const s = Date.now().toString(36);
    const topics = {
      frames: `bench.${s}.frames`,
      reco: `bench.${s}.reco`,
      candidates: `bench.${s}.candidates`,
      alerts: `bench.${s}.alerts`,
      dlq: `bench.${s}.dlq`,
      anomalies: `bench.${s}.anomalies`,
    };
    const signalOnly = values['signal-only'] === true;
    const mix = signalOnly ? { ratesHz: { signal: 85, neutrino: 0, muon: 0, noise: 0 } } : {};
    const cfg = loadConfig([], {
      kafka: { brokers: values.brokers.split(','), topics, partitions, groupId: `bench-${s}` },
      service: { metricsPort: 0, logLevel: 'warn' },
      simulation: mix,
    });
    await checkKafkaReachable(cfg.kafka);
    const cluster = createKafkaCluster(cfg.kafka, silentLogger);
    await cluster.ensureTopics(Object.values(topics), partitions, 1);

    const dir = mkdtempSync(join(tmpdir(), 'showertrig-bench-'));
    const backend = values.backend ?? 'auto';
    if (!(BACKENDS as readonly string[]).includes(backend))
      throw new UsageError(
        `--backend: expected one of ${BACKENDS.join(', ')}, got ${JSON.stringify(backend)}`,
      );
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        kafka: { brokers: cfg.kafka.brokers, topics, partitions, groupId: cfg.kafka.groupId },
        service: { metricsPort: 0, logLevel: 'info' },
        reconstruction: { backend, threads },
        anomaly: anomaly === 'off' ? { enabled: false } : { enabled: true, scorer: anomaly },
      }),
    );
    const children = Array.from({ length: processors }, () =>
      startProcessor(values.brokers!, join(dir, 'config.json')),
    );
    await Promise.all(children.map((c) => c.joined));
    // The backend the processors actually run (their 'inference backend' log line).
    const running = [
      ...new Set(
        children.map((c) => /inference backend.*?"backend":"([a-z-]+)"/.exec(c.log())?.[1] ?? 'unknown'),
      ),
    ].join('+');
    // A later member's join rebalances the earlier ones: let the group settle before producing.
    if (processors > 1) await new Promise((r) => setTimeout(r, 5_000));

    // Pre-generate frames so the producer is not limited by the simulator.
    const sim = createSimulator(cfg.detector, cfg.simulation, `bench-${s}`);
    const codecs = createCodecs('avro');
    const gen = (count: number): { key: string; value: Buffer }[] =>
      Array.from({ length: count }, () => {
        const f = sim.next();
        return { key: f.eventId, value: codecs.frame.encode(f) };
      });
    const warm = gen(warmup);
    const msgs = gen(n);
    const sentAt = new Map<string, number>();
    const recoAt = new Map<string, number>();
    let waiting: { count: number; resolve: () => void } | undefined;
    const reader = createKafkaSource(
      cluster,
      { ...DEFAULT_KAFKA_SOURCE, groupId: `bench-reader-${s}`, topic: topics.reco },
      silentLogger,
    );
    const readSub = reader.batches$.subscribe((b) => {
      for (const m of b.messages) {
        const k = keyOf(m) ?? '';
        if (!recoAt.has(k)) recoAt.set(k, m.timestampMs ?? NaN);
      }
      void b.ack?.();
      if (waiting !== undefined && recoAt.size >= waiting.count) waiting.resolve();
    });
    /** Resolves once `count` distinct events are reconstructed, or after 300 s. */
    const reconstructed = async (count: number): Promise<void> => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          waiting = { count, resolve };
          if (recoAt.size >= count) resolve();
        }),
        new Promise((r) => (timer = setTimeout(r, 300_000))),
      ]);
      clearTimeout(timer);
    };

    const producer = createKafkaProducer(cluster);
    await producer.connect();
    const sink = createKafkaSink<{ key: string; value: Buffer; ts: number }>(producer, {
      topic: topics.frames,
      key: (m) => m.key,
      encode: (m) => m.value,
      timestampMs: (m) => m.ts,
      maxMessageBytes: await cluster.maxMessageBytes(topics.frames),
    });
    const chunk = rate > 0 ? Math.max(1, Math.round(rate / 100)) : 500;
    /** Sends at the offered rate (or as fast as acknowledged); returns when the last chunk was acknowledged. */
    const send = async (list: { key: string; value: Buffer }[], label: string): Promise<number> => {
      const t0 = Date.now();
      for (let i = 0; i < list.length; i += chunk) {
        if (rate > 0) {
          const due = t0 + (i / rate) * 1000;
          const w = due - Date.now();
          if (w > 0) await new Promise((r) => setTimeout(r, w));
        }
        const part = list.slice(i, i + chunk);
        const ts = Date.now();
        for (const m of part) sentAt.set(m.key, ts);
        await sink.write(part.map((m) => ({ ...m, ts })));
        if (process.stderr.isTTY)
          process.stderr.write(
            `\r${label}: sent ${Math.min(list.length, i + chunk)}/${list.length}, reconstructed ${recoAt.size}`,
          );
      }
      return t0;
    };
    // Warm-up: the same path (processors, broker JVM, client) run before anything is measured.
    await send(warm, 'warm-up');
    await reconstructed(warmup);
    const urls = children.map((c) => metricsUrlOf(c.log()));
    const none: ProbeScrape = { latency: new Map(), frames: NaN, calls: NaN };
    const scrape = (): Promise<ProbeScrape[]> =>
      Promise.all(urls.map((u) => (u === undefined ? none : scrapeProbe(u).catch(() => none))));
    const histBefore = await scrape();
    const cpuBefore = children.map((c) => cpuSeconds(c.child.pid!));
    const loadBefore = loadavg()[0]!;
    const tStart = await send(msgs, 'measured');
    await reconstructed(warmup + n);
    const cpuUsed = children.reduce((sum, c, i) => sum + cpuSeconds(c.child.pid!) - cpuBefore[i]!, 0);
    const histAfter = await scrape();
    const hwmKb = Math.max(
      ...children.map((c) =>
        Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${c.child.pid}/status`, 'utf8'))?.[1] ?? NaN),
      ),
    );
    for (const c of children) c.child.kill('SIGTERM');
    await producer.disconnect();
    readSub.unsubscribe();
    await reader.close();
    await cluster.close();

    const measured = msgs
      .filter((m) => recoAt.has(m.key))
      .map((m) => ({ sent: sentAt.get(m.key) ?? NaN, reco: recoAt.get(m.key) ?? NaN }));
    const lat = measured.map((m) => m.reco - m.sent).sort((a, b) => a - b);
    const q = (p: number): number => quantile(lat, p);
    // Frames sent after the first STEADY_AFTER_S seconds of the measured phase.
    const steady = measured
      .filter((m) => m.sent >= tStart + STEADY_AFTER_S * 1000)
      .map((m) => m.reco - m.sent)
      .sort((a, b) => a - b);
    const last = Math.max(...measured.map((m) => m.reco));
    const windows = latencySeries(
      measured.map((m) => ({ sentMs: m.sent - tStart, latencyMs: m.reco - m.sent })),
      WINDOW_S,
    );
    const windowP99 = windows.map((w) => w.p99Ms).sort((a, b) => a - b);
    const result = {
      events: n,
      reconstructed: measured.length,
      warmup_events: warmup,
      offered_rate_hz: rate || 'max',
      frames: signalOnly ? 'signal only' : 'simulator mix',
      anomaly,
      ...(abIndex === undefined ? {} : { ab_index: Number(abIndex) }),
      processors,
      threads,
      threads_resolved: reconstructionThreads(threads, cpus().length),
      partitions,
      backend: running,
      events_per_second: measured.length / ((last - tStart) / 1000),
      latency_ms: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: lat[lat.length - 1] ?? NaN },
      steady_p99_ms: steady.length > 0 ? quantile(steady, 0.99) : null,
      window_p99_ms:
        windows.length > 0
          ? { window_s: WINDOW_S, median: quantile(windowP99, 0.5), worst: windowP99[windowP99.length - 1]! }
          : null,
      latency_over_time: windows,
      processor_peak_rss_mib: hwmKb / 1024,
      processor_cpu_ms_per_event: (cpuUsed * 1000) / n,
      in_process_latency_ms: {
        p50: bucketQuantileMs(
          histBefore.map((h) => h.latency),
          histAfter.map((h) => h.latency),
          0.5,
        ),
        p99: bucketQuantileMs(
          histBefore.map((h) => h.latency),
          histAfter.map((h) => h.latency),
          0.99,
        ),
      },
      frames_per_reconstruction_call: meanBatch(histBefore, histAfter),
      max_in_flight_frames: cfg.kafka.maxInFlightFrames,
      load_avg_1min: { start: loadBefore, end: loadavg()[0]! },
      machine: `${cpus().length} cores, node ${process.version}`,
      measured: new Date().toISOString().slice(0, 10),
    };
    const rowKey = (r: typeof result): string =>
      `${r.frames} ${r.offered_rate_hz} ${r.processors} ${r.backend ?? 'wasm'} ${r.threads_resolved ?? r.threads ?? 0}${r.anomaly === undefined || r.anomaly === 'off' ? '' : ` anomaly-${r.anomaly}`}${'ab_index' in r && r.ab_index !== undefined ? ` ab-${r.ab_index}` : ''}`;
    const plotName = `e2e-latency-${rowKey(result).replace(/[^a-z0-9.+-]+/gi, '-')}.svg`;
    const outDir = benchOutDir(values.out);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(
      join(outDir, plotName),
      latencyPlot(
        `${result.frames}, offered ${result.offered_rate_hz} Hz, ${processors} processor(s), ${running}: latency per ${WINDOW_S} s window`,
        windows,
      ),
    );
    saveResultRow(outDir, 'e2e', result, rowKey, {
      title: 'End-to-end benchmark through Kafka',
      notes: [
        '`showertrig bench-e2e --brokers 127.0.0.1:9092 --events N [--rate HZ]`: one or more processors in one consumer group (`showertrig run --brokers`, default model, CNN backend as in the backend column) on fresh topics of the project broker (scripts/kafka.sh), frames from the simulator class mix (signal 5, neutrino 20, muon 50, noise 10 Hz) or signal showers only (1–100 GeV)',
        'latency = broker timestamp of the reco message (written after the processor\'s producer got its ack) − timestamp of the frame message; at "max" the producer outruns the processor, so latency there is queueing time',
        'throughput = events / (last reco message − first frame sent); peak RSS = the largest VmHWM among the processors',
        "processor CPU ms/event = the processors' user + system CPU time over the measured phase / events (the cost per event, comparable on a shared machine where rates are not); in-process p50 / p99 = the processors' end_to_end_latency_seconds histogram over the measured phase (frame fetched → its outputs acknowledged), as the upper bound of the bucket (1, 5, 10, 25, 50, 100, 250 ms, ...): end-to-end minus in-process is the time in the producer, broker and fetch",
        "load avg 1 min = the machine's 1-minute load average when the measured phase started and ended (the broker, the load generator and the processors share the machine: a load above its cores means they competed with other work, and rates and latencies are then not comparable with a quiet run)",
        "frames per reconstruction call = the processors' inference_batch_size histogram (sum / count) over the measured phase: the batch size the load gave (a short queue gives small batches, a backlog full ones up to reconstruction.batchSize)",
        `p99 per ${WINDOW_S} s window, median / worst = the latency p99 of the frames sent in each ${WINDOW_S} s window of the measured phase: the median window and the worst one (a start-up transient or spikes spread over the run show apart); e2e-latency-<row>.svg plots p50, p99 and max per window against time, and the JSON row has the series (latency_over_time)`,
        `before the measured frames, ${warmup} warm-up frames go the same way (same rate) and are waited for: the processors' and the broker JVM's first seconds are not measured`,
      ],
      columns: [
        { header: 'frames', cell: (r) => r.frames },
        {
          header: 'anomaly path',
          cell: (r) =>
            `${r.anomaly ?? 'off'}${'ab_index' in r && r.ab_index !== undefined ? ` (A/B run ${r.ab_index})` : ''}`,
        },
        { header: 'offered rate (Hz)', cell: (r) => String(r.offered_rate_hz) },
        { header: 'processors', cell: (r) => String(r.processors) },
        { header: 'backend', cell: (r) => r.backend ?? 'wasm' },
        { header: 'worker threads', cell: (r) => String(r.threads_resolved ?? r.threads ?? 0) },
        { header: 'events', cell: (r) => `${r.reconstructed}/${r.events}` },
        { header: 'events/s', cell: (r) => r.events_per_second.toFixed(0) },
        { header: 'p50 ms', cell: (r) => ms(r.latency_ms.p50) },
        { header: 'p90 ms', cell: (r) => ms(r.latency_ms.p90) },
        { header: 'p99 ms', cell: (r) => ms(r.latency_ms.p99) },
        { header: 'max ms', cell: (r) => ms(r.latency_ms.max) },
        {
          header: `p99 ms after ${STEADY_AFTER_S} s`,
          cell: (r) => (r.steady_p99_ms == null ? '–' : ms(r.steady_p99_ms)),
        },
        {
          header: `p99 per ${WINDOW_S} s window ms, median / worst`,
          cell: (r) =>
            r.window_p99_ms == null ? '–' : `${ms(r.window_p99_ms.median)} / ${ms(r.window_p99_ms.worst)}`,
        },
        { header: 'peak RSS MiB (per processor)', cell: (r) => r.processor_peak_rss_mib.toFixed(0) },
        {
          header: 'processor CPU ms/event',
          cell: (r) => (r.processor_cpu_ms_per_event == null ? '–' : r.processor_cpu_ms_per_event.toFixed(2)),
        },
        {
          header: 'in-process p50 / p99 ms (≤ bucket)',
          cell: (r) =>
            r.in_process_latency_ms == null
              ? '–'
              : `${r.in_process_latency_ms.p50 ?? '–'} / ${r.in_process_latency_ms.p99 ?? '–'}`,
        },
        {
          header: 'frames per reconstruction call',
          cell: (r) =>
            r.frames_per_reconstruction_call == null ? '–' : r.frames_per_reconstruction_call.toFixed(1),
        },
        { header: 'max in flight', cell: (r) => String(r.max_in_flight_frames) },
        { header: 'partitions', cell: (r) => String(r.partitions) },
        {
          header: 'load avg 1 min, start / end',
          cell: (r) =>
            r.load_avg_1min == null
              ? '–'
              : `${r.load_avg_1min.start.toFixed(1)} / ${r.load_avg_1min.end.toFixed(1)}`,
        },
        { header: 'machine', cell: (r) => r.machine },
        { header: 'date', cell: (r) => r.measured },
      ],
    });
    process.stdout.write(
      values.json === true
        ? `${JSON.stringify(result, null, 2)}\n`
        : `\nend-to-end: ${result.reconstructed}/${n} events, ${result.events_per_second.toFixed(0)} events/s (${result.frames}, offered ${result.offered_rate_hz}), latency p50 ${ms(result.latency_ms.p50)} ms, p90 ${ms(result.latency_ms.p90)} ms, p99 ${ms(result.latency_ms.p99)} ms, max ${ms(result.latency_ms.max)} ms (p99 after ${STEADY_AFTER_S} s: ${result.steady_p99_ms == null ? '–' : ms(result.steady_p99_ms)} ms; p99 per ${WINDOW_S} s window, median / worst: ${result.window_p99_ms == null ? '–' : `${ms(result.window_p99_ms.median)} / ${ms(result.window_p99_ms.worst)}`} ms); processor peak RSS ${result.processor_peak_rss_mib.toFixed(0)} MiB\n`,
    );
    return measured.length === n ? 0 : 1;
  },
};

/** Starts one `showertrig run --brokers` child; `joined` resolves once it joined its group. */
function startProcessor(
  brokers: string,
  configPath: string,
): { child: ChildProcess; joined: Promise<void>; log: () => string } {
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      process.argv[1] ?? 'bin/showertrig.js',
      'run',
      '--brokers',
      brokers,
      '--config',
      configPath,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const joined = (async (): Promise<void> => {
    const t0 = Date.now();
    while (!out.includes('joined consumer group')) {
      if (Date.now() - t0 > 60_000 || child.exitCode !== null)
        throw new ShowertrigError(`processor did not join its group:\n${out.slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return { child, joined, log: () => out };
}
