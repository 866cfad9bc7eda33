/**
 * Kafka consumer-group source bridged to RxJS.
 *
 * Handshake (bounded in-flight work, at-least-once): every kafkajs eachBatch call emits one
 * InputBatch downstream and then *waits* for its ack. The pipeline calls ack only after every sink
 * acknowledged the outputs of those messages; only then are the offsets resolved and committed.
 * While waiting, the consumer heartbeats, so long batches do not cost the group membership. At most
 * `partitionsConsumedConcurrently` batches (bounded by maxInFlightFrames / maxBatchMessages) are in
 * flight, so memory is bounded by configuration, never by backlog. Unsubscribing disconnects the
 * consumer; un-acked messages are redelivered to the group later.
 *
 * Two options serve the global excess stage: assignment 'single-active' gives every partition to
 * one member (the others stand by, see single-active-assigner.ts), and commits 'external' commits
 * only the offsets the caller passes to commit() (acked batches still advance the fetch position).
 */
import { Observable, ReplaySubject } from 'rxjs';
import type { Consumer, Kafka } from 'kafkajs';
import type { InputBatch, InputMessage } from '../pipeline/index.js';
import type { Logger } from '../telemetry/index.js';
import { toKafkaIoError } from './kafka-client.js';
import { singleActiveAssigner } from './single-active-assigner.js';

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
  /** Acknowledged offsets are committed at most this often (and on rebalance and shutdown). */
  readonly commitIntervalMs: number;
  /** 'shared' (default): the group's members share the partitions; 'single-active': one member gets all, the others stand by. */
  readonly assignment?: 'shared' | 'single-active';
  /** 'acked' (default): acknowledged offsets are committed; 'external': only what commit() is given. */
  readonly commits?: 'acked' | 'external';
}

export const DEFAULT_KAFKA_SOURCE: Omit<KafkaSourceConfig, 'groupId' | 'topic'> = {
  fromBeginning: true,
  concurrentPartitions: 2,
  maxBytesPerPartition: 512 * 1024,
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  commitIntervalMs: 1_000,
};

export interface KafkaSource {
  readonly batches$: Observable<InputBatch>;
  /** Resolves once the consumer has joined the group (readiness). */
  readonly joined: Promise<void>;
  readonly consumer: Consumer;
  /** The partitions of the topic assigned to this member, on every (re)join (the latest is replayed). */
  readonly assignments$: Observable<readonly number[]>;
  /** Commits partition → next offset to read (commits 'external'), with an optional metadata string; a no-op while the consumer is not running. */
  commit(offsets: ReadonlyMap<number, string>, metadata?: string): Promise<void>;
}

export function createKafkaSource(kafka: Kafka, cfg: KafkaSourceConfig, logger: Logger): KafkaSource {
  const consumer = kafka.consumer({
    groupId: cfg.groupId,
    sessionTimeout: cfg.sessionTimeoutMs,
    heartbeatInterval: cfg.heartbeatIntervalMs,
    rebalanceTimeout: Math.max(cfg.sessionTimeoutMs, 10_000),
    maxBytesPerPartition: cfg.maxBytesPerPartition,
    // Return a fetch as soon as data is there, at the latest after 100 ms (latency over request count).
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
    ...(cfg.assignment === 'single-active' ? { partitionAssigners: [singleActiveAssigner()] } : {}),
  });
  const external = cfg.commits === 'external';
  const assignments$ = new ReplaySubject<readonly number[]>(1);
  let markJoined: () => void = () => undefined;
  const joined = new Promise<void>((resolve) => (markJoined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    logger.info('joined consumer group', { groupId: cfg.groupId, assignment: e.payload.memberAssignment });
    assignments$.next([...(e.payload.memberAssignment[cfg.topic] ?? [])]);
    markJoined();
  });

  const batches$ = new Observable<InputBatch>((subscriber) => {
    let stopped = false;
    const run = async (): Promise<void> => {
      await consumer.connect();
      await consumer.subscribe({ topic: cfg.topic, fromBeginning: cfg.fromBeginning });
      await consumer.run({
        // Offsets are resolved only after the ack, so committing the resolved offsets commits
        // only acknowledged ones. They are committed every commitIntervalMs rather than after
        // every batch: a commit round trip per batch would hold up the next fetch (latency), and
        // a crash redelivers at most one interval of frames, whose outputs are idempotent by id.
        autoCommit: !external,
        ...(external ? {} : { autoCommitInterval: cfg.commitIntervalMs }),
        partitionsConsumedConcurrently: cfg.concurrentPartitions,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
          if (stopped || !isRunning() || isStale() || batch.messages.length === 0) return;
          const receivedAtNs = BigInt(Date.now()) * 1_000_000n;
          const messages: InputMessage[] = batch.messages.map((m) => ({
            key: m.key,
            value: m.value ?? new Uint8Array(0),
            receivedAtNs,
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
          }));
          let ack!: () => void;
          const acked = new Promise<void>((resolve) => (ack = resolve));
          subscriber.next({ messages, ack: () => ack() });
          // Heartbeat while the pipeline works on this batch.
          for (;;) {
            const done = await Promise.race([acked.then(() => true), delay(cfg.heartbeatIntervalMs).then(() => false)]);
            if (done) break;
            if (stopped) return;
            await heartbeat();
          }
          resolveOffset(batch.lastOffset());
          if (!external) await commitOffsetsIfNecessary();
          await heartbeat();
        },
      });
    };
    run().catch((e: unknown) => subscriber.error(toKafkaIoError(`consuming ${cfg.topic}`, e)));
    return () => {
      stopped = true;
      consumer.disconnect().catch((e: unknown) => logger.warn('consumer disconnect failed', { error: String(e) }));
    };
  });
  const commit = async (offsets: ReadonlyMap<number, string>, metadata?: string): Promise<void> => {
    if (offsets.size === 0) return;
    try {
      await consumer.commitOffsets([...offsets].map(([partition, offset]) => ({ topic: cfg.topic, partition, offset, ...(metadata === undefined ? {} : { metadata }) })));
    } catch (e) {
      throw toKafkaIoError(`committing offsets of ${cfg.topic}`, e);
    }
  };
  return { batches$, joined, consumer, assignments$: assignments$.asObservable(), commit };
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
