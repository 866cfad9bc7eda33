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
 * Coalescing: kafkajs' idempotent producer holds one produce request in flight per broker (its
 * broker lock), so concurrent writes of one producer queue behind each other anyway. Here writes
 * that queue while a request is in flight go out together as one multi-topic request (reco,
 * candidates and the next batches' outputs), like the Java producer's accumulator: an idle producer
 * sends at once (no linger), a busy one makes fewer, larger requests (fewer round trips per batch,
 * less per-request work). Per topic the records of one request stay within its max.message.bytes
 * budget, and each topic's records keep their write order.
 *
 * Outages: the kafkajs producer retries without bound (idempotence needs it); a send that has not
 * been acknowledged after `stallMs` marks the producer down (readiness), one still pending after
 * `outageToleranceMs` fails the write. Errors kafkajs gives up on that a retry can fix (connection
 * refused while the broker restarts) are re-sent with capped backoff within the same tolerance.
 */
import { CompressionTypes, Partitioners, type IHeaders, type Message, type Producer, type TopicMessages } from 'kafkajs';
import type { Sink, WriteContext } from '../pipeline/index.js';
import { clientOf, isRetriableKafkaError, KafkaIoError, toKafkaIoError, type KafkaCluster } from './kafka-client.js';
import { backoffMs, createLinkHealth, type LinkHealth } from './link-health.js';
import { boundedDisconnect } from './deadline.js';

export interface KafkaProducerOptions {
  /** A write still failing or unacknowledged after this long fails (the command exits ≠ 0). */
  readonly outageToleranceMs: number;
  /** A send unacknowledged this long marks the producer down. */
  readonly stallMs: number;
}

export interface KafkaProducerHandle {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Up while sends are acknowledged; down from a failed or stalled send until one succeeds. */
  readonly health: LinkHealth;
  /** Sink sends so far and the produce requests that carried them (fewer when writes were coalesced). */
  readonly stats: () => { readonly sends: number; readonly requests: number };
}

interface ProducerInternals {
  /** Queues records for one topic (at most `budget` bytes); resolves once the brokers acknowledged them. */
  readonly dispatch: (topic: string, messages: Message[], bytes: number, budget: number) => Promise<void>;
}
const internals = new WeakMap<KafkaProducerHandle, ProducerInternals>();

export function createKafkaProducer(cluster: KafkaCluster, options: Partial<KafkaProducerOptions> = {}): KafkaProducerHandle {
  const { kafka, config, logger } = clientOf(cluster);
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 5,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 5_000 },
  });
  const health = createLinkHealth(true);
  const stats = { sends: 0, requests: 0 };
  const handle: KafkaProducerHandle = {
    async connect() {
      try {
        await producer.connect();
      } catch (e) {
        throw toKafkaIoError(`connecting a producer to ${cluster.brokers.join(',')}`, e);
      }
    },
    disconnect: () => boundedDisconnect(() => producer.disconnect(), (error) => logger.warn('producer disconnect failed', { error }), 'producer'),
    health,
    stats: () => ({ ...stats }),
  };
  const opts = { outageToleranceMs: options.outageToleranceMs ?? config.outageToleranceMs, stallMs: options.stallMs ?? 5_000 };
  internals.set(handle, { dispatch: createDispatcher(producer, opts, health, cluster.brokers.join(','), stats) });
  return handle;
}

interface Pending {
  readonly topic: string;
  readonly messages: Message[];
  readonly bytes: number;
  readonly budget: number;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/** One produce request in flight per producer; what queues meanwhile goes out together next (see the header). */
function createDispatcher(producer: Producer, o: KafkaProducerOptions, health: ReturnType<typeof createLinkHealth>, brokers: string, stats: { sends: number; requests: number }): ProducerInternals['dispatch'] {
  const queue: Pending[] = [];
  let busy = false;

  const sendOnce = async (topicMessages: TopicMessages[], what: string): Promise<void> => {
    let stall: NodeJS.Timeout | undefined;
    let giveUp: NodeJS.Timeout | undefined;
    const since = health.downSinceMs ?? Date.now();
    const left = Math.max(0, o.outageToleranceMs - (Date.now() - since));
    try {
      await Promise.race([
        producer.sendBatch({ topicMessages, acks: -1, compression: CompressionTypes.None }),
        new Promise<never>((_, reject) => {
          stall = setTimeout(() => health.markDown(`send to ${what} unacknowledged for ${o.stallMs} ms`), o.stallMs);
          giveUp = setTimeout(
            () => reject(new KafkaIoError(`producing to ${what}: not acknowledged by ${brokers} within the outage tolerance of ${o.outageToleranceMs} ms`, { context: { topic: what } })),
            Math.max(left, o.stallMs),
          );
        }),
      ]);
      health.markUp();
    } finally {
      clearTimeout(stall);
      clearTimeout(giveUp);
    }
  };

  const send = async (topicMessages: TopicMessages[]): Promise<void> => {
    const what = topicMessages.map((t) => t.topic).join(', ');
    for (let attempt = 0; ; attempt++) {
      try {
        await sendOnce(topicMessages, what);
        return;
      } catch (e) {
        if (e instanceof KafkaIoError) throw e;
        const err = toKafkaIoError(`producing to ${what}`, e);
        if (!isRetriableKafkaError(e)) throw err;
        health.markDown(err.message);
        const downFor = Date.now() - (health.downSinceMs ?? Date.now());
        if (downFor > o.outageToleranceMs) {
          throw new KafkaIoError(`${err.message} (brokers ${brokers} unreachable for more than ${o.outageToleranceMs} ms)`, { cause: e, context: { topic: what } });
        }
        await new Promise((r) => setTimeout(r, backoffMs(attempt)));
      }
    }
  };

  /** The longest queue prefix whose records fit every topic's budget (at least one write). */
  const take = (): Pending[] => {
    const used = new Map<string, number>();
    let n = 0;
    for (const w of queue) {
      const u = used.get(w.topic) ?? 0;
      if (n > 0 && u + w.bytes > w.budget) break;
      used.set(w.topic, u + w.bytes);
      n++;
    }
    return queue.splice(0, n);
  };

  const pump = (): void => {
    if (busy || queue.length === 0) return;
    busy = true;
    const writes = take();
    stats.requests++;
    const byTopic = new Map<string, Message[]>();
    for (const w of writes) {
      const list = byTopic.get(w.topic);
      if (list === undefined) byTopic.set(w.topic, [...w.messages]);
      else list.push(...w.messages);
    }
    send([...byTopic].map(([topic, messages]) => ({ topic, messages }))).then(
      () => writes.forEach((w) => w.resolve()),
      (e: unknown) => writes.forEach((w) => w.reject(e)),
    ).finally(() => {
      busy = false;
      pump();
    });
  };

  return (topic, messages, bytes, budget) =>
    new Promise<void>((resolve, reject) => {
      stats.sends++;
      queue.push({ topic, messages, bytes, budget, resolve, reject });
      pump();
    });
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

export function recordBytes(m: { key: string; value: Buffer; headers?: Readonly<Record<string, string>> }): number {
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
  if (p === undefined) throw new KafkaIoError('createKafkaSink: not a producer created by createKafkaProducer');
  const budget = maxRecordBytes(cfg.maxMessageBytes);

  return {
    async write(items, ctx = {}) {
      if (items.length === 0) return;
      const partition = cfg.partition?.(ctx);
      const records = items.map((it) => {
        const headers = cfg.headers?.(it);
        const ts = cfg.timestampMs?.(it);
        const r = { key: cfg.key(it), value: cfg.encode(it), ...(headers === undefined ? {} : { headers }), ...(ts === undefined ? {} : { timestamp: String(ts) }), ...(partition === undefined ? {} : { partition }) };
        const size = recordBytes(r);
        if (size > budget) {
          throw new RecordTooLargeError(`a ${size}-byte record (key ${JSON.stringify(r.key.slice(0, 80))}) exceeds ${cfg.topic}'s max.message.bytes ${cfg.maxMessageBytes}`, {
            context: { topic: cfg.topic, bytes: size, maxMessageBytes: cfg.maxMessageBytes },
          });
        }
        return { record: r, size };
      });
      for (const group of splitBySize(records, (r) => r.size, budget)) {
        await p.dispatch(cfg.topic, group.map((g) => g.record as Message & { headers?: IHeaders }), group.reduce((n, g) => n + g.size, 0), budget);
      }
    },
  };
}
