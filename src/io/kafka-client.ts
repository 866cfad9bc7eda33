/**
 * The Kafka cluster handle: the client (TLS, SASL), its retry policy (the one place retries for
 * Kafka calls are configured), its logging, the brokers' reachability, and the admin calls the
 * commands need (kafka-admin.ts); kafkajs errors map into our error tree in kafka-errors.ts. Nothing outside src/io sees a kafkajs
 * object: commands get a KafkaCluster, sources and sinks.
 */
import { Kafka, logLevel, type Admin, type logCreator, type RetryOptions } from 'kafkajs';
import type { KafkaConfig } from '../config/index.js';
import type { Logger } from '../telemetry/index.js';
import type { LinkHealth } from './link-health.js';
import { applyKafkajsFixes } from './kafkajs-fixes.js';
import { securityOptions } from './kafka-security.js';
import { createReachability, type Reachability } from './kafka-reachability.js';
import { ClusterAdmin, type Positions } from './kafka-admin.js';
import { KafkaIoError } from './kafka-errors.js';

export { securityOptions } from './kafka-security.js';
export { KafkaIoError, toKafkaIoError, isFatalKafkaError, isRetriableKafkaError } from './kafka-errors.js';
export { BROKER_DEFAULT_MAX_MESSAGE_BYTES } from './kafka-admin.js';

export const KAFKA_RETRY: RetryOptions = {
  initialRetryTime: 100,
  maxRetryTime: 5_000,
  retries: 8,
  factor: 0.2,
  multiplier: 2,
};

/** How often the cluster's reachability is checked, and how long the cluster may go without answering one, ms. */
export const REACH_POLL_MS = 500;
export const REACH_DEADLINE_MS = 2_500;
/** One broker's metadata request is abandoned after this long (the others are asked meanwhile; under the 2.5 s deadline, and long enough for a loaded machine), ms. */
export const REACH_BROKER_TIMEOUT_MS = 2_000;

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
  positions(groupId: string, topic: string): Promise<Positions>;
  /** A consumer group's committed offsets of `topic` as its coordinator serves them now (partitions without a commit left out). */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>>;
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

/**
 * Asks one bootstrap broker on its own: a fresh silent admin whose only broker it is connects
 * (TCP, TLS and SASL as configured, an ApiVersions request that broker answers) and disconnects.
 * A kept admin would not do: kafkajs sends its metadata requests to a random broker of the
 * cluster, so one broker's probe could fail on another broker's outage or pass on its answer.
 */
function brokerProbes(cfg: KafkaConfig): { ask: (broker: string) => Promise<void>; close: () => void } {
  const open = new Set<Admin>();
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
      const a = client(broker);
      open.add(a);
      try {
        await a.connect();
      } finally {
        open.delete(a);
        void a.disconnect().catch(() => undefined);
      }
    },
    close() {
      for (const a of open) void a.disconnect().catch(() => undefined);
      open.clear();
    },
  };
}

/**
 * kafkajs' log lines into ours. kafkajs logs every error *response* and every failed connection
 * attempt at ERROR, though the caller retries them; a real failure surfaces as a KafkaIoError from
 * the call (or a consumer restart) instead. Those are warnings here. Failed connection attempts
 * during a broker outage are logged once per attempt cycle by the source/sink that retries
 * ("consumer stopped; replacing it", readiness); per socket they are debug. Authentication failures
 * end in one KafkaIoError naming the mechanism (the command's error line).
 */
function kafkajsLogs(logger: Logger): logCreator {
  const log = logger.child({ component: 'kafkajs' });
  return () => (entry) => {
    const { message, ...rest } = entry.log;
    const fields = { namespace: entry.namespace, ...rest };
    delete (fields as Record<string, unknown>)['stack'];
    const level = entry.level;
    const retried =
      (entry.namespace === 'Connection' && message.startsWith('Response ')) ||
      /Crash|Restarting/.test(message);
    const connecting =
      entry.namespace === 'BrokerPool' ||
      entry.namespace.startsWith('SaslAuthenticator') ||
      /Connection error|ECONNREFUSED|Connection timeout|Closed connection|SaslAuthenticate/.test(message);
    if (connecting) log.debug(message, fields);
    else if (level <= logLevel.ERROR && !retried) log.error(message, fields);
    else if (level <= logLevel.WARN) log.warn(message, fields);
    else log.debug(message, fields);
  };
}

export function createKafkaCluster(cfg: KafkaConfig, logger: Logger): KafkaCluster {
  applyKafkajsFixes(logger);
  const kafka = new Kafka({
    clientId: cfg.clientId,
    brokers: [...cfg.brokers],
    retry: KAFKA_RETRY,
    connectionTimeout: cfg.connectionTimeoutMs,
    ...securityOptions(cfg),
    logLevel: logLevel.WARN,
    logCreator: kafkajsLogs(logger),
  });
  const admin = new ClusterAdmin(kafka, cfg, logger);
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
      admin.ensureTopics(topics, partitions, replicationFactor),
    maxMessageBytes: (topic) => admin.maxMessageBytes(topic),
    partitionCount: (topic) => admin.partitionCount(topic),
    endOffsetSum: (topic) => admin.endOffsetSum(topic),
    positions: (groupId, topic) => admin.positions(groupId, topic),
    committedOffsets: (groupId, topic) => admin.committedOffsets(groupId, topic),
    commitMetadata: (groupId, topic) => admin.commitMetadata(groupId, topic),
    lag: (groupId, topic) => admin.lag(groupId, topic),
    async close() {
      reach?.stop();
      probes.close();
      await admin.close();
    },
  };
  clients.set(cluster, { kafka, config: cfg, logger });
  return cluster;
}
