/**
 * The Kafka cluster handle: the client (TLS, SASL), its retry policy (the one place retries for
 * Kafka calls are configured), the admin calls the commands need, and the mapping of kafkajs
 * errors into our error tree (retriable flag preserved). Nothing outside src/io sees a kafkajs
 * object: commands get a KafkaCluster, sources and sinks.
 */
import {
  Kafka,
  logLevel,
  type Admin,
  type ConfigResourceTypes,
  type ITopicConfig,
  type RetryOptions,
} from 'kafkajs';
import { ShowertrigError } from '../domain/index.js';
import type { KafkaConfig } from '../config/index.js';
import type { Logger } from '../telemetry/index.js';
import { boundedDisconnect } from './deadline.js';
import type { LinkHealth } from './link-health.js';
import { applyKafkajsFixes } from './kafkajs-fixes.js';
import { securityOptions } from './kafka-security.js';

export { securityOptions } from './kafka-security.js';
import { createReachability, type Reachability } from './kafka-reachability.js';
import { untilElapsed, withRetry } from '../pipeline/index.js';

export class KafkaIoError extends ShowertrigError {
  override readonly name: string = 'KafkaIoError';
}

export const KAFKA_RETRY: RetryOptions = {
  initialRetryTime: 100,
  maxRetryTime: 5_000,
  retries: 8,
  factor: 0.2,
  multiplier: 2,
};

/** kafkajs' broker default for max.message.bytes (1 MiB + record-batch overhead), used when a topic's config cannot be read. */
export const BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

export function toKafkaIoError(what: string, e: unknown): KafkaIoError {
  const retriable = isRetriableKafkaError(e);
  const msg = e instanceof Error ? e.message : String(e);
  const name = e instanceof Error ? e.name : 'Error';
  return new KafkaIoError(`${what}: ${msg}`, { retriable, cause: e, context: { what, kafkaError: name } });
}

/**
 * Errors no retry can fix: authentication, authorisation, TLS trust. A process with one of these
 * exits with one clear line instead of retrying (no retry storm against a broker that said no).
 */
export function isFatalKafkaError(e: unknown): boolean {
  for (
    let x: unknown = e, depth = 0;
    typeof x === 'object' && x !== null && depth < 6;
    x = (x as { cause?: unknown }).cause, depth++
  ) {
    const err = x as { name?: string; type?: string; message?: string; code?: string };
    if (
      err.name === 'KafkaJSSASLAuthenticationError' ||
      /AUTHORIZATION_FAILED|AUTHENTICATION_FAILED|UNSUPPORTED_SASL_MECHANISM|ILLEGAL_SASL_STATE/.test(
        err.type ?? '',
      )
    )
      return true;
    if (
      /certificate|self[- ]signed|SSL routines|wrong version number|ERR_TLS|UNABLE_TO_VERIFY|DEPTH_ZERO/i.test(
        `${err.code ?? ''} ${err.message ?? ''}`,
      )
    )
      return true;
    if (/SASL .*authentication failed|Authentication failed/i.test(err.message ?? '')) return true;
  }
  return false;
}

/** kafkajs marks retriable errors; connection failures wrapped in "non-retriable" or "retries exceeded" still are. */
export function isRetriableKafkaError(e: unknown): boolean {
  if (isFatalKafkaError(e)) return false;
  for (
    let x: unknown = e, depth = 0;
    typeof x === 'object' && x !== null && depth < 6;
    x = (x as { cause?: unknown; originalError?: unknown }).originalError ?? (x as { cause?: unknown }).cause,
      depth++
  ) {
    const err = x as { retriable?: boolean; name?: string; type?: string; code?: string };
    if (
      err.name === 'KafkaJSSASLAuthenticationError' ||
      err.type === 'SASL_AUTHENTICATION_FAILED' ||
      err.type === 'TOPIC_AUTHORIZATION_FAILED'
    )
      return false;
    if (
      err.name === 'KafkaJSConnectionError' ||
      err.name === 'KafkaJSConnectionClosedError' ||
      err.name === 'KafkaJSRequestTimeoutError'
    )
      return true;
    if (
      err.name === 'KafkaJSNumberOfRetriesExceeded' ||
      err.name === 'KafkaJSBrokerNotFound' ||
      err.name === 'KafkaJSLockTimeout'
    )
      return true;
    if (
      err.name === 'KafkaJSGroupCoordinatorNotFound' ||
      err.type === 'COORDINATOR_NOT_AVAILABLE' ||
      err.type === 'NOT_COORDINATOR'
    )
      return true;
    if (
      err.code === 'ECONNREFUSED' ||
      err.code === 'ECONNRESET' ||
      err.code === 'EPIPE' ||
      err.code === 'ETIMEDOUT'
    )
      return true;
    if (err.retriable === true) return true;
  }
  return false;
}

/** How often the cluster's reachability is checked, and how long the cluster may go without answering one, ms. */
export const REACH_POLL_MS = 500;
export const REACH_DEADLINE_MS = 2_500;
/** One broker's metadata request is abandoned after this long (the others are asked meanwhile; under the 2.5 s deadline, and long enough for a loaded machine), ms. */
export const REACH_BROKER_TIMEOUT_MS = 2_000;

/** ConfigResourceTypes.TOPIC (the Kafka protocol's resource type 2); kafkajs' CommonJS enum is not visible to ESM named imports. */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

/** A connection to one Kafka cluster. */
export interface KafkaCluster {
  readonly brokers: readonly string[];
  /** Creates the topics that do not exist yet (existing ones are left as they are). */
  ensureTopics(topics: readonly string[], partitions: number, replicationFactor: number): Promise<void>;
  /** The largest record batch a topic accepts (its max.message.bytes), or the configured kafka.maxMessageBytes. */
  maxMessageBytes(topic: string): Promise<number>;
  /** The number of partitions of a topic. */
  partitionCount(topic: string): Promise<number>;
  /** The sum over a topic's partitions of the high watermarks (the records ever written, less none). */
  endOffsetSum(topic: string): Promise<bigint>;
  /** Committed-offset lag per partition of a consumer group: highwater − committed (no commit: from low). */
  lag(groupId: string, topic: string): Promise<Map<number, number>>;
  /** Per partition of a topic: its low and high offsets and the group's committed offset (if any). */
  positions(
    groupId: string,
    topic: string,
  ): Promise<Map<number, { low: bigint; high: bigint; committed: bigint | undefined }>>;
  /** The metadata strings a consumer group committed with its offsets of `topic` (partitions without any are left out). */
  commitMetadata(groupId: string, topic: string): Promise<string[]>;
  /**
   * Whether any broker of the cluster answers: a metadata request every REACH_POLL_MS, down when none
   * has been answered for REACH_DEADLINE_MS (started on first use, stopped by close). Readiness uses it
   * to tell a cluster that is gone (false within seconds) from a leader election (it answers).
   */
  reachability(): LinkHealth;
  /** Disconnects the admin connection (sources and sinks disconnect themselves). */
  close(): Promise<void>;
}

/** The kafkajs client behind a cluster handle: for src/io only (index.ts does not export it). */
const clients = new WeakMap<KafkaCluster, { kafka: Kafka; config: KafkaConfig; logger: Logger }>();
export function clientOf(cluster: KafkaCluster): { kafka: Kafka; config: KafkaConfig; logger: Logger } {
  const c = clients.get(cluster);
  if (c === undefined) throw new KafkaIoError('not a cluster created by createKafkaCluster');
  return c;
}

/** One silent admin per bootstrap broker (reachability asks each on its own); a failed one is rebuilt. */
function brokerProbes(cfg: KafkaConfig): { ask: (broker: string) => Promise<void>; close: () => void } {
  const admins = new Map<string, Admin>();
  const client = (broker: string): Admin =>
    new Kafka({
      clientId: `${cfg.clientId}-reach`,
      brokers: [broker],
      connectionTimeout: REACH_BROKER_TIMEOUT_MS,
      requestTimeout: REACH_BROKER_TIMEOUT_MS,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
      ...securityOptions(cfg),
    }).admin();
  return {
    async ask(broker) {
      const a = admins.get(broker) ?? client(broker);
      admins.set(broker, a);
      try {
        await a.connect();
        await a.describeCluster();
      } catch (e) {
        admins.delete(broker);
        void a.disconnect().catch(() => undefined);
        throw e;
      }
    },
    close() {
      for (const a of admins.values()) void a.disconnect().catch(() => undefined);
      admins.clear();
    },
  };
}

export function createKafkaCluster(cfg: KafkaConfig, logger: Logger): KafkaCluster {
  applyKafkajsFixes(logger);
  const log = logger.child({ component: 'kafkajs' });
  const kafka = new Kafka({
    clientId: cfg.clientId,
    brokers: [...cfg.brokers],
    retry: KAFKA_RETRY,
    connectionTimeout: cfg.connectionTimeoutMs,
    ...securityOptions(cfg),
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...rest } = entry.log;
      const fields = { namespace: entry.namespace, ...rest };
      delete (fields as Record<string, unknown>)['stack'];
      const level = entry.level;
      // kafkajs logs every error *response* and every failed connection attempt at ERROR, though
      // the caller retries them; a real failure surfaces as a KafkaIoError from the call (or a
      // consumer restart) instead. Those are warnings here.
      // Failed connection attempts during a broker outage are logged once per attempt cycle by the
      // source/sink that retries ("consumer stopped; replacing it", readiness); per socket they are debug.
      const retried =
        (entry.namespace === 'Connection' && message.startsWith('Response ')) ||
        /Crash|Restarting/.test(message);
      // Authentication failures end in one KafkaIoError naming the mechanism (the command's error line).
      const connecting =
        entry.namespace === 'BrokerPool' ||
        entry.namespace.startsWith('SaslAuthenticator') ||
        /Connection error|ECONNREFUSED|Connection timeout|Closed connection|SaslAuthenticate/.test(message);
      if (connecting) log.debug(message, fields);
      else if (level <= logLevel.ERROR && !retried) log.error(message, fields);
      else if (level <= logLevel.WARN) log.warn(message, fields);
      else log.debug(message, fields);
    },
  });
  let admin: Admin | undefined;
  const adminOf = async (): Promise<Admin> => {
    if (admin === undefined) {
      const a = kafka.admin();
      await a.connect();
      admin = a;
    }
    return admin;
  };
  /**
   * A start-up step, retried while its error is retriable for up to kafka.outageToleranceMs (a
   * process started during an outage, or on a cluster still electing the leaders of fresh topics,
   * waits instead of exiting), each retry logged.
   */
  const startupStep = <T>(what: string, op: () => Promise<T>): Promise<T> =>
    withRetry(
      async () => {
        try {
          return await op();
        } catch (e) {
          throw e instanceof KafkaIoError ? e : toKafkaIoError(what, e);
        }
      },
      untilElapsed(cfg.outageToleranceMs),
      (e, attempt) =>
        logger.warn(`${what} failed; retrying`, {
          attempt,
          error: e instanceof Error ? e.message : String(e),
          toleranceMs: cfg.outageToleranceMs,
        }),
    );
  let reach: Reachability | undefined;
  const probes = brokerProbes(cfg);
  const cluster: KafkaCluster = {
    brokers: cfg.brokers,
    reachability() {
      reach ??= createReachability({
        brokers: cfg.brokers,
        ask: probes.ask,
        pollMs: REACH_POLL_MS,
        perBrokerTimeoutMs: REACH_BROKER_TIMEOUT_MS,
        deadlineMs: REACH_DEADLINE_MS,
      });
      return reach.health;
    },
    ensureTopics: (topics, partitions, replicationFactor) =>
      startupStep(`creating topics ${topics.join(', ')} at ${cfg.brokers.join(',')}`, async () => {
        const a = await adminOf();
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
      }),
    maxMessageBytes: async (topic) => {
      if (cfg.maxMessageBytes !== undefined) return cfg.maxMessageBytes;
      return startupStep(`reading max.message.bytes of ${topic}`, async () => {
        const a = await adminOf();
        const r = await a.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: ['max.message.bytes'] }],
        });
        const v = Number(
          r.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue,
        );
        return Number.isFinite(v) && v > 0 ? v : BROKER_DEFAULT_MAX_MESSAGE_BYTES;
      });
    },
    partitionCount: (topic) =>
      startupStep(`reading the partitions of ${topic}`, async () => {
        const md = await (await adminOf()).fetchTopicMetadata({ topics: [topic] });
        return md.topics[0]?.partitions.length ?? 0;
      }),
    endOffsetSum: (topic) =>
      startupStep(`reading the end offsets of ${topic}`, async () =>
        (await (await adminOf()).fetchTopicOffsets(topic)).reduce((n, h) => n + BigInt(h.high), 0n),
      ),
    async positions(groupId, topic) {
      try {
        const a = await adminOf();
        const [highs, committed] = await Promise.all([
          a.fetchTopicOffsets(topic),
          a.fetchOffsets({ groupId, topics: [topic] }),
        ]);
        const done = new Map<number, bigint>();
        for (const t of committed)
          for (const p of t.partitions) if (Number(p.offset) >= 0) done.set(p.partition, BigInt(p.offset));
        return new Map(
          highs.map((h) => [
            h.partition,
            { low: BigInt(h.low), high: BigInt(h.high), committed: done.get(h.partition) },
          ]),
        );
      } catch (e) {
        throw toKafkaIoError(`reading the offsets of ${groupId} on ${topic}`, e);
      }
    },
    async commitMetadata(groupId, topic) {
      try {
        const [t] = await (await adminOf()).fetchOffsets({ groupId, topics: [topic] });
        return (t?.partitions ?? []).flatMap((p) =>
          p.metadata === null || p.metadata === '' ? [] : [p.metadata],
        );
      } catch (e) {
        throw toKafkaIoError(`reading the committed offsets of ${groupId} on ${topic}`, e);
      }
    },
    async lag(groupId, topic) {
      const a = await adminOf();
      const [highs, committed] = await Promise.all([
        a.fetchTopicOffsets(topic),
        a.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      const done = new Map<number, number>();
      for (const t of committed) for (const p of t.partitions) done.set(p.partition, Number(p.offset));
      const lag = new Map<number, number>();
      for (const h of highs) {
        const c = done.get(h.partition) ?? -1;
        const base = c >= 0 ? c : Number(h.low);
        lag.set(h.partition, Math.max(0, Number(h.high) - base));
      }
      return lag;
    },
    async close() {
      reach?.stop();
      probes.close();
      const a = admin;
      admin = undefined;
      if (a !== undefined)
        await boundedDisconnect(
          () => a.disconnect(),
          (error) => logger.warn('admin disconnect failed', { error }),
          'admin',
        );
    },
  };
  clients.set(cluster, { kafka, config: cfg, logger });
  return cluster;
}
