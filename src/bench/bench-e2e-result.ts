/**
 * bench-e2e's result row: what is computed from the sent and reco timestamps and the processors'
 * scrapes, the table of its markdown columns, the notes under the table and the one-line summary.
 * A new column is one entry in E2E_COLUMNS (and its field in the row).
 */
import { cpus, loadavg } from 'node:os';
import { reconstructionThreads } from '../config/index.js';
import { quantile } from '../numerics/index.js';
import { latencySeries } from './bench-e2e-series.js';
import { bucketQuantileMs, meanBatch, type ProbeScrape } from './bench-e2e-probe.js';

export const STEADY_AFTER_S = 5;
/** Width of the latency-over-time windows (the series in the JSON and the SVG plot). */
export const WINDOW_S = 1;
/** Latencies are whole ms (broker timestamps); an interpolated quantile gets one decimal, not float noise. */
export const ms = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(1));

/** The frames a run sends, by --signal-only: the row's `frames` label and the simulation override. */
export const FRAME_MIXES = {
  'simulator mix': {},
  'signal only': { ratesHz: { signal: 85, neutrino: 0, muon: 0, noise: 0 } },
} as const;
export type FrameMix = keyof typeof FRAME_MIXES;

/** The run's settings as the row records them. */
export interface E2eSettings {
  events: number;
  warmup: number;
  rate: number;
  frames: FrameMix;
  processors: number;
  threads: number | 'auto';
  partitions: number;
  backend: string;
  maxInFlightFrames: number;
  /** The anomaly path in the processors: off, student or teacher. */
  anomaly: string;
  /** Position in an `--anomaly a,b,...` A/B list. */
  abIndex?: number;
}

/** What was measured: per-event timestamps, the measured phase's start, CPU, memory, load and scrapes. */
export interface E2eMeasurement {
  /** Sent and reco timestamps (ms) of each measured frame that came back. */
  measured: { sent: number; reco: number }[];
  tStart: number;
  cpuUsedS: number;
  hwmKb: number;
  loadBefore: number;
  histBefore: ProbeScrape[];
  histAfter: ProbeScrape[];
}

export function e2eResult(s: E2eSettings, m: E2eMeasurement) {
  const { measured, tStart, histBefore, histAfter } = m;
  const lat = measured.map((x) => x.reco - x.sent).sort((a, b) => a - b);
  const q = (p: number): number => quantile(lat, p);
  // Frames sent after the first STEADY_AFTER_S seconds of the measured phase.
  const steady = measured
    .filter((x) => x.sent >= tStart + STEADY_AFTER_S * 1000)
    .map((x) => x.reco - x.sent)
    .sort((a, b) => a - b);
  const last = Math.max(...measured.map((x) => x.reco));
  const windows = latencySeries(
    measured.map((x) => ({ sentMs: x.sent - tStart, latencyMs: x.reco - x.sent })),
    WINDOW_S,
  );
  const windowP99 = windows.map((w) => w.p99Ms).sort((a, b) => a - b);
  const inProcess = (p: number): number | null =>
    bucketQuantileMs(
      histBefore.map((h) => h.latency),
      histAfter.map((h) => h.latency),
      p,
    );
  return {
    events: s.events,
    reconstructed: measured.length,
    warmup_events: s.warmup,
    offered_rate_hz: s.rate || 'max',
    frames: s.frames,
    anomaly: s.anomaly,
    ...(s.abIndex === undefined ? {} : { ab_index: s.abIndex }),
    processors: s.processors,
    threads: s.threads,
    threads_resolved: reconstructionThreads(s.threads, cpus().length),
    partitions: s.partitions,
    backend: s.backend,
    events_per_second: measured.length / ((last - tStart) / 1000),
    latency_ms: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: lat[lat.length - 1] ?? NaN },
    steady_p99_ms: steady.length > 0 ? quantile(steady, 0.99) : null,
    window_p99_ms:
      windows.length > 0
        ? { window_s: WINDOW_S, median: quantile(windowP99, 0.5), worst: windowP99[windowP99.length - 1]! }
        : null,
    latency_over_time: windows,
    processor_peak_rss_mib: m.hwmKb / 1024,
    processor_cpu_ms_per_event: (m.cpuUsedS * 1000) / s.events,
    in_process_latency_ms: { p50: inProcess(0.5), p99: inProcess(0.99) },
    frames_per_reconstruction_call: meanBatch(histBefore, histAfter),
    max_in_flight_frames: s.maxInFlightFrames,
    load_avg_1min: { start: m.loadBefore, end: loadavg()[0]! },
    machine: `${cpus().length} cores, node ${process.version}`,
    measured: new Date().toISOString().slice(0, 10),
  };
}

export type E2eResult = ReturnType<typeof e2eResult>;

/** The row's key in e2e.json: one row per mix, rate, processor count, backend and worker threads. */
export const e2eRowKey = (r: E2eResult): string =>
  `${r.frames} ${r.offered_rate_hz} ${r.processors} ${r.backend ?? 'wasm'} ${r.threads_resolved ?? r.threads ?? 0}` +
  `${r.anomaly === undefined || r.anomaly === 'off' ? '' : ` anomaly-${r.anomaly}`}` +
  `${'ab_index' in r && r.ab_index !== undefined ? ` ab-${r.ab_index}` : ''}`;

/** The notes under e2e.md's title: what each column means. */
export function e2eNotes(warmup: number): string[] {
  return [
    '`showertrig bench-e2e --brokers 127.0.0.1:9092 --events N [--rate HZ]`: one or more processors in one consumer group (`showertrig run --brokers`, default model, CNN backend as in the backend column) on fresh topics of the project broker (scripts/kafka.sh), frames from the simulator class mix (signal 5, neutrino 20, muon 50, noise 10 Hz) or signal showers only (1–100 GeV)',
    'latency = broker timestamp of the reco message (written after the processor\'s producer got its ack) − timestamp of the frame message; at "max" the producer outruns the processor, so latency there is queueing time',
    'throughput = events / (last reco message − first frame sent); peak RSS = the largest VmHWM among the processors',
    "processor CPU ms/event = the processors' user + system CPU time over the measured phase / events (the cost per event, comparable on a shared machine where rates are not); in-process p50 / p99 = the processors' end_to_end_latency_seconds histogram over the measured phase (frame fetched → its outputs acknowledged), as the upper bound of the bucket (1, 5, 10, 25, 50, 100, 250 ms, ...): end-to-end minus in-process is the time in the producer, broker and fetch",
    "load avg 1 min = the machine's 1-minute load average when the measured phase started and ended (the broker, the load generator and the processors share the machine: a load above its cores means they competed with other work, and rates and latencies are then not comparable with a quiet run)",
    "frames per reconstruction call = the processors' inference_batch_size histogram (sum / count) over the measured phase: the batch size the load gave (a short queue gives small batches, a backlog full ones up to reconstruction.batchSize)",
    `p99 per ${WINDOW_S} s window, median / worst = the latency p99 of the frames sent in each ${WINDOW_S} s window of the measured phase: the median window and the worst one (a start-up transient or spikes spread over the run show apart); e2e-latency-<row>.svg plots p50, p99 and max per window against time, and the JSON row has the series (latency_over_time)`,
    `before the measured frames, ${warmup} warm-up frames go the same way (same rate) and are waited for: the processors' and the broker JVM's first seconds are not measured`,
  ];
}

const orDash = <T>(x: T | null | undefined, f: (x: T) => string): string => (x == null ? '–' : f(x));

/** e2e.md's columns, in order. */
export const E2E_COLUMNS: { header: string; cell: (r: E2eResult) => string }[] = [
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
  { header: `p99 ms after ${STEADY_AFTER_S} s`, cell: (r) => orDash(r.steady_p99_ms, ms) },
  {
    header: `p99 per ${WINDOW_S} s window ms, median / worst`,
    cell: (r) => orDash(r.window_p99_ms, (w) => `${ms(w.median)} / ${ms(w.worst)}`),
  },
  { header: 'peak RSS MiB (per processor)', cell: (r) => r.processor_peak_rss_mib.toFixed(0) },
  {
    header: 'processor CPU ms/event',
    cell: (r) => orDash(r.processor_cpu_ms_per_event, (x) => x.toFixed(2)),
  },
  {
    header: 'in-process p50 / p99 ms (≤ bucket)',
    cell: (r) => orDash(r.in_process_latency_ms, (x) => `${x.p50 ?? '–'} / ${x.p99 ?? '–'}`),
  },
  {
    header: 'frames per reconstruction call',
    cell: (r) => orDash(r.frames_per_reconstruction_call, (x) => x.toFixed(1)),
  },
  { header: 'max in flight', cell: (r) => String(r.max_in_flight_frames) },
  { header: 'partitions', cell: (r) => String(r.partitions) },
  {
    header: 'load avg 1 min, start / end',
    cell: (r) => orDash(r.load_avg_1min, (l) => `${l.start.toFixed(1)} / ${l.end.toFixed(1)}`),
  },
  { header: 'machine', cell: (r) => r.machine },
  { header: 'date', cell: (r) => r.measured },
];

/** The text printed without --json. */
export function e2eSummaryLine(r: E2eResult): string {
  const window = orDash(r.window_p99_ms, (w) => `${ms(w.median)} / ${ms(w.worst)}`);
  return `\nend-to-end: ${r.reconstructed}/${r.events} events, ${r.events_per_second.toFixed(0)} events/s (${r.frames}, offered ${r.offered_rate_hz}), latency p50 ${ms(r.latency_ms.p50)} ms, p90 ${ms(r.latency_ms.p90)} ms, p99 ${ms(r.latency_ms.p99)} ms, max ${ms(r.latency_ms.max)} ms (p99 after ${STEADY_AFTER_S} s: ${orDash(r.steady_p99_ms, ms)} ms; p99 per ${WINDOW_S} s window, median / worst: ${window} ms); processor peak RSS ${r.processor_peak_rss_mib.toFixed(0)} MiB\n`;
}
