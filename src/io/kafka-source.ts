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
 * so the new consumer redelivers them (outputs are idempotent by event id). The crashed consumer's
member is taken out of its group where the group now lives (kafka-group-leave.ts): after its
coordinator's broker died, kafkajs' own leave goes to the dead broker, and the replacement's join
would wait for the dead member's session to time out.
 *
 * `health` is up while the consumer fetches or heartbeats (events within `staleAfterMs`) and down
 * from a crash or connection failure until it fetches again: readiness and the lag gauge use it.
 * Unsubscribing stops fetching and disconnects (committing what was acknowledged).
 *
 * Exactly-once (cfg.transactional, kafka.delivery exactly-once): not pipelined; acknowledged offsets
 * are committed in the producer's transaction whenever nothing is in flight, never by the
 * consumer, and each fetched batch's handler returns only once they are (kafka-source-txn.ts); a
 * failed commit errors the stream; a replaced consumer starts after the crashed one's batches are
 * committed.
 *
 * Two options serve the global excess stage: assignment 'single-active' gives every partition to
 * one member (the others stand by, see single-active-assigner.ts), and commits 'external' commits
 * only the offsets the caller passes to commit() (acked batches still advance the fetch position).
 *
 * Files: this one runs the consumer (restarts, health, commits, close); kafka-source-batch.ts hands
 * one fetched batch over; kafka-source-config.ts holds the options, their defaults and the handle.
 */
import { Observable, ReplaySubject } from 'rxjs';
import type { Consumer } from 'kafkajs';
import type { InputBatch } from '../pipeline/index.js';
import type { Logger } from '../telemetry/index.js';
import {
  clientOf,
  isFatalKafkaError,
  isRetriableKafkaError,
  KafkaIoError,
  toKafkaIoError,
  type KafkaCluster,
} from './kafka-client.js';
import { backoffMs, createLinkHealth } from './link-health.js';
import { boundedDisconnect, STOP_STEP_MS, withDeadline } from './deadline.js';
import { createAckedOffsets } from './acked-offsets.js';
import { handOverBatch, signal, type HandOverState } from './kafka-source-batch.js';
import { consumerOptions, type KafkaSource, type KafkaSourceConfig } from './kafka-source-config.js';
import type { LinkHealth } from './link-health.js';
import { transactionalCommitsOf, type TransactionalCommits } from './kafka-source-txn.js';
import { leaveAsCrashed } from './kafka-group-leave.js';

export {
  DEFAULT_KAFKA_SOURCE,
  sourceSettings,
  type KafkaSource,
  type KafkaSourceConfig,
} from './kafka-source-config.js';

export function createKafkaSource(
  cluster: KafkaCluster,
  cfg: KafkaSourceConfig,
  logger: Logger,
): KafkaSource {
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
  // Pipelined mode (see the header); exactly-once waits for each batch's commit instead.
  const pipelined = !external && cfg.transactional === undefined && cfg.maxInFlightMessages !== undefined;
  let failStream: (e: unknown) => void = () => undefined;
  const transactional = transactionalCommitsOf(
    cfg.transactional,
    () => flight.inFlight,
    (e) => failStream(e),
  );
  const tracker = createAckedOffsets();
  const acked = new Map<number, string>();
  const flight: HandOverState = {
    external,
    pipelined,
    maxInFlightMessages: cfg.maxInFlightMessages ?? Infinity,
    heartbeatIntervalMs: cfg.heartbeatIntervalMs,
    emittedUpTo: new Map(),
    ackedUpTo: new Map(),
    acked,
    tracker,
    transactional,
    inFlight: 0,
    inFlightMessages: 0,
    acknowledged: signal(),
    idle: () => stopped || paused,
    stopping: () => stopped && closing !== undefined,
    current: () => current,
    down: (why) => down(why),
  };
  let committing = false;
  let commitTimer: NodeJS.Timeout | undefined;
  /** Commits the tracker's committable offsets (one commit at a time; a failure is retried at the next interval, meanwhile a crash redoes, never loses). */
  const commitAcked = async (): Promise<void> => {
    const c = current;
    const offsets = tracker.committable();
    if (!pipelined || committing || c === undefined || offsets.size === 0) return;
    committing = true;
    try {
      await c.commitOffsets(
        [...offsets].map(([partition, offset]) => ({ topic: cfg.topic, partition, offset })),
      );
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

  // The group member id of each consumer (a crashed one is taken out of the group by it).
  const memberIds = new WeakMap<Consumer, string>();
  const disconnect = async (c: Consumer | undefined): Promise<void> => {
    if (c === undefined) return;
    await boundedDisconnect(
      () => c.disconnect(),
      (error) => logger.warn('consumer disconnect failed', { error }),
      'consumer',
    );
  };

  const batches$ = new Observable<InputBatch>((subscriber) => {
    let attempt = 0;
    failStream = (e) => subscriber.error(e);

    const makeConsumer = (): Consumer => {
      const consumer = kafka.consumer(consumerOptions(cfg));
      const e = consumer.events;
      consumer.on(e.GROUP_JOIN, (ev) => {
        logger.info('joined consumer group', {
          groupId: cfg.groupId,
          assignment: ev.payload.memberAssignment,
        });
        memberIds.set(consumer, ev.payload.memberId);
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
        subscriber.error(
          new KafkaIoError(
            `consuming ${cfg.topic}: brokers ${cluster.brokers.join(',')} unreachable for more than ${cfg.outageToleranceMs} ms (last error: ${why})`,
            { context: { topic: cfg.topic } },
          ),
        );
        return;
      }
      const wait = backoffMs(attempt++);
      logger.warn('consumer stopped; replacing it', { topic: cfg.topic, error: why, inMs: wait, attempt });
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        const old = current;
        current = undefined;
        // Exactly-once: what the crashed consumer handed over is committed before a new one reads the committed offsets.
        void Promise.all([disconnect(old), transactional?.flush().catch(() => undefined)]).then(() => {
          if (stopped) return;
          if (old !== undefined) leaveAsCrashed(kafka, cfg, memberIds.get(old), logger);
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
        autoCommit: !external && !pipelined && transactional === undefined,
        ...(external ? {} : { autoCommitInterval: cfg.commitIntervalMs }),
        partitionsConsumedConcurrently: cfg.concurrentPartitions,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => handOverBatch(flight, consumer, (b) => subscriber.next(b), payload),
      });
      if (pipelined && commitTimer === undefined) {
        commitTimer = setInterval(() => void commitAcked(), cfg.commitIntervalMs);
        commitTimer.unref();
      }
    };

    staleTimer = setInterval(() => {
      if (health.up && Date.now() - lastAliveMs > staleAfterMs)
        down(`no fetch or heartbeat for ${staleAfterMs} ms`);
      // A consumer that stays down without crashing (kafkajs retrying inside) still counts against the tolerance.
      const since = health.downSinceMs;
      if (
        !health.up &&
        since !== undefined &&
        lastAliveMs > 0 &&
        Date.now() - since > cfg.outageToleranceMs &&
        restartTimer === undefined
      ) {
        subscriber.error(
          new KafkaIoError(
            `consuming ${cfg.topic}: no fetch for more than ${cfg.outageToleranceMs} ms (last error: ${health.lastError ?? 'none'})`,
          ),
        );
      }
    }, 500);
    staleTimer.unref();

    start().catch((e: unknown) => {
      down(String(e));
      if (!stopped)
        subscriber.error(toKafkaIoError(`consuming ${cfg.topic} at ${cluster.brokers.join(',')}`, e));
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
      await finalCommit(cfg.topic, c, acked, transactional, logger);
      acked.clear();
      current = undefined;
      await disconnect(c);
    })();
    return closing;
  };

  return {
    batches$,
    joined,
    assignments$: assignments$.asObservable(),
    commit: (offsets, metadata) => commitExternal(cfg, current, health, offsets, metadata),
    health,
    restarts: () => restarts,
    inFlight: () => flight.inFlight,
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

/** The final commit of a clean stop (kafkajs does not commit on disconnect): a successor starts exactly after what the pipeline acknowledged. */
async function finalCommit(
  topic: string,
  c: Consumer | undefined,
  acked: ReadonlyMap<number, string>,
  transactional: TransactionalCommits | undefined,
  logger: Logger,
): Promise<void> {
  const warn = (e: unknown): void =>
    logger.warn('final commit failed; those frames will be redelivered', { error: String(e) });
  if (transactional !== undefined) {
    await withDeadline(transactional.flush(), STOP_STEP_MS, 'final commit').catch(warn);
  } else if (c !== undefined && acked.size > 0) {
    const offsets = [...acked].map(([partition, offset]) => ({ topic, partition, offset }));
    await withDeadline(c.commitOffsets(offsets), STOP_STEP_MS, 'final commit').catch(warn);
  }
}

/** Commits 'external': the caller's offsets (and metadata) through the running consumer; a no-op while none runs. */
async function commitExternal(
  cfg: KafkaSourceConfig,
  c: Consumer | undefined,
  health: LinkHealth,
  offsets: ReadonlyMap<number, string>,
  metadata: string | undefined,
): Promise<void> {
  if (offsets.size === 0 || c === undefined) return;
  // kafkajs answers a commit from a consumer that is not (yet, or no longer) in its group with
  // "Consumer group was not initialized": say why it is not.
  if (!health.up) {
    throw new KafkaIoError(
      `committing offsets of ${cfg.topic}: the consumer is not in group ${cfg.groupId} (${health.lastError ?? 'joining'})`,
      { retriable: true, context: { topic: cfg.topic } },
    );
  }
  try {
    await c.commitOffsets(
      [...offsets].map(([partition, offset]) => ({
        topic: cfg.topic,
        partition,
        offset,
        ...(metadata === undefined ? {} : { metadata }),
      })),
    );
  } catch (e) {
    throw toKafkaIoError(`committing offsets of ${cfg.topic}`, e);
  }
}
