/**
 * `showertrig run`: the trigger processor.
 *   with --brokers: a Kafka consumer-group member (tt.frames → tt.reco, tt.candidates, tt.alerts,
 *                   tt.frames.dlq); several processes with one --group share the partitions.
 *   without:        the embedded main job: simulator → pipeline in-process, with an injected excess.
 * Both serve /metrics, /healthz, /readyz, print a live line, and on Ctrl-C print a summary and exit 0.
 */
import { excessFlagRaw, type ShowertrigConfig } from '../config/index.js';
import type { HitFrame } from '../domain/index.js';
import { createLogger, type Logger } from '../telemetry/index.js';
import { codecOverride, intFlag, numFlag, parseFlags, type Command } from './args.js';
import { countingSinks, drive } from './live.js';
import { ratePlotOption } from './rate-plot.js';
import { startKafkaTrigger } from './run-kafka.js';
import { simulatedFrames, DEFAULT_START_NS } from './simulate.js';
import { pacedFrames, parseSpeed } from './sources.js';
import { startTriggerRuntime } from './trigger-runtime.js';
import { loadConfig } from '../io/index.js';

const USAGE = `usage: showertrig run [--brokers H:P[,H:P]] [--group ID] [--config FILE] [--metrics-port N]
                      [--seed S] [--excess class:factor:start:duration] [--speed X|max] [--duration S]
                      [--plot DIR] [--codec avro|msgpack]
  --brokers LIST   consume tt.frames from Kafka as a consumer-group member (default: embedded mode)
  --group ID       consumer group (default: config kafka.groupId)
  --config FILE    JSON config file (see config/default.json)
  --metrics-port N /metrics, /healthz, /readyz port (default: config service.metricsPort; 0 = any free)
  --plot DIR       at the end, write DIR/selected_rate.svg and DIR/excess_significance.svg
  --codec C        wire codec of the outputs (default: config kafka.codec); frames are read in either
 embedded mode (no broker): the DAQ simulator feeds the pipeline in-process
  --seed S         simulator seed (default 1)
  --excess X|none  injected excess (default: config simulation.excess, else signal:4:150:30:
                   signal rate x4 from t=150 s for 30 s)
  --speed X|max    simulated seconds per wall second (default 10)
  --duration S     stop after S simulated seconds (default: until Ctrl-C)
Prints a live line every second on stderr; Ctrl-C (or the end) prints a summary and exits 0.`;

const EMBEDDED_EXCESS = 'signal:4:150:30';

export const command: Command = {
  name: 'run',
  summary: 'run the trigger (Kafka consumer group, or embedded with the simulator)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      brokers: { type: 'string' },
      group: { type: 'string' },
      config: { type: 'string' },
      'metrics-port': { type: 'string' },
      seed: { type: 'string' },
      excess: { type: 'string' },
      speed: { type: 'string' },
      duration: { type: 'string' },
      plot: { type: 'string' },
      codec: { type: 'string' },
    });
    const overrides: Record<string, Record<string, unknown>> = { simulation: {}, kafka: codecOverride(values.codec), service: {} };
    if (values.brokers !== undefined) overrides['kafka']!['brokers'] = values.brokers.split(',');
    if (values.group !== undefined) overrides['kafka']!['groupId'] = values.group;
    if (values['metrics-port'] !== undefined) overrides['service']!['metricsPort'] = intFlag(values['metrics-port'], 'metrics-port', 9464, 0, 65535);
    if (values.seed !== undefined) overrides['simulation']!['seed'] = intFlag(values.seed, 'seed', 1, 0, 2 ** 32 - 1);
    if (values.excess !== undefined) overrides['simulation']!['excess'] = excessFlagRaw(values.excess);
    // Embedded mode injects an excess unless the config file or --excess says otherwise.
    const embeddedDefaults = values.brokers === undefined ? { simulation: { excess: excessFlagRaw(EMBEDDED_EXCESS) } } : {};
    const cfg = loadConfig([values.config], overrides, embeddedDefaults);
    const logger = createLogger(cfg.service.logLevel, { cmd: 'run' });
    const stop = { stopped: false };
    const plot = ratePlotOption(values.plot, cfg.trigger.excess);
    if (values.brokers !== undefined) return startKafkaTrigger(cfg, logger, stop, plot);
    const duration = numFlag(values.duration, 'duration', Infinity, 0);
    return runEmbedded(cfg, logger, parseSpeed(values.speed, 10), duration, stop, plot);
  },
};

async function runEmbedded(
  cfg: ShowertrigConfig,
  logger: Logger,
  speed: number,
  durationS: number,
  stop: { stopped: boolean },
  plot: ReturnType<typeof ratePlotOption>,
): Promise<number> {
  const rt = await startTriggerRuntime(cfg, logger);
  process.stderr.write(`showertrig: embedded trigger (simulator → pipeline), backend ${rt.reconstructor.info.backend}, metrics ${rt.metricsUrl}\n`);
  const endNs = Number.isFinite(durationS) ? DEFAULT_START_NS + BigInt(Math.round(durationS * 1e9)) : undefined;
  const frames = untilNs(simulatedFrames(cfg, { runId: `embedded-${cfg.simulation.seed}`, startNs: DEFAULT_START_NS, events: Infinity }), endNs);
  const input$ = pacedFrames(frames, {
    speed,
    maxInFlight: cfg.kafka.maxInFlightFrames,
    encode: (f) => rt.codecs.frame.encode(f),
    stopped: () => stop.stopped,
  });
  return drive(rt.pipeline(countingSinks()).run(input$), rt, stop, logger, undefined, plot);
}

/** Frames up to (excluding) simulated time endNs. */
function* untilNs(frames: Iterable<HitFrame>, endNs: bigint | undefined): Generator<HitFrame> {
  for (const f of frames) {
    if (endNs !== undefined && f.timestampNs >= endNs) return;
    yield f;
  }
}
