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
 * Files: this one runs the consumers (restarts, health, staleness, close: class SourceRun);
 * kafka-source-batch.ts owns what is in flight and the offsets it makes committable (class
 * BatchFlight, one per source, across replaced consumers) and hands each fetched batch over;
 * kafka-source-config.ts holds the options, their defaults and the handle.
 */
import { Observable, ReplaySubject, type Subscriber } from 'rxjs';
import type { Consumer, Kafka } from 'kafkajs';
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
import { backoffMs, createLinkHealth, type LinkHealth, type MutableLinkHealth } from './link-health.js';
import { boundedDisconnect } from './deadline.js';
import { BatchFlight, type FlightHost } from './kafka-source-batch.js';
import { consumerOptions, type KafkaSource, type KafkaSourceConfig } from './kafka-source-config.js';
import { leaveAsCrashed } from './kafka-group-leave.js';
import { createMembershipFence, type MembershipFence } from './kafka-membership.js';

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
  const run = new SourceRun(cluster, cfg, logger);
  return {
    batches$: new Observable<InputBatch>((subscriber) => run.open(subscriber)),
    joined: run.joined,
    assignments$: run.assignments$.asObservable(),
    commit: (offsets, metadata) => commitExternal(cfg, run.consumer, run.health, offsets, metadata),
    health: run.health,
    restarts: () => run.restarts,
    inFlight: () => run.flight.inFlight,
    membershipUnsafe: () => run.flight.membershipNow(),
    pause: () => run.pause(),
    close: () => run.close(),
  };
}

/** The consumers of one source over time: one runs at a time, a crashed one is replaced (see the header). */
class SourceRun implements FlightHost {
  readonly health: MutableLinkHealth = createLinkHealth(false);
  readonly assignments$ = new ReplaySubject<readonly number[]>(1);
  /** Resolves once the first consumer joined its group. */
  readonly joined: Promise<void>;
  readonly flight: BatchFlight;
  /** What the running consumer's heartbeats say of its group membership (exactly-once commits are fenced by it). */
  readonly membership: MembershipFence;
  /** The consumer now running. */
  consumer: Consumer | undefined;
  restarts = 0;
  private readonly kafka: Kafka;
  private readonly external: boolean;
  /** Pipelined mode (see the header); exactly-once waits for each batch's commit instead. */
  private readonly pipelined: boolean;
  /**
   * A consumer is alive if it fetched or heartbeated this recently (a long synchronous inference
   * batch can delay both by a few seconds without anything being wrong).
   */
  private readonly staleAfterMs: number;
  /** The group member id of each consumer (a crashed one is taken out of the group by it). */
  private readonly memberIds = new WeakMap<Consumer, string>();
  private markJoined: () => void = () => undefined;
  private subscriber: Subscriber<InputBatch> | undefined;
  private lastAliveMs = 0;
  private attempt = 0;
  private stopped = false;
  private paused = false;
  private closing: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private staleTimer: NodeJS.Timeout | undefined;
  private commitTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cluster: KafkaCluster,
    private readonly cfg: KafkaSourceConfig,
    private readonly logger: Logger,
  ) {
    this.kafka = clientOf(cluster).kafka;
    this.external = cfg.commits === 'external';
    this.pipelined =
      !this.external && cfg.transactional === undefined && cfg.maxInFlightMessages !== undefined;
    this.staleAfterMs = Math.max(5 * cfg.heartbeatIntervalMs, 10_000);
    this.joined = new Promise<void>((resolve) => (this.markJoined = resolve));
    this.flight = new BatchFlight(
      {
        topic: cfg.topic,
        external: this.external,
        pipelined: this.pipelined,
        maxInFlightMessages: cfg.maxInFlightMessages ?? Infinity,
        heartbeatIntervalMs: cfg.heartbeatIntervalMs,
        ...(cfg.transactional === undefined ? {} : { transactional: cfg.transactional }),
        membership: (this.membership = createMembershipFence(cfg)),
        logger,
      },
      this,
    );
  }

  idle(): boolean {
    return this.stopped || this.paused;
  }

  stopping(): boolean {
    return this.stopped && this.closing !== undefined;
  }

  current(): Consumer | undefined {
    return this.consumer;
  }

  down(why: string): void {
    this.health.markDown(why);
  }

  fail(e: unknown): void {
    this.subscriber?.error(e);
  }

  /** The stream's subscription: starts the first consumer and the staleness check; unsubscribing closes. */
  open(subscriber: Subscriber<InputBatch>): () => void {
    this.subscriber = subscriber;
    this.staleTimer = setInterval(() => this.checkStale(), 500);
    this.staleTimer.unref();
    this.start().catch((e: unknown) => {
      this.down(String(e));
      if (!this.stopped)
        subscriber.error(
          toKafkaIoError(`consuming ${this.cfg.topic} at ${this.cluster.brokers.join(',')}`, e),
        );
    });
    return () => void this.close();
  }

  pause(): void {
    this.paused = true;
    try {
      this.consumer?.pause([{ topic: this.cfg.topic }]);
    } catch (e) {
      this.logger.debug('consumer pause failed', { error: String(e) });
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopped = true;
      clearTimeout(this.restartTimer);
      clearInterval(this.staleTimer);
      clearInterval(this.commitTimer);
      this.restartTimer = undefined;
      const c = this.consumer;
      this.down('stopped');
      await this.flight.finalCommit(c);
      this.consumer = undefined;
      await this.disconnect(c);
    })();
    return this.closing;
  }

  private async start(): Promise<void> {
    const consumer = this.makeConsumer();
    this.consumer = consumer;
    this.flight.consumerStarted();
    await consumer.connect();
    await consumer.subscribe({ topic: this.cfg.topic, fromBeginning: this.cfg.fromBeginning });
    await consumer.run({
      // Offsets are resolved only after the ack, so committing the resolved offsets commits
      // only acknowledged ones. They are committed every commitIntervalMs rather than after
      // every batch: a commit round trip per batch would hold up the next fetch (latency), and
      // a crash redelivers at most one interval of frames, whose outputs are idempotent by id.
      autoCommit: !this.external && !this.pipelined && this.cfg.transactional === undefined,
      ...(this.external ? {} : { autoCommitInterval: this.cfg.commitIntervalMs }),
      partitionsConsumedConcurrently: this.cfg.concurrentPartitions,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.flight.handOver(consumer, (b) => this.subscriber?.next(b), payload),
    });
    if (this.pipelined && this.commitTimer === undefined) {
      this.commitTimer = setInterval(
        () => void this.flight.commitAcked(this.consumer),
        this.cfg.commitIntervalMs,
      );
      this.commitTimer.unref();
    }
  }

  private makeConsumer(): Consumer {
    const consumer = this.kafka.consumer(consumerOptions(this.cfg));
    const e = consumer.events;
    consumer.on(e.GROUP_JOIN, (ev) => this.joinedGroup(consumer, ev.payload));
    consumer.on(e.FETCH, () => this.alive());
    consumer.on(e.HEARTBEAT, () => {
      if (consumer === this.consumer) this.membership.heartbeatOk();
      this.alive();
    });
    // Pipelined: commit what is acknowledged before the partitions may move (less for the next owner to redo).
    consumer.on(e.REBALANCING, () => void this.flight.commitAcked(this.consumer));
    consumer.on(e.CRASH, (ev) => this.crashed(consumer, ev.payload.error));
    return consumer;
  }

  private joinedGroup(
    consumer: Consumer,
    p: { memberId: string; memberAssignment: Record<string, number[] | undefined> },
  ): void {
    this.logger.info('joined consumer group', { groupId: this.cfg.groupId, assignment: p.memberAssignment });
    this.memberIds.set(consumer, p.memberId);
    if (consumer === this.consumer) this.membership.joined();
    const mine = [...(p.memberAssignment[this.cfg.topic] ?? [])];
    this.flight.assign(mine);
    this.assignments$.next(mine);
    this.attempt = 0;
    this.alive();
    this.markJoined();
  }

  private alive(): void {
    if (this.stopped) return;
    this.lastAliveMs = Date.now();
    if (!this.health.up)
      this.logger.info('consumer fetching', { topic: this.cfg.topic, restarts: this.restarts });
    this.health.markUp();
  }

  private crashed(consumer: Consumer, err: Error): void {
    if (consumer !== this.consumer) return;
    this.down(err.message);
    if (this.stopped) return;
    // Anything but a fatal error (authentication, TLS trust) is worth a fresh consumer: kafkajs calls
    // a coordinator lost during a broker restart "non-retriable", yet a new consumer recovers.
    if (isFatalKafkaError(err)) this.subscriber?.error(toKafkaIoError(`consuming ${this.cfg.topic}`, err));
    else this.scheduleRestart(`${err.name}: ${err.message}`);
  }

  private scheduleRestart(why: string): void {
    if (this.stopped || this.restartTimer !== undefined) return;
    const since = this.health.downSinceMs ?? Date.now();
    if (Date.now() - since > this.cfg.outageToleranceMs) {
      this.subscriber?.error(
        new KafkaIoError(
          `consuming ${this.cfg.topic}: brokers ${this.cluster.brokers.join(',')} unreachable for more than ${this.cfg.outageToleranceMs} ms (last error: ${why})`,
          { context: { topic: this.cfg.topic } },
        ),
      );
      return;
    }
    const wait = backoffMs(this.attempt++);
    this.logger.warn('consumer stopped; replacing it', {
      topic: this.cfg.topic,
      error: why,
      inMs: wait,
      attempt: this.attempt,
    });
    this.restartTimer = setTimeout(() => this.replace(), wait);
  }

  /** Disconnects the crashed consumer and starts a new one (exactly-once: once what the crashed one handed over is committed). */
  private replace(): void {
    this.restartTimer = undefined;
    const old = this.consumer;
    this.consumer = undefined;
    // Exactly-once: commit (fenced) what it handed over before the disconnect lets its partitions move.
    const settled = this.flight.settle().catch(() => undefined);
    const gone =
      this.cfg.transactional === undefined
        ? Promise.all([this.disconnect(old), settled])
        : settled.then(() => this.disconnect(old));
    void gone.then(() => {
      if (this.stopped) return;
      if (old !== undefined) leaveAsCrashed(this.kafka, this.cfg, this.memberIds.get(old), this.logger);
      this.restarts++;
      this.start().catch((e: unknown) => {
        this.down(String(e));
        if (isRetriableKafkaError(e)) this.scheduleRestart(e instanceof Error ? e.message : String(e));
        else this.subscriber?.error(toKafkaIoError(`consuming ${this.cfg.topic}`, e));
      });
    });
  }

  /** Down after staleAfterMs without a fetch or heartbeat; a consumer that stays down without crashing (kafkajs retrying inside) still counts against the tolerance. */
  private checkStale(): void {
    const h = this.health;
    if (h.up && Date.now() - this.lastAliveMs > this.staleAfterMs)
      this.down(`no fetch or heartbeat for ${this.staleAfterMs} ms`);
    const since = h.downSinceMs;
    if (
      !h.up &&
      since !== undefined &&
      this.lastAliveMs > 0 &&
      Date.now() - since > this.cfg.outageToleranceMs &&
      this.restartTimer === undefined
    ) {
      this.subscriber?.error(
        new KafkaIoError(
          `consuming ${this.cfg.topic}: no fetch for more than ${this.cfg.outageToleranceMs} ms (last error: ${h.lastError ?? 'none'})`,
        ),
      );
    }
  }

  private async disconnect(c: Consumer | undefined): Promise<void> {
    if (c === undefined) return;
    await boundedDisconnect(
      () => c.disconnect(),
      (error) => this.logger.warn('consumer disconnect failed', { error }),
      'consumer',
    );
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
