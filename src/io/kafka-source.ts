/**
 * Kafka consumer-group source bridged to RxJS.
 *
 * Handshake (bounded in-flight work, at-least-once): every kafkajs eachBatch call emits one
 * InputBatch downstream and then *waits* for its ack. The pipeline calls ack only after every sink
 * acknowledged the outputs of those messages; only then are the offsets resolved and committed.
 * While waiting, the consumer heartbeats, so long batches do not cost the group membership. At most
 * `concurrentPartitions` batches per consumer are in flight, so memory is bounded by configuration,
 * never by backlog.
 *
 * Pipelined (maxInFlightMessages set, commits 'acked'; the reconstruction member): eachBatch hands
 * its batch over, advances the fetch position at once and returns as soon as the batch is released
 * (InputBatch.release: the pipeline has reconstructed it and is writing its outputs; an ack
 * releases too) and fewer than maxInFlightMessages messages are unacknowledged. So the next fetch
 * (kafkajs fetches again only when every batch of the last fetch returned) overlaps the produce
 * round trip of the batch before it, with no commit round trip in between (kafkajs' autoCommit
 * commits after every batch), while what arrives during a reconstruction still gathers in the
 * broker and comes as one batch (returning before the release fetched many tiny batches, each its
 * own reconstruction call, and built a queue in the process). Only acknowledged offsets are committed
 * (acked-offsets.ts: never past an unacknowledged batch), every commitIntervalMs, when a rebalance
 * starts and on close; a crash or a moved partition redoes at most the frames in flight plus one
 * interval (outputs are idempotent by event id). The consumer must cope with several batches in
 * flight (the pipeline does); without maxInFlightMessages a consumer sees one batch at a time.
 *
 * Broker outages: kafkajs' own restart-after-crash is switched off (it leaves a consumer that never
 * fetches again after a non-retriable crash such as "Failed to find group coordinator", and a failed
 * restart is an unhandled rejection). Instead every CRASH is handled here: the consumer is replaced
 * by a fresh one after a capped exponential backoff, for as long as the outage lasts up to
 * `outageToleranceMs`; then the stream errors (the command exits ≠ 0 for its supervisor). Batches
 * of the crashed consumer that are still in the pipeline finish; their offsets were not committed,
 * so the new consumer redelivers them (outputs are idempotent by event id).
 *
 * `health` is up while the consumer fetches or heartbeats (events within `staleAfterMs`) and down
 * from a crash or connection failure until it fetches again: readiness and the lag gauge use it.
 * Unsubscribing stops fetching and disconnects (committing what was acknowledged).
 *
 * Two options serve the global excess stage: assignment 'single-active' gives every partition to
 * one member (the others stand by, see single-active-assigner.ts), and commits 'external' commits
 * only the offsets the caller passes to commit() (acked batches still advance the fetch position).
 */
import { Observable, ReplaySubject } from 'rxjs';
import type { Consumer } from 'kafkajs';
import type { InputBatch, InputMessage } from '../pipeline/index.js';
import type { Logger } from '../telemetry/index.js';
import { clientOf, isFatalKafkaError, isRetriableKafkaError, KafkaIoError, toKafkaIoError, type KafkaCluster } from './kafka-client.js';
import { backoffMs, createLinkHealth, type LinkHealth } from './link-health.js';
import { singleActiveAssigner } from './single-active-assigner.js';
import { boundedDisconnect, STOP_STEP_MS, withDeadline } from './deadline.js';
import { createAckedOffsets } from './acked-offsets.js';

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
}

export const DEFAULT_KAFKA_SOURCE: Omit<KafkaSourceConfig, 'groupId' | 'topic'> = {
  fromBeginning: true,
  concurrentPartitions: 2,
  maxBytesPerPartition: 512 * 1024,
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 1_000,
  rebalanceTimeoutMs: 10_000,
  commitIntervalMs: 1_000,
  outageToleranceMs: 300_000,
};

/** The source settings a validated `kafka` config section implies. */
export function sourceSettings(k: { sessionTimeoutMs: number; heartbeatIntervalMs: number; rebalanceTimeoutMs: number; outageToleranceMs: number }): Pick<KafkaSourceConfig, 'sessionTimeoutMs' | 'heartbeatIntervalMs' | 'rebalanceTimeoutMs' | 'outageToleranceMs'> {
  return { sessionTimeoutMs: k.sessionTimeoutMs, heartbeatIntervalMs: k.heartbeatIntervalMs, rebalanceTimeoutMs: k.rebalanceTimeoutMs, outageToleranceMs: k.outageToleranceMs };
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
  /** Stops fetching; in-flight batches may still be acknowledged until `close`. */
  pause(): void;
  /** Commits what was acknowledged and disconnects (also done on unsubscribe). */
  close(): Promise<void>;
}

export function createKafkaSource(cluster: KafkaCluster, cfg: KafkaSourceConfig, logger: Logger): KafkaSource {
  const { kafka } = clientOf(cluster);
  const health = createLinkHealth(false);
  const external = cfg.commits === 'external';
  const assignments$ = new ReplaySubject<readonly number[]>(1);
  // A consumer is alive if it fetched or heartbeated this recently (a long synchronous inference
  // batch can delay both by a few seconds without anything being wrong).
  const staleAfterMs = Math.max(5 * cfg.heartbeatIntervalMs, 10_000);
  let lastAliveMs = 0;
  let restarts = 0;
  let markJoined: () => void = () => undefined;
  const joined = new Promise<void>((resolve) => (markJoined = resolve));
  let current: Consumer | undefined;
  let stopped = false;
  let paused = false;
  let closing: Promise<void> | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let staleTimer: NodeJS.Timeout | undefined;
  let inFlight = 0;
  // Acknowledged, not yet committed: next offset to read per partition (committed on close).
  const acked = new Map<number, string>();
  // Per partition, across replaced consumers: the last offset handed downstream, and the last acknowledged.
  const emittedUpTo = new Map<number, bigint>();
  const ackedUpTo = new Map<number, bigint>();
  // Pipelined mode (see the header).
  const pipelined = !external && cfg.maxInFlightMessages !== undefined;
  const maxInFlightMessages = cfg.maxInFlightMessages ?? Infinity;
  const tracker = createAckedOffsets();
  let inFlightMessages = 0;
  let acknowledged = signal();
  let committing = false;
  let commitTimer: NodeJS.Timeout | undefined;
  /** Commits the tracker's committable offsets (one commit at a time; a failure is retried at the next interval, meanwhile a crash redoes, never loses). */
  const commitAcked = async (): Promise<void> => {
    const c = current;
    const offsets = tracker.committable();
    if (!pipelined || committing || c === undefined || offsets.size === 0) return;
    committing = true;
    try {
      await c.commitOffsets([...offsets].map(([partition, offset]) => ({ topic: cfg.topic, partition, offset })));
      tracker.committed(offsets);
    } catch (e) {
      logger.debug('commit failed; retrying at the next interval', { topic: cfg.topic, error: String(e) });
    } finally {
      committing = false;
    }
  };

  const alive = (): void => {
    if (stopped) return;
    lastAliveMs = Date.now();
    if (!health.up) logger.info('consumer fetching', { topic: cfg.topic, restarts });
    (health as ReturnType<typeof createLinkHealth>).markUp();
  };
  const down = (why: string): void => (health as ReturnType<typeof createLinkHealth>).markDown(why);

  const disconnect = async (c: Consumer | undefined): Promise<void> => {
    if (c === undefined) return;
    await boundedDisconnect(() => c.disconnect(), (error) => logger.warn('consumer disconnect failed', { error }), 'consumer');
  };

  const batches$ = new Observable<InputBatch>((subscriber) => {
    let attempt = 0;

    const makeConsumer = (): Consumer => {
      const consumer = kafka.consumer({
        groupId: cfg.groupId,
        sessionTimeout: cfg.sessionTimeoutMs,
        heartbeatInterval: cfg.heartbeatIntervalMs,
        rebalanceTimeout: cfg.rebalanceTimeoutMs,
        maxBytesPerPartition: cfg.maxBytesPerPartition,
        // Return a fetch as soon as data is there, at the latest after 100 ms (latency over request count).
        maxWaitTimeInMs: 100,
        allowAutoTopicCreation: false,
        ...(cfg.assignment === 'single-active' ? { partitionAssigners: [singleActiveAssigner()] } : {}),
        // Restarts are ours (see the header): one loop, one backoff, one tolerance.
        retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2_000, restartOnFailure: async () => false },
      });
      const e = consumer.events;
      consumer.on(e.GROUP_JOIN, (ev) => {
        logger.info('joined consumer group', { groupId: cfg.groupId, assignment: ev.payload.memberAssignment });
        const mine = [...(ev.payload.memberAssignment[cfg.topic] ?? [])];
        tracker.assign(mine);
        assignments$.next(mine);
        attempt = 0;
        alive();
        markJoined();
      });
      consumer.on(e.FETCH, alive);
      consumer.on(e.HEARTBEAT, alive);
      // Pipelined: commit what is acknowledged before the partitions may move (less for the next owner to redo).
      consumer.on(e.REBALANCING, () => void commitAcked());
      consumer.on(e.CRASH, (ev) => {
        if (consumer !== current) return;
        const err = ev.payload.error;
        down(err.message);
        if (stopped) return;
        // Anything but a fatal error (authentication, TLS trust) is worth a fresh consumer: kafkajs calls
        // a coordinator lost during a broker restart "non-retriable", yet a new consumer recovers.
        if (isFatalKafkaError(err)) {
          subscriber.error(toKafkaIoError(`consuming ${cfg.topic}`, err));
          return;
        }
        scheduleRestart(`${err.name}: ${err.message}`);
      });
      return consumer;
    };

    const scheduleRestart = (why: string): void => {
      if (stopped || restartTimer !== undefined) return;
      const since = health.downSinceMs ?? Date.now();
      if (Date.now() - since > cfg.outageToleranceMs) {
        subscriber.error(new KafkaIoError(`consuming ${cfg.topic}: brokers ${cluster.brokers.join(',')} unreachable for more than ${cfg.outageToleranceMs} ms (last error: ${why})`, { context: { topic: cfg.topic } }));
        return;
      }
      const wait = backoffMs(attempt++);
      logger.warn('consumer stopped; replacing it', { topic: cfg.topic, error: why, inMs: wait, attempt });
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        const old = current;
        current = undefined;
        void disconnect(old).then(() => {
          if (stopped) return;
          restarts++;
          start().catch((e: unknown) => {
            down(String(e));
            if (isRetriableKafkaError(e)) scheduleRestart(e instanceof Error ? e.message : String(e));
            else subscriber.error(toKafkaIoError(`consuming ${cfg.topic}`, e));
          });
        });
      }, wait);
    };

    const start = async (): Promise<void> => {
      const consumer = makeConsumer();
      current = consumer;
      acked.clear();
      await consumer.connect();
      await consumer.subscribe({ topic: cfg.topic, fromBeginning: cfg.fromBeginning });
      await consumer.run({
        // Offsets are resolved only after the ack, so committing the resolved offsets commits
        // only acknowledged ones. They are committed every commitIntervalMs rather than after
        // every batch: a commit round trip per batch would hold up the next fetch (latency), and
        // a crash redelivers at most one interval of frames, whose outputs are idempotent by id.
        autoCommit: !external && !pipelined,
        ...(external ? {} : { autoCommitInterval: cfg.commitIntervalMs }),
        partitionsConsumedConcurrently: cfg.concurrentPartitions,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
          if (stopped || paused || !isRunning() || isStale() || batch.messages.length === 0) return;
          const p = batch.partition;
          const last = BigInt(batch.lastOffset());
          /** Heartbeats until cond() holds; false if the source stopped meanwhile. */
          const heartbeatUntil = async (cond: () => boolean, wake: Promise<unknown> | (() => Promise<unknown>)): Promise<boolean> => {
            while (!cond()) {
              await Promise.race([typeof wake === 'function' ? wake() : wake, delay(cfg.heartbeatIntervalMs)]);
              if (cond()) break;
              if (stopped && closing !== undefined) return false;
              await heartbeat().catch((e: unknown) => {
                down(e instanceof Error ? e.message : String(e));
                throw e;
              });
            }
            return true;
          };
          // A consumer that replaced a crashed one is handed again what this process already passed
          // on (the crashed one could not commit it): those frames are not processed twice; their
          // offsets are resolved once the first hand-over is acknowledged.
          const seen = external ? -1n : (emittedUpTo.get(p) ?? -1n);
          const fresh = batch.messages.filter((m) => BigInt(m.offset) > seen);
          if (fresh.length === 0 && pipelined) {
            // Their first hand-over's ack commits them.
            resolveOffset(batch.lastOffset());
            return;
          }
          if (fresh.length === 0) {
            if (!(await heartbeatUntil(() => (ackedUpTo.get(p) ?? -1n) >= last, delay(50)))) return;
            if (consumer === current) acked.set(p, (last + 1n).toString());
            resolveOffset(batch.lastOffset());
            await commitOffsetsIfNecessary();
            return;
          }
          const receivedAtNs = BigInt(Date.now()) * 1_000_000n;
          const messages: InputMessage[] = fresh.map((m) => ({
            key: m.key,
            value: m.value ?? new Uint8Array(0),
            receivedAtNs,
            topic: batch.topic,
            partition: p,
            offset: m.offset,
            timestampMs: Number(m.timestamp),
          }));
          if (last > seen) emittedUpTo.set(p, last);
          let ack!: () => void;
          const done = new Promise<void>((resolve) => (ack = resolve));
          let settled = false;
          let released = false;
          const releasedSignal = signal();
          const release = (): void => {
            released = true;
            releasedSignal.resolve();
          };
          inFlight++;
          inFlightMessages += messages.length;
          const tracked = pipelined ? tracker.handOver(p, last) : undefined;
          subscriber.next({
            messages,
            ...(pipelined ? { release } : {}),
            ack: () => {
              if (settled) return;
              settled = true;
              release();
              inFlight--;
              inFlightMessages -= messages.length;
              tracked?.();
              const a = acknowledged;
              acknowledged = signal();
              a.resolve();
              if (last > (ackedUpTo.get(p) ?? -1n)) ackedUpTo.set(p, last);
              // Only the current consumer's acks are committed on close; a crashed one's batches are redelivered anyway.
              if (consumer === current && !external && !pipelined) acked.set(p, (last + 1n).toString());
              ack();
            },
          });
          if (pipelined) {
            // Fetch on once this batch is reconstructed, while its outputs are written (bounded by the messages in flight).
            resolveOffset(batch.lastOffset());
            await heartbeatUntil(() => released, releasedSignal.promise);
            await heartbeatUntil(() => inFlightMessages < maxInFlightMessages, () => acknowledged.promise);
            return;
          }
          // Heartbeat while the pipeline works on this batch (and on earlier hand-overs of the same partition).
          if (!(await heartbeatUntil(() => settled && (ackedUpTo.get(p) ?? -1n) >= last, done))) return;
          resolveOffset(batch.lastOffset());
          if (!external) await commitOffsetsIfNecessary();
          await heartbeat();
        },
      });
      if (pipelined && commitTimer === undefined) {
        commitTimer = setInterval(() => void commitAcked(), cfg.commitIntervalMs);
        commitTimer.unref();
      }
    };

    staleTimer = setInterval(() => {
      if (health.up && Date.now() - lastAliveMs > staleAfterMs) down(`no fetch or heartbeat for ${staleAfterMs} ms`);
      // A consumer that stays down without crashing (kafkajs retrying inside) still counts against the tolerance.
      const since = health.downSinceMs;
      if (!health.up && since !== undefined && lastAliveMs > 0 && Date.now() - since > cfg.outageToleranceMs && restartTimer === undefined) {
        subscriber.error(new KafkaIoError(`consuming ${cfg.topic}: no fetch for more than ${cfg.outageToleranceMs} ms (last error: ${health.lastError ?? 'none'})`));
      }
    }, 500);
    staleTimer.unref();

    start().catch((e: unknown) => {
      down(String(e));
      if (!stopped) subscriber.error(toKafkaIoError(`consuming ${cfg.topic} at ${cluster.brokers.join(',')}`, e));
    });
    return () => {
      void closeAll();
    };
  });

  const closeAll = (): Promise<void> => {
    closing ??= (async () => {
      stopped = true;
      if (restartTimer !== undefined) clearTimeout(restartTimer);
      if (staleTimer !== undefined) clearInterval(staleTimer);
      if (commitTimer !== undefined) clearInterval(commitTimer);
      restartTimer = undefined;
      const c = current;
      down('stopped');
      if (pipelined) for (const [p, o] of tracker.committable()) acked.set(p, o);
      if (c !== undefined && acked.size > 0) {
        // kafkajs does not commit on disconnect: commit what the pipeline acknowledged, so a
        // successor starts exactly after it (a clean stop redoes nothing).
        const offsets = [...acked].map(([partition, offset]) => ({ topic: cfg.topic, partition, offset }));
        await withDeadline(c.commitOffsets(offsets), STOP_STEP_MS, 'final commit')
          .catch((e: unknown) => logger.warn('final commit failed; those frames will be redelivered', { error: String(e) }));
        acked.clear();
      }
      current = undefined;
      await disconnect(c);
    })();
    return closing;
  };

  const commit = async (offsets: ReadonlyMap<number, string>, metadata?: string): Promise<void> => {
    const c = current;
    if (offsets.size === 0 || c === undefined) return;
    try {
      await c.commitOffsets([...offsets].map(([partition, offset]) => ({ topic: cfg.topic, partition, offset, ...(metadata === undefined ? {} : { metadata }) })));
    } catch (e) {
      throw toKafkaIoError(`committing offsets of ${cfg.topic}`, e);
    }
  };

  return {
    batches$,
    joined,
    assignments$: assignments$.asObservable(),
    commit,
    health,
    restarts: () => restarts,
    inFlight: () => inFlight,
    pause() {
      paused = true;
      const c = current;
      if (c !== undefined) {
        try {
          c.pause([{ topic: cfg.topic }]);
        } catch (e) {
          logger.debug('consumer pause failed', { error: String(e) });
        }
      }
    },
    close: closeAll,
  };
}

/** A promise and its resolve (Promise.withResolvers is Node 22+). */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
