/**
 * `showertrig record`: reads hit frames from a Kafka topic (its own consumer group, from the
 * beginning) into a recording (Avro object container file). Undecodable messages are counted and
 * skipped, never written.
 */
import { decodeFrame } from '../codecs/index.js';
import { DecodeError } from '../domain/index.js';
import { checkKafkaReachable, createKafkaCluster, createKafkaSource, DEFAULT_KAFKA_SOURCE, sourceSettings } from '../io/index.js';
import { loadConfig } from '../config-file/index.js';
import { openRecordingWriter } from '../recording/index.js';
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
    if (values.brokers === undefined || values.out === undefined) throw new UsageError('--brokers and --out are required');
    const cfg = loadConfig([values.config], { kafka: { brokers: values.brokers.split(',') } });
    const logger = createLogger(cfg.service.logLevel, { cmd: 'record' });
    const limit = values.events === undefined ? Infinity : intFlag(values.events, 'events', 0, 1);
    const idleMs = numFlag(values['idle-s'], 'idle-s', 10, 0.1) * 1000;
    const topic = values.topic ?? cfg.kafka.topics.frames;
    await checkKafkaReachable(cfg.kafka);
    const writer = await openRecordingWriter(values.out);
    const cluster = createKafkaCluster(cfg.kafka, logger);
    const source = createKafkaSource(cluster, { ...DEFAULT_KAFKA_SOURCE, ...sourceSettings(cfg.kafka), concurrentPartitions: 1, groupId: values.group ?? `showertrig-record-${Date.now()}`, topic }, logger);
    let written = 0;
    let skipped = 0;
    let lastMs = performance.now();
    // A consumer replaced after a broker outage redelivers what was not committed: write each offset once.
    const writtenUpTo = new Map<number, bigint>();
    let onSignal: () => void = () => undefined;
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearInterval(idle);
        sub.unsubscribe();
        resolve();
      };
      // Idle time counts only while the consumer works: a broker outage is not the end of the topic.
      const idle = setInterval(() => {
        if (!source.health.up) lastMs = performance.now();
        else if (performance.now() - lastMs > idleMs) finish();
      }, 200);
      onSignal = finish;
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const sub = source.batches$.subscribe({
        next: (b) => {
          lastMs = performance.now();
          void (async () => {
            for (const m of b.messages) {
              if (written >= limit) break;
              const p = m.partition ?? -1;
              const o = BigInt(m.offset ?? '-1');
              if (o <= (writtenUpTo.get(p) ?? -1n)) continue;
              writtenUpTo.set(p, o);
              try {
                await writer.write(decodeFrame(m.value)); // Avro or msgpack: the header says which
                written++;
              } catch (e) {
                if (!(e instanceof DecodeError)) throw e;
                skipped++;
              }
            }
            await b.ack?.();
            if (written >= limit) finish();
          })().catch((e: unknown) => reject(e));
        },
        error: (e: unknown) => reject(e),
        complete: finish,
      });
    });
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await source.close();
    await cluster.close();
    const s = await writer.close();
    process.stdout.write(`recorded ${written} frames from ${topic} to ${s.path} (${s.bytes} bytes); skipped ${skipped} undecodable messages\n`);
    return 0;
  },
};
