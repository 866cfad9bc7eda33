/**
 * The producer's dispatcher: one round of writes in flight per producer; what queues meanwhile goes
 * out together in the next round (like the Java producer's accumulator: an idle producer sends at
 * once, a busy one makes fewer, larger rounds).
 *
 * One partition per produce call. kafkajs' sendBatch spreads a multi-partition batch over the
 * partition leaders and, when one leader fails, retries with the brokers that have not answered yet.
 * Two faults follow when a leader dies mid-batch (kafkajs 2.2.4, sendMessages.js):
 *   - loss: a partition whose leadership moved to a broker that had already answered for other
 *     partitions is never re-sent, and sendBatch still resolves;
 *   - duplicates: a retry re-sends to a broker whose first request is still waiting for its
 *     replicas; once that request succeeds the retry writes the same records again, under new
 *     sequence numbers the broker cannot recognise as a repeat.
 * A sendBatch of one partition has exactly one leader at a time, so neither can happen: a failed
 * request rolls its sequence numbers back, and the retry (to the old or the new leader) carries
 * the same ones, which the broker deduplicates if the first attempt was written after all. Every
 * answer is checked to name the partition with no error; anything else fails the round (no write
 * counts as delivered that the brokers did not acknowledge). Partitions of one round go out
 * concurrently (kafkajs keeps one request per broker in flight); only a failed partition is retried.
 *
 * Keyed records get their partition here, with kafkajs' default partitioner (murmur2 of the key
 * modulo the topic's partition count, read once per topic).
 */
import { CompressionTypes, Partitioners, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import { isRetriableKafkaError, KafkaIoError, toKafkaIoError } from './kafka-client.js';
import { backoffMs, type MutableLinkHealth } from './link-health.js';

export interface DispatchOptions {
  readonly outageToleranceMs: number;
  readonly stallMs: number;
}

export interface DispatchStats {
  sends: number;
  /** Dispatch rounds (one per batch of queued writes). */
  rounds: number;
  /** Produce calls (one per partition per round, plus retries). */
  requests: number;
  /** Partition sends retried after a failure. */
  retries: number;
}

/** Queues records for one topic (at most `budget` bytes); resolves once the brokers acknowledged them. */
export type Dispatch = (topic: string, messages: Message[], bytes: number, budget: number) => Promise<void>;

interface Pending {
  readonly topic: string;
  readonly messages: Message[];
  readonly bytes: number;
  readonly budget: number;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

interface Part {
  readonly topic: string;
  readonly partition: number;
  readonly messages: Message[];
}

export interface DispatcherDeps {
  /** A kafkajs producer, or its transactions (exactly-once: every round goes into the open transaction). */
  readonly producer: Pick<Producer, 'sendBatch'>;
  readonly options: DispatchOptions;
  readonly health: MutableLinkHealth;
  readonly brokers: string;
  readonly stats: DispatchStats;
  /** The partition count of a topic (called once per topic; a failure is retried at the next round). */
  readonly partitions: (topic: string) => Promise<number>;
}

export function createDispatcher(d: DispatcherDeps): Dispatch {
  const dispatcher = new Dispatcher(d);
  return (topic, messages, bytes, budget) => dispatcher.dispatch(topic, messages, bytes, budget);
}

/** The queue of one producer and its one round in flight. */
class Dispatcher {
  private readonly queue: Pending[] = [];
  /** Partition counts per topic, read once. */
  private readonly counts = new Map<string, number>();
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private busy = false;

  constructor(private readonly d: DispatcherDeps) {}

  dispatch(topic: string, messages: Message[], bytes: number, budget: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.d.stats.sends++;
      this.queue.push({ topic, messages, bytes, budget, resolve, reject });
      this.pump();
    });
  }

  /** Sends the next round unless one is in flight; the next one starts when it settles. */
  private pump(): void {
    if (this.busy || this.queue.length === 0) return;
    this.busy = true;
    const writes = this.take();
    this.d.stats.rounds++;
    const byTopic = new Map<string, Message[]>();
    for (const w of writes) {
      const list = byTopic.get(w.topic);
      if (list === undefined) byTopic.set(w.topic, [...w.messages]);
      else list.push(...w.messages);
    }
    this.send(byTopic)
      .then(
        () => writes.forEach((w) => w.resolve()),
        (e: unknown) => writes.forEach((w) => w.reject(e)),
      )
      .finally(() => {
        this.busy = false;
        this.pump();
      });
  }

  /** The longest queue prefix whose records fit every topic's budget (at least one write). */
  private take(): Pending[] {
    const used = new Map<string, number>();
    let n = 0;
    for (const w of this.queue) {
      const u = used.get(w.topic) ?? 0;
      if (n > 0 && u + w.bytes > w.budget) break;
      used.set(w.topic, u + w.bytes);
      n++;
    }
    return this.queue.splice(0, n);
  }

  /** One round: every partition acknowledged, or a failure; marks the producer down after stallMs, fails past the outage tolerance. */
  private async send(byTopic: Map<string, Message[]>): Promise<void> {
    const { options: o, health, brokers } = this.d;
    const what = [...byTopic.keys()].join(', ');
    let stall: NodeJS.Timeout | undefined;
    let giveUp: NodeJS.Timeout | undefined;
    const since = health.downSinceMs ?? Date.now();
    const left = Math.max(0, o.outageToleranceMs - (Date.now() - since));
    try {
      await Promise.race([
        this.sendParts(byTopic, what),
        new Promise<never>((_, reject) => {
          stall = setTimeout(
            () => health.markDown(`send to ${what} unacknowledged for ${o.stallMs} ms`),
            o.stallMs,
          );
          giveUp = setTimeout(
            () =>
              reject(
                new KafkaIoError(
                  `producing to ${what}: not acknowledged by ${brokers} within the outage tolerance of ${o.outageToleranceMs} ms`,
                  { context: { topic: what } },
                ),
              ),
            Math.max(left, o.stallMs),
          );
        }),
      ]);
      health.markUp();
    } finally {
      clearTimeout(stall);
      clearTimeout(giveUp);
    }
  }

  /** Splits the round by partition (retrying while the partition counts cannot be read), sends every partition, then throws the first failure. */
  private async sendParts(byTopic: Map<string, Message[]>, what: string): Promise<void> {
    let parts: Part[] | undefined;
    for (let attempt = 0; parts === undefined; attempt++) {
      try {
        parts = await this.split(byTopic);
      } catch (e) {
        const err = e instanceof KafkaIoError ? e : toKafkaIoError(`reading the partitions of ${what}`, e);
        if (!err.retriable) throw err;
        this.d.health.markDown(err.message);
        await new Promise((r) => setTimeout(r, backoffMs(attempt)));
      }
    }
    // Every partition to the end, then the first failure (no partition is left half-sent behind a rejection).
    const results = await Promise.allSettled(parts.map((p) => this.sendPart(p)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  private async split(byTopic: Map<string, Message[]>): Promise<Part[]> {
    const parts = new Map<string, Part>();
    for (const [topic, messages] of byTopic) {
      const n = await this.partitionCount(topic);
      const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        replicas: [],
        isr: [],
        partitionErrorCode: 0,
      }));
      for (const m of messages) {
        const partition = m.partition ?? this.partitioner({ topic, partitionMetadata, message: m });
        const id = `${topic}\u0000${partition}`;
        let p = parts.get(id);
        if (p === undefined) parts.set(id, (p = { topic, partition, messages: [] }));
        p.messages.push(m.partition === partition ? m : { ...m, partition });
      }
    }
    return [...parts.values()];
  }

  private async partitionCount(topic: string): Promise<number> {
    const known = this.counts.get(topic);
    if (known !== undefined) return known;
    const n = await this.d.partitions(topic);
    if (!(n > 0))
      throw new KafkaIoError(`producing to ${topic}: no partitions known yet`, {
        retriable: true,
        context: { topic },
      });
    this.counts.set(topic, n);
    return n;
  }

  /** Sends one partition's records until acknowledged; throws a KafkaIoError past the outage tolerance or on a non-retriable error. */
  private async sendPart(p: Part): Promise<void> {
    const { producer, options: o, health, brokers, stats } = this.d;
    const what = `${p.topic}[${p.partition}]`;
    for (let attempt = 0; ; attempt++) {
      let answer: RecordMetadata[];
      try {
        stats.requests++;
        answer = await producer.sendBatch({
          topicMessages: [{ topic: p.topic, messages: p.messages }],
          acks: -1,
          compression: CompressionTypes.None,
        });
      } catch (e) {
        if (e instanceof KafkaIoError) throw e;
        const err = toKafkaIoError(`producing to ${what}`, e);
        if (!isRetriableKafkaError(e)) throw err;
        health.markDown(err.message);
        if (Date.now() - (health.downSinceMs ?? Date.now()) > o.outageToleranceMs) {
          throw new KafkaIoError(
            `${err.message} (brokers ${brokers} unreachable for more than ${o.outageToleranceMs} ms)`,
            { cause: e, context: { topic: p.topic } },
          );
        }
        stats.retries++;
        await new Promise((r) => setTimeout(r, backoffMs(attempt)));
        continue;
      }
      const mine = answer.find((r) => r.topicName === p.topic && r.partition === p.partition);
      if (mine === undefined || mine.errorCode !== 0) {
        // Not retried: a re-send would get new sequence numbers (kafkajs counted these as sent).
        throw new KafkaIoError(
          `producing to ${what}: the brokers' answer does not acknowledge it (${JSON.stringify(answer)})`,
          { context: { topic: p.topic } },
        );
      }
      return;
    }
  }
}
