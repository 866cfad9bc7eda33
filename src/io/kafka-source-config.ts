/**
 * The Kafka source's options, their defaults and its handle (kafka-source.ts: the runtime;
 * kafka-source-batch.ts: the batches in flight and the hand-over of one fetched batch).
 */
import type { Observable } from 'rxjs';
import type { ConsumerConfig } from 'kafkajs';
import { singleActiveAssigner } from './single-active-assigner.js';
import type { InputBatch } from '../pipeline/index.js';
import type { LinkHealth } from './link-health.js';

export interface KafkaSourceConfig {
  readonly groupId: string;
  readonly topic: string;
  readonly fromBeginning: boolean;
  /** Partitions processed at once by this process. */
  readonly concurrentPartitions: number;
  /** Bytes fetched per partition per request (bounds the size of one batch). */
  readonly maxBytesPerPartition: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  /** Acknowledged offsets are committed at most this often (and on rebalance and shutdown). */
  readonly commitIntervalMs: number;
  /** Give up (error the stream) when the consumer has not worked for this long. */
  readonly outageToleranceMs: number;
  /** 'shared' (default): the group's members share the partitions; 'single-active': one member gets all, the others stand by. */
  readonly assignment?: 'shared' | 'single-active';
  /** 'acked' (default): acknowledged offsets are committed; 'external': only what commit() is given. */
  readonly commits?: 'acked' | 'external';
  /** Commits 'acked': fetch on once a batch is released and fewer messages than this are unacknowledged (pipelined, see the header); unset: each batch waits for its ack. */
  readonly maxInFlightMessages?: number;
  /**
   * Exactly-once: acknowledged offsets are committed with `commit` in the producer's open
   * transaction (never by the consumer) whenever nothing is in flight, and each fetched batch's
   * handler returns only once its offsets are committed (kafka-source-txn.ts); not pipelined.
   */
  readonly transactional?: { commit(offsets: ReadonlyMap<number, string>): Promise<void> };
}

export const DEFAULT_KAFKA_SOURCE: Omit<KafkaSourceConfig, 'groupId' | 'topic'> = {
  fromBeginning: true,
  concurrentPartitions: 2,
  maxBytesPerPartition: 512 * 1024,
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 1_000,
  rebalanceTimeoutMs: 30_000,
  commitIntervalMs: 1_000,
  outageToleranceMs: 300_000,
};

/** The source settings a validated `kafka` config section implies. */
export function sourceSettings(k: {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  outageToleranceMs: number;
}): Pick<
  KafkaSourceConfig,
  'sessionTimeoutMs' | 'heartbeatIntervalMs' | 'rebalanceTimeoutMs' | 'outageToleranceMs'
> {
  return {
    sessionTimeoutMs: k.sessionTimeoutMs,
    heartbeatIntervalMs: k.heartbeatIntervalMs,
    rebalanceTimeoutMs: k.rebalanceTimeoutMs,
    outageToleranceMs: k.outageToleranceMs,
  };
}

export interface KafkaSource {
  readonly batches$: Observable<InputBatch>;
  /** Resolves once the consumer has joined the group the first time. */
  readonly joined: Promise<void>;
  /** The partitions of the topic assigned to this member, on every (re)join (the latest is replayed). */
  readonly assignments$: Observable<readonly number[]>;
  /** Commits partition → next offset to read (commits 'external'), with an optional metadata string; a no-op while no consumer is running. */
  commit(offsets: ReadonlyMap<number, string>, metadata?: string): Promise<void>;
  /** Up while fetching; down during an outage or a restart. */
  readonly health: LinkHealth;
  /** Consumers replaced after a crash so far. */
  readonly restarts: () => number;
  /** Batches handed downstream and not yet acknowledged. */
  readonly inFlight: () => number;
  /** Why a transactional commit now could land after this member's partitions moved (kafka-membership.ts; a stale answer is refreshed by one heartbeat first); undefined when it cannot. */
  readonly membershipUnsafe: () => Promise<string | undefined>;
  /** Stops fetching; in-flight batches may still be acknowledged until `close`. */
  pause(): void;
  /** Commits what was acknowledged and disconnects (also done on unsubscribe). */
  close(): Promise<void>;
}

/** The kafkajs consumer options of a source. */
export function consumerOptions(cfg: KafkaSourceConfig): ConsumerConfig {
  return {
    groupId: cfg.groupId,
    sessionTimeout: cfg.sessionTimeoutMs,
    heartbeatInterval: cfg.heartbeatIntervalMs,
    rebalanceTimeout: cfg.rebalanceTimeoutMs,
    maxBytesPerPartition: cfg.maxBytesPerPartition,
    // Return a fetch as soon as data is there, at the latest after 100 ms (latency over request count).
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
    // Records of open or aborted transactions are never read (exactly-once writers upstream).
    readUncommitted: false,
    ...(cfg.assignment === 'single-active' ? { partitionAssigners: [singleActiveAssigner()] } : {}),
    // Restarts are the source's (kafka-source.ts header): one loop, one backoff, one tolerance.
    retry: {
      retries: 5,
      initialRetryTime: 200,
      maxRetryTime: 2_000,
      restartOnFailure: async () => false,
    },
  };
}
