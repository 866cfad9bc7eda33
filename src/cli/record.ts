/** `showertrig record`: parses, records the topic (src/app), prints one line. */
import { recordTopic } from '../app/index.js';
import { loadConfig } from '../config-file/index.js';
import { createLogger } from '../telemetry/index.js';
import { intFlag, numFlag, parseFlags, UsageError, type Command } from './args.js';

const USAGE = `usage: showertrig record --brokers H:P --out FILE.avro [--topic T] [--events N] [--idle-s S] [--group ID]
  --topic T    topic of hit frames (default tt.frames), Avro or msgpack (each message's header says which)
  --events N   stop after N frames (default: until Ctrl-C or --idle-s)
  --idle-s S   stop after S seconds without a new frame (default 10)
  --group ID   consumer group (default showertrig-record-<time>, i.e. a fresh one reading from the start)`;

export const command: Command = {
  name: 'record',
  summary: 'record a topic to a file',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      brokers: { type: 'string' },
      topic: { type: 'string' },
      out: { type: 'string' },
      events: { type: 'string' },
      'idle-s': { type: 'string' },
      group: { type: 'string' },
      config: { type: 'string' },
    });
    if (values.brokers === undefined || values.out === undefined)
      throw new UsageError('--brokers and --out are required');
    const cfg = loadConfig([values.config], { kafka: { brokers: values.brokers.split(',') } });
    const logger = createLogger(cfg.service.logLevel, { cmd: 'record' });
    const topic = values.topic ?? cfg.kafka.topics.frames;
    const r = await recordTopic(cfg, logger, {
      out: values.out,
      topic,
      limit: values.events === undefined ? Infinity : intFlag(values.events, 'events', 0, 1),
      idleMs: numFlag(values['idle-s'], 'idle-s', 10, 0.1) * 1000,
      groupId: values.group ?? `showertrig-record-${Date.now()}`,
    });
    process.stdout.write(
      `recorded ${r.written} frames from ${topic} to ${r.file.path} (${r.file.bytes} bytes); skipped ${r.skipped} undecodable messages\n`,
    );
    return 0;
  },
};
