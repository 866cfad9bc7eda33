/**
 * `showertrig replay FILE.avro`: a recording back into the system.
 *   --brokers: produced to tt.frames at --speed × the recorded rate (or as fast as acknowledged);
 *   --embedded: straight through the trigger pipeline in-process, printing a summary.
 */
import { ratePlotOption, runFramesEmbedded } from '../app/index.js';
import { loadConfig } from '../config-file/index.js';
import { readRecording } from '../recording/index.js';
import { createLogger } from '../telemetry/index.js';
import { codecOverride, intFlag, parseFlags, parseSpeed, UsageError, type Command } from './args.js';
import { publishFrames } from '../app/index.js';

const USAGE = `usage: showertrig replay FILE.avro (--brokers H:P | --embedded) [--speed 1|10|max] [--config FILE] [--metrics-port N] [--plot DIR]
                     [--codec avro|msgpack]
  --brokers LIST  produce the frames to tt.frames (key = event id)
  --embedded      run them straight through the trigger pipeline and print a summary
  --speed X|max   recorded seconds per wall second (default max)
  --codec C       wire codec of the frames produced (default: config kafka.codec)
  --plot DIR      with --embedded: at the end, write DIR/selected_rate.svg and DIR/excess_significance.svg
  --config FILE   JSON config file (see config/default.json)
  --metrics-port N  with --embedded: /metrics, /healthz, /readyz port (default: config service.metricsPort; 0 = any free)`;

export const command: Command = {
  name: 'replay',
  summary: 'replay a recording',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      {
        brokers: { type: 'string' },
        embedded: { type: 'boolean' },
        speed: { type: 'string' },
        config: { type: 'string' },
        'metrics-port': { type: 'string' },
        plot: { type: 'string' },
        codec: { type: 'string' },
      },
      true,
    );
    const file = positionals[0];
    if (file === undefined || positionals.length > 1)
      throw new UsageError('expected exactly one recording FILE.avro');
    if ((values.brokers === undefined) === (values.embedded !== true))
      throw new UsageError('give exactly one of --brokers or --embedded');
    const overrides: Record<string, Record<string, unknown>> = {
      kafka: codecOverride(values.codec),
      service: {},
    };
    if (values.brokers !== undefined) overrides['kafka']!['brokers'] = values.brokers.split(',');
    if (values['metrics-port'] !== undefined)
      overrides['service']!['metricsPort'] = intFlag(values['metrics-port'], 'metrics-port', 9464, 0, 65535);
    const cfg = loadConfig([values.config], overrides);
    const logger = createLogger(cfg.service.logLevel, { cmd: 'replay' });
    const speed = parseSpeed(values.speed, Infinity);
    const stop = { stopped: false };
    if (values.embedded === true) {
      const plot = ratePlotOption(values.plot, cfg.trigger.excess);
      return runFramesEmbedded(cfg, logger, readRecording(file), {
        speed,
        stop,
        mode: 'replay --embedded',
        ...(plot === undefined ? {} : { plot }),
      });
    }
    const onStop = (): void => {
      stop.stopped = true;
    };
    process.once('SIGINT', onStop);
    process.once('SIGTERM', onStop);
    const r = await publishFrames(cfg, logger, readRecording(file), {
      speed,
      stopped: () => stop.stopped,
      onSent: (n) => process.stderr.isTTY && process.stderr.write(`\rreplayed ${n} frames`),
    });
    process.stdout.write(
      `\nreplayed ${r.sent} frames from ${file} to ${r.topic} in ${r.seconds.toFixed(1)} s (${(r.sent / r.seconds).toFixed(0)} frames/s)\n`,
    );
    return 0;
  },
};
