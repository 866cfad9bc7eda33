/**
 * The admin calls of a cluster handle (kafka-client.ts): topic creation and settings, partition
 * counts, offsets, lag and commit metadata, over one lazily connected kafkajs admin. Start-up
 * steps are retried while their error is retriable, for up to kafka.outageToleranceMs (a process
 * started during an outage, or on a cluster still electing the leaders of fresh topics, waits
 * instead of exiting), each retry logged; the others fail with a KafkaIoError at once.
 */
import type { Admin, ConfigResourceTypes, ITopicConfig, Kafka } from 'kafkajs';
import type { KafkaConfig } from '../config/index.js';
import type { Logger } from '../telemetry/index.js';
import { untilElapsed, withRetry } from '../pipeline/index.js';
import { boundedDisconnect } from './deadline.js';
import { KafkaIoError, toKafkaIoError } from './kafka-errors.js';

/** kafkajs' broker default for max.message.bytes (1 MiB + record-batch overhead), used when a topic's config cannot be read. */
export const BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** ConfigResourceTypes.TOPIC (the Kafka protocol's resource type 2); kafkajs' CommonJS enum is not visible to ESM named imports. */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

/** Per partition of a topic: its low and high offsets and a group's committed offset (if any). */
export type Positions = Map<number, { low: bigint; high: bigint; committed: bigint | undefined }>;

export class ClusterAdmin {
  private admin: Admin | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly cfg: KafkaConfig,
    private readonly logger: Logger,
  ) {}

  /** Creates the topics that do not exist yet and waits until every partition of each has a leader. */
  ensureTopics(topics: readonly string[], partitions: number, replicationFactor: number): Promise<void> {
    return this.startupStep(
      `creating topics ${topics.join(', ')} at ${this.cfg.brokers.join(',')}`,
      async () => {
        const a = await this.connected();
        const existing = new Set(await a.listTopics());
        const missing: ITopicConfig[] = topics
          .filter((t) => !existing.has(t))
          .map((topic) => ({ topic, numPartitions: partitions, replicationFactor }));
        if (missing.length > 0) await a.createTopics({ topics: missing, waitForLeaders: true });
        // On a cluster the leaders of fresh topics are elected, and their metadata reaches every
        // broker, a moment after createTopics returns: wait until every partition has a leader.
        const md = await a.fetchTopicMetadata({ topics: [...topics] });
        const leaderless = md.topics.flatMap((t) =>
          t.partitions.length === 0
            ? [`${t.name} (no partitions)`]
            : t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}[${p.partitionId}]`),
        );
        if (leaderless.length > 0)
          throw new KafkaIoError(`no leader yet for ${leaderless.join(', ')}`, { retriable: true });
      },
    );
  }

  /** A topic's max.message.bytes, or the configured kafka.maxMessageBytes. */
  async maxMessageBytes(topic: string): Promise<number> {
    if (this.cfg.maxMessageBytes !== undefined) return this.cfg.maxMessageBytes;
    return this.startupStep(`reading max.message.bytes of ${topic}`, async () => {
      const r = await (
        await this.connected()
      ).describeConfigs({
        includeSynonyms: false,
        resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: ['max.message.bytes'] }],
      });
      const v = Number(
        r.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue,
      );
      return Number.isFinite(v) && v > 0 ? v : BROKER_DEFAULT_MAX_MESSAGE_BYTES;
    });
  }

  partitionCount(topic: string): Promise<number> {
    return this.startupStep(`reading the partitions of ${topic}`, async () => {
      const md = await (await this.connected()).fetchTopicMetadata({ topics: [topic] });
      return md.topics[0]?.partitions.length ?? 0;
    });
  }

  endOffsetSum(topic: string): Promise<bigint> {
    return this.startupStep(`reading the end offsets of ${topic}`, async () =>
      (await (await this.connected()).fetchTopicOffsets(topic)).reduce((n, h) => n + BigInt(h.high), 0n),
    );
  }

  async positions(groupId: string, topic: string): Promise<Positions> {
    try {
      const { highs, committed } = await this.offsets(groupId, topic);
      return new Map(
        highs.map((h) => {
          const c = committed.get(h.partition);
          return [h.partition, { low: BigInt(h.low), high: BigInt(h.high), committed: c }];
        }),
      );
    } catch (e) {
      throw toKafkaIoError(`reading the offsets of ${groupId} on ${topic}`, e);
    }
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
    try {
      const fetched = await (await this.connected()).fetchOffsets({ groupId, topics: [topic] });
      return committedOf(fetched);
    } catch (e) {
      throw toKafkaIoError(`reading the committed offsets of ${groupId} on ${topic}`, e);
    }
  }

  async commitMetadata(groupId: string, topic: string): Promise<string[]> {
    try {
      const [t] = await (await this.connected()).fetchOffsets({ groupId, topics: [topic] });
      return (t?.partitions ?? []).flatMap((p) =>
        p.metadata === null || p.metadata === '' ? [] : [p.metadata],
      );
    } catch (e) {
      throw toKafkaIoError(`reading the committed offsets of ${groupId} on ${topic}`, e);
    }
  }

  /** Per partition: highwater − committed (no commit: from low). */
  async lag(groupId: string, topic: string): Promise<Map<number, number>> {
    const { highs, committed } = await this.offsets(groupId, topic);
    const lag = new Map<number, number>();
    for (const h of highs) {
      const c = committed.get(h.partition);
      const base = c !== undefined ? Number(c) : Number(h.low);
      lag.set(h.partition, Math.max(0, Number(h.high) - base));
    }
    return lag;
  }

  async close(): Promise<void> {
    const a = this.admin;
    this.admin = undefined;
    if (a !== undefined)
      await boundedDisconnect(
        () => a.disconnect(),
        (error) => this.logger.warn('admin disconnect failed', { error }),
        'admin',
      );
  }

  /** A topic's low and high offsets per partition, and a group's committed offsets (partitions without a commit left out). */
  private async offsets(
    groupId: string,
    topic: string,
  ): Promise<{ highs: { partition: number; low: string; high: string }[]; committed: Map<number, bigint> }> {
    const a = await this.connected();
    const [highs, fetched] = await Promise.all([
      a.fetchTopicOffsets(topic),
      a.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    return { highs, committed: committedOf(fetched) };
  }

  private async connected(): Promise<Admin> {
    if (this.admin === undefined) {
      const a = this.kafka.admin();
      await a.connect();
      this.admin = a;
    }
    return this.admin;
  }

  /** A start-up step, retried while its error is retriable for up to kafka.outageToleranceMs, each retry logged. */
  private startupStep<T>(what: string, op: () => Promise<T>): Promise<T> {
    return withRetry(
      async () => {
        try {
          return await op();
        } catch (e) {
          throw e instanceof KafkaIoError ? e : toKafkaIoError(what, e);
        }
      },
      untilElapsed(this.cfg.outageToleranceMs),
      (e, attempt) =>
        this.logger.warn(`${what} failed; retrying`, {
          attempt,
          error: e instanceof Error ? e.message : String(e),
          toleranceMs: this.cfg.outageToleranceMs,
        }),
    );
  }
}

/** A group's committed offsets from fetchOffsets (partitions without a commit left out). */
function committedOf(
  fetched: readonly { partitions: readonly { partition: number; offset: string }[] }[],
): Map<number, bigint> {
  const committed = new Map<number, bigint>();
  for (const t of fetched)
    for (const p of t.partitions) if (Number(p.offset) >= 0) committed.set(p.partition, BigInt(p.offset));
  return committed;
}
