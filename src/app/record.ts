/**
 * Recording a Kafka topic of hit frames (`showertrig record`): its own consumer group, from the
 * beginning, into a recording (Avro object container file), until `limit` frames, `idleMs` without
 * a new frame while the consumer is up, or SIGINT/SIGTERM. Undecodable messages are counted and
 * skipped, never written; an offset redelivered after a broker outage is written once.
 */
import { decodeFrame } from '../codecs/index.js';
import type { ShowertrigConfig } from '../config/index.js';
import { DecodeError } from '../domain/index.js';
import {
  checkKafkaReachable,
  createKafkaCluster,
  createKafkaSource,
  DEFAULT_KAFKA_SOURCE,
  sourceSettings,
} from '../io/index.js';
import { openRecordingWriter, type RecordingSummary } from '../recording/index.js';
import type { Logger } from '../telemetry/index.js';

export interface RecordOptions {
  readonly out: string;
  readonly topic: string;
  /** Stop after this many frames (Infinity: until idle or a signal). */
  readonly limit: number;
  readonly idleMs: number;
  readonly groupId: string;
}

export interface RecordResult {
  readonly written: number;
  readonly skipped: number;
  readonly file: RecordingSummary;
}

export async function recordTopic(
  cfg: ShowertrigConfig,
  logger: Logger,
  o: RecordOptions,
): Promise<RecordResult> {
  const { out, topic, limit, idleMs } = o;
  await checkKafkaReachable(cfg.kafka);
  const writer = await openRecordingWriter(out);
  const cluster = createKafkaCluster(cfg.kafka, logger);
  const source = createKafkaSource(
    cluster,
    {
      ...DEFAULT_KAFKA_SOURCE,
      ...sourceSettings(cfg.kafka),
      concurrentPartitions: 1,
      groupId: o.groupId,
      topic,
    },
    logger,
  );
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
  return { written, skipped, file: await writer.close() };
}
