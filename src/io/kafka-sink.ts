/**
 * Kafka producer and sinks: idempotent producer, acks from all in-sync replicas; write() resolves
 * only when the brokers acknowledged every message. Messages are keyed (outputs by event id), so
 * consumers of the output topics can deduplicate a redelivery (and compacted topics keep the latest).
 *
 * Size: a write is split into sends whose records fit the topic's max.message.bytes (kafkajs puts
 * all records of one partition in one record batch, and the broker refuses a batch over the limit
 * for good: a poison pill). A single record over the limit is refused here, non-retriably, naming
 * the topic, sizes and key.
 *
 * Coalescing and delivery (kafka-dispatch.ts): writes that queue while a round is in flight go out
 * together in the next one (reco, candidates and the next batches' outputs), one produce call per
 * partition, so a leader that fails mid-round neither loses nor duplicates records; per topic the
 * records of one round stay within its max.message.bytes budget, and each partition keeps its write order.
 *
 * Exactly-once (options.transactionalId): one request in flight per broker, and every round goes
 * into the producer's open transaction, committed with the consumed offsets (kafka-transaction.ts).
 *
 * Outages: the kafkajs producer retries without bound (idempotence needs it, and a leader election
 * takes seconds); a send that has not been acknowledged after `stallMs` marks the producer down
 * (readiness), one still pending after `outageToleranceMs` fails the write. A partition whose send
 * kafkajs gives up on with an error a retry can fix (connection refused while the broker restarts)
 * is re-sent alone, with the same sequence numbers, with capped backoff within the same tolerance.
 */
import { Partitioners, type IHeaders, type Message } from 'kafkajs';
import type { Sink, WriteContext } from '../pipeline/index.js';
import { clientOf, KafkaIoError, toKafkaIoError, type KafkaCluster } from './kafka-client.js';
import { createLinkHealth, type LinkHealth } from './link-health.js';
import { boundedDisconnect } from './deadline.js';
import { createDispatcher, type Dispatch } from './kafka-dispatch.js';
import { createProducerTransactions, untilServed, type TransactionCommits } from './kafka-transaction.js';

export interface KafkaProducerOptions {
  /** A write still failing or unacknowledged after this long fails (the command exits ≠ 0). */
  readonly outageToleranceMs: number;
  /** A send unacknowledged this long marks the producer down (default PRODUCER_STALL_MS). */
  readonly stallMs: number;
  /** Exactly-once: every send goes into a transaction of this id, committed with the consumed offsets (kafka-transaction.ts). */
  readonly transactionalId?: string;
  /** Exactly-once: the brokers abort a transaction open this long, ms. */
  readonly transactionTimeoutMs?: number;
}

export interface KafkaProducerHandle {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Up while sends are acknowledged; down from a failed or stalled send until one succeeds. */
  readonly health: LinkHealth;
  /** Sink sends so far, the dispatch rounds that carried them (fewer when writes were coalesced), produce calls (one per partition per round) and partition re-sends. */
  readonly stats: () => {
    readonly sends: number;
    readonly rounds: number;
    readonly requests: number;
    readonly retries: number;
  };
  /** Exactly-once: the producer's transactions (commit with the consumed offsets); undefined at least once. */
  readonly transactions: TransactionCommits | undefined;
}

interface ProducerInternals {
  readonly dispatch: Dispatch;
}
/**
 * A leader election after a node dies holds sends for the broker session timeout (9 s by default in
 * KRaft) plus the election: a send held longer than this is more than a failover. A cluster that is
 * gone altogether shows sooner in the cluster's reachability (KafkaCluster.reachability).
 */
export const PRODUCER_STALL_MS = 15_000;

const internals = new WeakMap<KafkaProducerHandle, ProducerInternals>();

export function createKafkaProducer(
  cluster: KafkaCluster,
  options: Partial<KafkaProducerOptions> = {},
): KafkaProducerHandle {
  const { kafka, config, logger } = clientOf(cluster);
  const txId = options.transactionalId;
  const producer = kafka.producer({
    idempotent: true,
    // A transactional producer keeps one request in flight per broker (kafkajs' requirement for ordering within a transaction).
    maxInFlightRequests: txId === undefined ? 5 : 1,
    ...(txId === undefined
      ? {}
      : {
          transactionalId: txId,
          transactionTimeout: options.transactionTimeoutMs ?? config.transactionTimeoutMs,
        }),
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 5_000 },
  });
  const health = createLinkHealth(true);
  const stats = { sends: 0, rounds: 0, requests: 0, retries: 0 };
  const transactions =
    txId === undefined
      ? undefined
      : createProducerTransactions(producer, txId, (g, t, offsets) =>
          untilServed(
            (g2, t2) => cluster.committedOffsets(g2, t2),
            g,
            t,
            offsets,
            options.transactionTimeoutMs ?? config.transactionTimeoutMs,
          ),
        );
  const handle: KafkaProducerHandle = {
    async connect() {
      try {
        await producer.connect();
      } catch (e) {
        throw toKafkaIoError(`connecting a producer to ${cluster.brokers.join(',')}`, e);
      }
    },
    disconnect: () =>
      boundedDisconnect(
        () => producer.disconnect(),
        (error) => logger.warn('producer disconnect failed', { error }),
        'producer',
      ),
    health,
    stats: () => ({ ...stats }),
    transactions,
  };
  const opts = {
    outageToleranceMs: options.outageToleranceMs ?? config.outageToleranceMs,
    stallMs: options.stallMs ?? PRODUCER_STALL_MS,
  };
  internals.set(handle, {
    dispatch: createDispatcher({
      producer: transactions ?? producer,
      options: opts,
      health,
      brokers: cluster.brokers.join(','),
      stats,
      partitions: (t) => cluster.partitionCount(t),
    }),
  });
  return handle;
}

export interface KafkaSinkConfig<T> {
  readonly topic: string;
  readonly encode: (item: T) => Buffer;
  readonly key: (item: T) => string;
  /** Kafka record headers (metadata beside the value, e.g. a dead letter's payload hash). */
  readonly headers?: (item: T) => Readonly<Record<string, string>>;
  /** Explicit partition for a write (e.g. the input's, from the write context); undefined: by key. */
  readonly partition?: (ctx: WriteContext) => number | undefined;
  /** Record timestamp, ms since the epoch (default: the producer's clock). */
  readonly timestampMs?: (item: T) => number;
  /** The topic's max.message.bytes (KafkaCluster.maxMessageBytes). */
  readonly maxMessageBytes: number;
}

/** Record-batch header (61 bytes) plus slack for varints: subtracted from the limit once per send. */
const BATCH_OVERHEAD = 128;
/** Per-record framing (length, attributes, deltas, key/value lengths, header count). */
const RECORD_OVERHEAD = 32;

export function recordBytes(m: {
  key: string;
  value: Buffer;
  headers?: Readonly<Record<string, string>>;
}): number {
  let h = 0;
  for (const [k, v] of Object.entries(m.headers ?? {})) h += Buffer.byteLength(k) + Buffer.byteLength(v) + 4;
  return RECORD_OVERHEAD + Buffer.byteLength(m.key) + m.value.byteLength + h;
}

/** The largest value (with key and headers) a topic with this max.message.bytes takes in one record. */
export function maxRecordBytes(maxMessageBytes: number): number {
  return maxMessageBytes - BATCH_OVERHEAD;
}

/** Splits records into consecutive groups whose total size stays within the budget (order kept). */
export function splitBySize<M>(records: readonly M[], size: (m: M) => number, budget: number): M[][] {
  const out: M[][] = [];
  let cur: M[] = [];
  let used = 0;
  for (const r of records) {
    const s = size(r);
    if (cur.length > 0 && used + s > budget) {
      out.push(cur);
      cur = [];
      used = 0;
    }
    cur.push(r);
    used += s;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

export class RecordTooLargeError extends KafkaIoError {
  override readonly name: string = 'RecordTooLargeError';
}

export function createKafkaSink<T>(handle: KafkaProducerHandle, cfg: KafkaSinkConfig<T>): Sink<T> {
  const p = internals.get(handle);
  if (p === undefined)
    throw new KafkaIoError('createKafkaSink: not a producer created by createKafkaProducer');
  const budget = maxRecordBytes(cfg.maxMessageBytes);

  return {
    async write(items, ctx = {}) {
      if (items.length === 0) return;
      const partition = cfg.partition?.(ctx);
      const records = items.map((it) => {
        const headers = cfg.headers?.(it);
        const ts = cfg.timestampMs?.(it);
        const r = {
          key: cfg.key(it),
          value: cfg.encode(it),
          ...(headers === undefined ? {} : { headers }),
          ...(ts === undefined ? {} : { timestamp: String(ts) }),
          ...(partition === undefined ? {} : { partition }),
        };
        const size = recordBytes(r);
        if (size > budget) {
          throw new RecordTooLargeError(
            `a ${size}-byte record (key ${JSON.stringify(r.key.slice(0, 80))}) exceeds ${cfg.topic}'s max.message.bytes ${cfg.maxMessageBytes}`,
            {
              context: { topic: cfg.topic, bytes: size, maxMessageBytes: cfg.maxMessageBytes },
            },
          );
        }
        return { record: r, size };
      });
      for (const group of splitBySize(records, (r) => r.size, budget)) {
        await p.dispatch(
          cfg.topic,
          group.map((g) => g.record as Message & { headers?: IHeaders }),
          group.reduce((n, g) => n + g.size, 0),
          budget,
        );
      }
    },
  };
}
