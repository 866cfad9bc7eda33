/**
 * The Kafka client, its retry policy (the one place retries for Kafka calls are configured) and
 * the mapping of kafkajs errors into our error tree (retriable flag preserved).
 */
import { Kafka, logLevel, type ITopicConfig, type Admin, type RetryOptions } from 'kafkajs';
import { ShowertrigError } from '../domain/index.js';
import type { KafkaConfig } from '../config/index.js';
import type { Logger } from '../telemetry/index.js';

export class KafkaIoError extends ShowertrigError {
  override readonly name: string = 'KafkaIoError';
}

export const KAFKA_RETRY: RetryOptions = { initialRetryTime: 100, maxRetryTime: 5_000, retries: 8, factor: 0.2, multiplier: 2 };

export function toKafkaIoError(what: string, e: unknown): KafkaIoError {
  const retriable = typeof e === 'object' && e !== null && (e as { retriable?: boolean }).retriable === true;
  const msg = e instanceof Error ? e.message : String(e);
  return new KafkaIoError(`${what}: ${msg}`, { retriable, cause: e, context: { what } });
}

export function createKafkaClient(cfg: KafkaConfig, logger: Logger): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: cfg.clientId,
    brokers: [...cfg.brokers],
    retry: KAFKA_RETRY,
    connectionTimeout: 3_000,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...rest } = entry.log;
      const fields = { namespace: entry.namespace, ...rest };
      const level = entry.level;
      // kafkajs logs every error *response* from a broker at ERROR, though the caller retries the
      // retriable ones (a coordinator still loading, a leader moving); a real failure surfaces
      // as a KafkaIoError from the call instead. Those responses are warnings here.
      const response = entry.namespace === 'Connection' && message.startsWith('Response ');
      if (level <= logLevel.ERROR && !response) log.error(message, fields);
      else if (level <= logLevel.WARN) log.warn(message, fields);
      else log.debug(message, fields);
    },
  });
}

/** Creates the topics that do not exist yet (existing ones are left as they are). */
export async function ensureTopics(admin: Admin, topics: readonly string[], partitions: number, replicationFactor: number): Promise<void> {
  try {
    const existing = new Set(await admin.listTopics());
    const missing: ITopicConfig[] = topics
      .filter((t) => !existing.has(t))
      .map((topic) => ({ topic, numPartitions: partitions, replicationFactor }));
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  } catch (e) {
    throw toKafkaIoError(`creating topics ${topics.join(', ')}`, e);
  }
}

/** Committed-offset lag per partition of a consumer group: highwater − committed (committed −1 counts from low). */
export async function fetchLag(admin: Admin, groupId: string, topic: string): Promise<Map<number, number>> {
  const [highs, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const done = new Map<number, number>();
  for (const t of committed) for (const p of t.partitions) done.set(p.partition, Number(p.offset));
  const lag = new Map<number, number>();
  for (const h of highs) {
    const c = done.get(h.partition) ?? -1;
    const base = c >= 0 ? c : Number(h.low);
    lag.set(h.partition, Math.max(0, Number(h.high) - base));
  }
  return lag;
}

/** Per partition of `topic`: its low and high watermarks and the group's committed offset (undefined: none). */
export async function fetchPositions(admin: Admin, groupId: string, topic: string): Promise<Map<number, { low: bigint; high: bigint; committed: bigint | undefined }>> {
  try {
    const [highs, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const done = new Map<number, bigint>();
    for (const t of committed) for (const p of t.partitions) if (Number(p.offset) >= 0) done.set(p.partition, BigInt(p.offset));
    return new Map(highs.map((h) => [h.partition, { low: BigInt(h.low), high: BigInt(h.high), committed: done.get(h.partition) }]));
  } catch (e) {
    throw toKafkaIoError(`reading the offsets of ${groupId} on ${topic}`, e);
  }
}

/** The metadata strings a consumer group committed with its offsets of `topic` (partitions without any are left out). */
export async function fetchCommitMetadata(admin: Admin, groupId: string, topic: string): Promise<string[]> {
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (t?.partitions ?? []).flatMap((p) => (p.metadata === null || p.metadata === '' ? [] : [p.metadata]));
  } catch (e) {
    throw toKafkaIoError(`reading the committed offsets of ${groupId} on ${topic}`, e);
  }
}

/** The number of partitions of an existing topic. */
export async function topicPartitionCount(admin: Admin, topic: string): Promise<number> {
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    return md.topics[0]?.partitions.length ?? 0;
  } catch (e) {
    throw toKafkaIoError(`reading the partitions of ${topic}`, e);
  }
}
