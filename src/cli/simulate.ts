/**
 * `showertrig simulate`: runs the DAQ simulator. The event source (simulatedFrames) and the sinks
 * (a recording file, or a live rate summary) are separate functions so that other sinks (Kafka)
 * can reuse the source. Same flags and seed ⇒ byte-identical recording: timestamps start at a
 * fixed instant (not the wall clock) and the container sync marker derives from the seed.
 */
import { excessFlagRaw, parseInjectFlag, type ShowertrigConfig } from '../config/index.js';
import { EVENT_CLASSES, type EventClass, type HitFrame } from '../domain/index.js';
import { loadConfig } from '../config-file/index.js';
import { openRecordingWriter, syncMarkerFromSeed, type RecordingSummary } from '../recording/index.js';
import { createLogger } from '../telemetry/index.js';
import { processTerminal, type Terminal } from './terminal.js';
import { codecOverride, intFlag, numFlag, parseFlags, UsageError, type Command } from './args.js';
import { publishFrames } from '../app/index.js';
import { DEFAULT_START_NS, simulatedFrames } from '../app/index.js';

const USAGE = `usage: showertrig simulate [--events N] [--seed S] [--out FILE.avro | --brokers H:P] [--rate HZ|max]
                           [--config FILE] [--excess class:factor:start:duration] [--start-ns T] [--run-id ID]
                           [--codec avro|msgpack] [--inject class:rate:start:duration ...]
  --events N      events to simulate (default: until Ctrl-C, which also closes a recording cleanly)
  --seed S        simulation seed (default: config simulation.seed)
  --out FILE      write a recording: Avro object container file (hit_frame.v1, deflate)
  --brokers LIST  publish to tt.frames (key = event id) as the DAQ does: in real time at the
                  simulated rate, or as fast as the brokers acknowledge with --rate max
  --rate HZ|max   total event rate: the class rates are scaled to sum to HZ (mix kept);
                  max = publish as fast as possible (timestamps keep the configured rates)
  --config FILE   JSON config file
  --excess X      inject an excess, e.g. signal:3:10:20 = signal rate x3 from t=10 s for 20 s;
                  none = no excess even if the config has one
  --inject X      inject an exotic signature or detector fault (repeatable): class:rate:start:duration.
                  Physics (rate = extra events/s): dark-photon, late-shower, wide-angle, slow-track;
                  faults (rate = ordinary events/s affected, one fault instance for the window):
                  hot-cluster, dead-region, noisy-burst. E.g. dark-photon:2:10:30
  --start-ns T    timestamp of simulated time 0, ns since the epoch (default: config
                  simulation.startTimeNs, else 1700000000000000000 = 2023-11-14T22:13:20Z)
  --run-id ID     run id stamped on every frame (default run-<seed>)
  --codec C       with --brokers: wire codec of the frames (default: config kafka.codec)
Without --out or --brokers, prints a live summary (events/s per class) on stderr.`;

/** Counters of a run, updated by driveFrames. */
export interface RunStats {
  events: number;
  readonly perClass: Record<EventClass, number>;
  firstNs?: bigint;
  lastNs?: bigint;
  readonly t0Ms: number;
}

export function newStats(): RunStats {
  return {
    events: 0,
    perClass: Object.fromEntries(EVENT_CLASSES.map((c) => [c, 0])) as Record<EventClass, number>,
    t0Ms: performance.now(),
  };
}

function count(stats: RunStats, f: HitFrame): void {
  stats.events++;
  if (f.truth !== undefined) stats.perClass[f.truth.eventClass]++;
  stats.firstNs ??= f.timestampNs;
  stats.lastNs = f.timestampNs;
}

/**
 * Drives a frame source into a sink (file, Kafka, ...), yielding to the event loop every ~50 ms
 * so Ctrl-C (`stop`) and timers are served, and calling `tick` at most every `tickMs`.
 */
export async function driveFrames(
  frames: Iterable<HitFrame>,
  sink: (f: HitFrame) => void | Promise<void>,
  stats: RunStats,
  stop: { stopped: boolean },
  tick: () => void,
  tickMs: number,
): Promise<void> {
  let lastYield = performance.now();
  let lastTick = lastYield;
  for (const f of frames) {
    count(stats, f);
    await sink(f);
    if ((stats.events & 31) === 0) {
      const now = performance.now();
      if (now - lastTick >= tickMs) {
        lastTick = now;
        tick();
      }
      if (now - lastYield >= 50) {
        lastYield = now;
        await new Promise((r) => setImmediate(r));
      }
    }
    if (stop.stopped) break;
  }
}

function rate(stats: RunStats): number {
  const s = (performance.now() - stats.t0Ms) / 1000;
  return s > 0 ? stats.events / s : 0;
}

function spanS(stats: RunStats): number {
  return stats.firstNs === undefined || stats.lastNs === undefined
    ? 0
    : Number(stats.lastNs - stats.firstNs) / 1e9;
}

function classSummary(stats: RunStats): string {
  return EVENT_CLASSES.map((c) => `${c} ${stats.perClass[c]}`).join(', ');
}

/** The file sink: writes the source to a recording, with progress on a TTY and a summary. */
export async function recordToFile(
  frames: Iterable<HitFrame>,
  path: string,
  meta: { seed: number; runId: string; startNs: bigint; cfg: ShowertrigConfig; events: number },
  term: Terminal,
  stop: { stopped: boolean },
): Promise<{ summary: RecordingSummary; stats: RunStats }> {
  const writer = await openRecordingWriter(path, {
    syncMarker: syncMarkerFromSeed(meta.seed),
    metadata: {
      'showertrig.seed': String(meta.seed),
      'showertrig.runId': meta.runId,
      'showertrig.startNs': meta.startNs.toString(),
      'showertrig.simulation': JSON.stringify({ ...meta.cfg.simulation, startTimeNs: undefined }),
      'showertrig.detector': JSON.stringify(meta.cfg.detector),
    },
  });
  const stats = newStats();
  const progress = (): void => {
    if (!term.errIsTty) return;
    const r = rate(stats);
    const eta =
      Number.isFinite(meta.events) && r > 0 ? ` ETA ${((meta.events - stats.events) / r).toFixed(0)} s` : '';
    const of = Number.isFinite(meta.events) ? `/${meta.events}` : '';
    term.err(`\r${stats.events}${of} events  ${r.toFixed(0)} events/s${eta}   `);
  };
  try {
    await driveFrames(frames, (f) => writer.write(f), stats, stop, progress, 250);
  } catch (e) {
    await writer.close().catch(() => undefined); // release the file; the first error is the one to report
    throw e;
  } finally {
    if (term.errIsTty) term.err('\n');
  }
  const summary = await writer.close();
  return { summary, stats };
}

/** The live sink: counts events and prints events/s per class, one line. */
export async function liveSummary(
  frames: Iterable<HitFrame>,
  term: Terminal,
  stop: { stopped: boolean },
): Promise<RunStats> {
  const stats = newStats();
  let last = { t: performance.now(), events: 0, perClass: { ...stats.perClass } };
  const line = (): string => {
    const now = performance.now();
    const dt = (now - last.t) / 1000;
    const per = EVENT_CLASSES.map(
      (c) => `${c} ${((stats.perClass[c] - last.perClass[c]) / dt).toFixed(0)}`,
    ).join('  ');
    const s = `${stats.events} events  ${((stats.events - last.events) / dt).toFixed(0)} events/s (${per})  simulated ${spanS(stats).toFixed(1)} s`;
    last = { t: now, events: stats.events, perClass: { ...stats.perClass } };
    return s;
  };
  const tick = (): void => term.err(term.errIsTty ? `\r${line()}   ` : `${line()}\n`);
  await driveFrames(frames, () => undefined, stats, stop, tick, term.errIsTty ? 500 : 10_000);
  if (term.errIsTty) term.err('\n');
  return stats;
}

function parseStartNs(flag: string | undefined, cfg: ShowertrigConfig): bigint {
  if (flag !== undefined) {
    if (!/^\d{1,19}$/.test(flag))
      throw new UsageError(
        `--start-ns: expected a non-negative integer (ns since the epoch), got ${JSON.stringify(flag)}`,
      );
    const v = BigInt(flag);
    if (v >= 2n ** 63n) throw new UsageError('--start-ns: beyond int64');
    return v;
  }
  return cfg.simulation.startTimeNs === undefined
    ? DEFAULT_START_NS
    : BigInt(Math.round(cfg.simulation.startTimeNs));
}

/** --rate HZ: the class rates scaled to sum to HZ; "max" and no flag keep the configured rates. */
function withTotalRate(cfg: ShowertrigConfig, flag: string | undefined): ShowertrigConfig {
  if (flag === undefined || flag === 'max') return cfg;
  const hz = numFlag(flag, 'rate', 0, 0, 1e7);
  if (!(hz > 0))
    throw new UsageError(`--rate: expected a positive rate in Hz or "max", got ${JSON.stringify(flag)}`);
  const rates = cfg.simulation.ratesHz;
  const total = EVENT_CLASSES.reduce((s, c) => s + rates[c], 0);
  const ratesHz = Object.fromEntries(EVENT_CLASSES.map((c) => [c, (rates[c] * hz) / total])) as typeof rates;
  return { ...cfg, simulation: { ...cfg.simulation, ratesHz } };
}

const SIMULATE_FLAGS = {
  events: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  config: { type: 'string' },
  excess: { type: 'string' },
  inject: { type: 'string', multiple: true },
  'start-ns': { type: 'string' },
  'run-id': { type: 'string' },
  brokers: { type: 'string' },
  rate: { type: 'string' },
  codec: { type: 'string' },
} as const;

/** The configuration with the flags' overrides: seed, excess, injections, codec, brokers and total rate. */
function simulateConfig(values: ReturnType<typeof parseFlags<typeof SIMULATE_FLAGS>>['values']) {
  const overrides: { simulation: Record<string, unknown> } = { simulation: {} };
  if (values.seed !== undefined)
    overrides.simulation['seed'] = intFlag(values.seed, 'seed', 1, 0, 2 ** 32 - 1);
  if (values.excess !== undefined) overrides.simulation['excess'] = excessFlagRaw(values.excess);
  if (values.inject !== undefined) overrides.simulation['inject'] = values.inject.map(parseInjectFlag);
  Object.assign(overrides, {
    kafka: {
      ...codecOverride(values.codec),
      ...(values.brokers === undefined ? {} : { brokers: values.brokers.split(',') }),
    },
  });
  return withTotalRate(loadConfig([values.config], overrides), values.rate);
}

export function createSimulateCommand(term: Terminal = processTerminal): Command {
  return {
    name: 'simulate',
    summary: 'run the DAQ simulator (to a recording, or a live summary)',
    usage: USAGE,
    async run(argv) {
      const { values } = parseFlags(argv, SIMULATE_FLAGS);
      if (values.out !== undefined && values.brokers !== undefined)
        throw new UsageError('give at most one of --out and --brokers');
      const cfg = simulateConfig(values);
      const events = values.events === undefined ? Infinity : intFlag(values.events, 'events', 0, 0);
      const seed = cfg.simulation.seed;
      const runId = values['run-id'] ?? `run-${seed}`;
      const startNs = parseStartNs(values['start-ns'], cfg);
      const frames = simulatedFrames(cfg, { runId, startNs, events });

      const stop = { stopped: false };
      const onSigint = (): void => {
        stop.stopped = true;
      };
      process.once('SIGINT', onSigint);
      process.once('SIGTERM', onSigint);
      try {
        if (values.brokers !== undefined) {
          const logger = createLogger(cfg.service.logLevel, { cmd: 'simulate' });
          const r = await publishFrames(cfg, logger, frames, {
            speed: values.rate === 'max' ? Infinity : 1,
            stopped: () => stop.stopped,
            onSent: (n) => term.errIsTty && term.err(`\rpublished ${n} events`),
          });
          term.out(
            `\npublished ${r.sent} events to ${r.topic} in ${r.seconds.toFixed(1)} s (${(r.sent / r.seconds).toFixed(0)} events/s)\n`,
          );
        } else if (values.out !== undefined) {
          const { summary, stats } = await recordToFile(
            frames,
            values.out,
            { seed, runId, startNs, cfg, events },
            term,
            stop,
          );
          const wallS = (performance.now() - stats.t0Ms) / 1000;
          term.out(
            `wrote ${summary.frames} events (${classSummary(stats)}) to ${summary.path}: ${summary.bytes} bytes, ` +
              `${summary.frames > 0 ? (summary.bytes / summary.frames).toFixed(1) : '0'} bytes/event, ` +
              `simulated span ${spanS(stats).toFixed(3)} s, ${wallS.toFixed(2)} s wall, ${rate(stats).toFixed(0)} events/s\n`,
          );
        } else {
          const stats = await liveSummary(frames, term, stop);
          term.out(
            `simulated ${stats.events} events (${classSummary(stats)}), span ${spanS(stats).toFixed(3)} s, ${rate(stats).toFixed(0)} events/s\n`,
          );
        }
      } finally {
        process.removeListener('SIGINT', onSigint);
        process.removeListener('SIGTERM', onSigint);
      }
      return 0;
    },
  };
}

export const command: Command = createSimulateCommand();
