/**
 * `showertrig run`: the trigger processor.
 *   with --brokers: by --role: reco (a consumer-group member: its share of tt.frames → tt.reco,
 *                   tt.candidates, tt.frames.dlq; several processes with one --group share the
 *                   partitions), excess (the global excess stage over every tt.candidates
 *                   partition → tt.alerts; one active instance, others stand by), all (both).
 *   without:        the embedded main job: simulator → pipeline in-process, with an injected excess.
 * Both serve /metrics, /healthz, /readyz, print a live line, and on Ctrl-C print a summary and exit 0.
 */
import { isRole, ratePlotOption, ROLES, runKafkaTrigger, runSimulatorEmbedded } from '../app/index.js';
import { excessFlagRaw, parseInjectFlag } from '../config/index.js';
import { loadConfig } from '../config-file/index.js';
import { createLogger } from '../telemetry/index.js';
import { codecOverride, intFlag, numFlag, parseFlags, parseSpeed, UsageError, type Command } from './args.js';

const USAGE = `usage: showertrig run [--brokers H:P[,H:P]] [--role all|reco|excess] [--group ID] [--config FILE]
                      [--metrics-port N] [--seed S] [--excess class:factor:start:duration]
                      [--speed X|max] [--duration S] [--plot DIR] [--codec avro|msgpack]
  --brokers LIST   run against Kafka (default: embedded mode)
  --role R         with --brokers: reco = reconstruct and select a share of the tt.frames partitions
                   (scale by starting more); excess = the excess stage over every tt.candidates
                   partition (one instance is active, further ones stand by and take over);
                   all = both in this process (default)
  --group ID       reconstruction consumer group (default: config kafka.groupId); the excess stage's
                   group is config kafka.excessGroupId (default: this group + "-excess")
  --config FILE    JSON config file (see config/default.json)
  --metrics-port N /metrics, /healthz, /readyz port (default: config service.metricsPort; 0 = any free)
  --plot DIR       at the end, write DIR/selected_rate.svg and DIR/excess_significance.svg
  --codec C        wire codec of the outputs (default: config kafka.codec); frames are read in either
                   codec (each message's header says which)
 embedded mode (no broker): the DAQ simulator feeds the pipeline in-process
  --seed S         simulator seed (default 1)
  --excess X|none  injected excess (default: config simulation.excess, else signal:4:150:30:
                   signal rate x4 from t=150 s for 30 s)
  --inject X       inject an exotic signature or detector fault (repeatable), class:rate:start:duration,
                   e.g. noisy-burst:85:60:120 (see simulate --help)
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
      role: { type: 'string' },
      group: { type: 'string' },
      config: { type: 'string' },
      'metrics-port': { type: 'string' },
      seed: { type: 'string' },
      excess: { type: 'string' },
      inject: { type: 'string', multiple: true },
      speed: { type: 'string' },
      duration: { type: 'string' },
      plot: { type: 'string' },
      codec: { type: 'string' },
    });
    const overrides: Record<string, Record<string, unknown>> = {
      simulation: {},
      kafka: codecOverride(values.codec),
      service: {},
    };
    if (values.brokers !== undefined) overrides['kafka']!['brokers'] = values.brokers.split(',');
    if (values.group !== undefined) overrides['kafka']!['groupId'] = values.group;
    if (values['metrics-port'] !== undefined)
      overrides['service']!['metricsPort'] = intFlag(values['metrics-port'], 'metrics-port', 9464, 0, 65535);
    if (values.seed !== undefined)
      overrides['simulation']!['seed'] = intFlag(values.seed, 'seed', 1, 0, 2 ** 32 - 1);
    if (values.excess !== undefined) overrides['simulation']!['excess'] = excessFlagRaw(values.excess);
    if (values.inject !== undefined) overrides['simulation']!['inject'] = values.inject.map(parseInjectFlag);
    // Embedded mode injects an excess unless the config file or --excess says otherwise.
    const embeddedDefaults =
      values.brokers === undefined ? { simulation: { excess: excessFlagRaw(EMBEDDED_EXCESS) } } : {};
    const cfg = loadConfig([values.config], overrides, embeddedDefaults);
    const logger = createLogger(cfg.service.logLevel, { cmd: 'run' });
    const role = values.role ?? 'all';
    if (!isRole(role))
      throw new UsageError(`--role: expected one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`);
    if (values.brokers === undefined && role !== 'all')
      throw new UsageError('--role reco|excess needs --brokers (embedded mode is one process: role all)');
    const stop = { stopped: false };
    const plot = ratePlotOption(values.plot, cfg.trigger.excess);
    if (values.brokers !== undefined) return runKafkaTrigger(cfg, logger, role, stop, plot);
    const duration = numFlag(values.duration, 'duration', Infinity, 0);
    return runSimulatorEmbedded(cfg, logger, duration, {
      speed: parseSpeed(values.speed, 10),
      stop,
      ...(plot === undefined ? {} : { plot }),
    });
  },
};
