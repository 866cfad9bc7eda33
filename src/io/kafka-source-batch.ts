/**
 * The batches of a Kafka source in flight, and the offsets they make committable: one BatchFlight
 * per source, across replaced consumers, owns that state; kafka-source.ts runs the consumers and
 * calls it (kafka-source.ts's header describes the modes).
 *
 * The hand-over of one fetched batch (eachBatch): frames a replacement consumer is handed again
 * are not passed on twice; the batch goes downstream with its ack (and, pipelined, its release);
 * then the handler heartbeats until kafkajs may fetch on: pipelined, once the batch is released and
 * fewer than maxInFlightMessages messages are unacknowledged (a batch is handed over only while it
 * fits under that bound); exactly-once, once its offsets are committed in the producer's
 * transaction; otherwise once the batch (and every earlier hand-over of its partition) is
 * acknowledged, its offset resolved and, unless commits are external, committed if due.
 */
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { InputBatch, InputMessage } from '../pipeline/index.js';
import type { Logger } from '../telemetry/index.js';
import { createAckedOffsets } from './acked-offsets.js';
import { STOP_STEP_MS, withDeadline } from './deadline.js';
import { transactionalCommitsOf, type TransactionalCommits } from './kafka-source-txn.js';
import type { MembershipFence } from './kafka-membership.js';

/** A promise and its resolve (Promise.withResolvers is Node 22+). */
export interface Signal {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

export function signal(): Signal {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface FlightOptions {
  readonly topic: string;
  /** Commits 'external': only what the caller commits. */
  readonly external: boolean;
  /** Fetch on once a batch is released (maxInFlightMessages set, commits 'acked'). */
  readonly pipelined: boolean;
  readonly maxInFlightMessages: number;
  readonly heartbeatIntervalMs: number;
  /** Exactly-once: acknowledged offsets are committed in the producer's transaction; a batch's handler waits for it. */
  readonly transactional?: { commit(offsets: ReadonlyMap<number, string>): Promise<void> };
  /** What the running consumer's heartbeats say of its membership (exactly-once commits are fenced by it). */
  readonly membership: MembershipFence;
  readonly logger: Logger;
}

/** What a flight reads from the source that runs it. */
export interface FlightHost {
  /** Stopped or paused: nothing more is passed on. */
  idle(): boolean;
  /** Closing: a waiting hand-over gives up. */
  stopping(): boolean;
  /** The consumer now running (a crashed one's acks are not committed on close). */
  current(): Consumer | undefined;
  /** A heartbeat failed: the consumer is down. */
  down(why: string): void;
  /** An exactly-once commit failed: the stream errors. */
  fail(e: unknown): void;
}

/** One batch handed downstream: its ack settles it (and, pipelined, releases it). */
interface Tracked {
  readonly batch: InputBatch;
  readonly done: Promise<void>;
  readonly released: Signal;
  settled(): boolean;
  isReleased(): boolean;
}

export class BatchFlight {
  /** Per partition: the last offset handed downstream, and the last acknowledged. */
  private readonly emittedUpTo = new Map<number, bigint>();
  private readonly ackedUpTo = new Map<number, bigint>();
  /** Not pipelined: the running consumer's acknowledged offsets (next to read), committed on close. */
  private readonly acked = new Map<number, string>();
  /** Pipelined: what is committable (acked-offsets.ts). */
  private readonly tracker = createAckedOffsets();
  private readonly transactional: TransactionalCommits | undefined;
  private batches = 0;
  private messages = 0;
  /** Resolves at the next ack. */
  private acknowledged = signal();
  private committing = false;
  /** The running consumer's heartbeat, from its latest hand-over (see membershipNow). */
  private lastHeartbeat: (() => Promise<void>) | undefined;

  constructor(
    private readonly o: FlightOptions,
    private readonly host: FlightHost,
  ) {
    this.transactional = transactionalCommitsOf(
      o.transactional,
      () => this.batches,
      (e) => host.fail(e),
      () => this.membershipNow(),
    );
  }

  /** Batches handed downstream and not yet acknowledged. */
  get inFlight(): number {
    return this.batches;
  }

  /** Messages handed downstream and not yet acknowledged. */
  get inFlightMessages(): number {
    return this.messages;
  }

  /** The partitions assigned to the consumer from now on (a (re)join). */
  assign(partitions: readonly number[]): void {
    this.tracker.assign(partitions);
  }

  /** A new consumer starts: the acknowledged offsets of the one before are not committed on close. */
  consumerStarted(): void {
    this.acked.clear();
  }

  /** Exactly-once: resolves once what was handed over is committed (before a replacement reads the committed offsets). */
  settle(): Promise<void> {
    return this.transactional?.flush() ?? Promise.resolve();
  }

  /** Pipelined: commits the committable offsets through `c` (one commit at a time; a failure is retried at the next call, meanwhile a crash redoes, never loses). */
  async commitAcked(c: Consumer | undefined): Promise<void> {
    const offsets = this.tracker.committable();
    if (!this.o.pipelined || this.committing || c === undefined || offsets.size === 0) return;
    this.committing = true;
    try {
      await c.commitOffsets(this.entries(offsets));
      this.tracker.committed(offsets);
    } catch (e) {
      this.o.logger.debug('commit failed; retrying at the next interval', {
        topic: this.o.topic,
        error: String(e),
      });
    } finally {
      this.committing = false;
    }
  }

  /** The final commit of a clean stop (kafkajs does not commit on disconnect): a successor starts exactly after what the pipeline acknowledged. */
  async finalCommit(c: Consumer | undefined): Promise<void> {
    const warn = (e: unknown): void =>
      this.o.logger.warn('final commit failed; those frames will be redelivered', { error: String(e) });
    const offsets = this.o.pipelined ? this.tracker.committable() : new Map(this.acked);
    this.acked.clear();
    if (this.transactional !== undefined) {
      await withDeadline(this.transactional.flush(), STOP_STEP_MS, 'final commit').catch(warn);
    } else if (c !== undefined && offsets.size > 0) {
      await withDeadline(c.commitOffsets(this.entries(offsets)), STOP_STEP_MS, 'final commit').catch(warn);
    }
  }

  /** eachBatch: hands one fetched batch over and waits until kafkajs may fetch on (see the header). */
  async handOver(
    consumer: Consumer,
    emit: (b: InputBatch) => void,
    payload: EachBatchPayload,
  ): Promise<void> {
    const { batch, isRunning, isStale } = payload;
    if (this.host.idle() || !isRunning() || isStale() || batch.messages.length === 0) return;
    this.lastHeartbeat = this.reportedHeartbeat(payload);
    const p = batch.partition;
    const last = BigInt(batch.lastOffset());
    // A consumer that replaced a crashed one is handed again what this process already passed on
    // (the crashed one could not commit it): those frames are not processed twice; their offsets
    // are resolved once the first hand-over is acknowledged. Exactly-once: a redelivered frame's
    // outputs were never committed, so it is processed again.
    const seen = this.o.external || this.transactional !== undefined ? -1n : (this.emittedUpTo.get(p) ?? -1n);
    const fresh = batch.messages.filter((m) => BigInt(m.offset) > seen);
    if (fresh.length === 0) return this.redelivered(consumer, payload, p, last);
    const messages = inputMessages(batch.topic, p, fresh);
    // No await between the last fits() and the count in track() (see fits).
    while (this.o.pipelined && !this.fits(messages.length))
      if (!(await this.waitForAcks(payload, messages.length))) return;
    if (last > seen) this.emittedUpTo.set(p, last);
    const h = this.track(consumer, p, last, messages);
    emit(h.batch);
    if (this.o.pipelined) return this.fetchOnWhenReleased(payload, h);
    if (this.transactional !== undefined) {
      const txn = this.transactional;
      await heartbeatDuring(
        h.done.then(() => txn.committed(p, last)),
        this.lastHeartbeat,
        this.o.heartbeatIntervalMs,
      );
      payload.resolveOffset(batch.lastOffset());
      return;
    }
    // Heartbeat while the pipeline works on this batch (and on earlier hand-overs of the same partition).
    const acked = (): boolean => h.settled() && (this.ackedUpTo.get(p) ?? -1n) >= last;
    if (!(await this.heartbeatUntil(payload, acked, h.done))) return;
    payload.resolveOffset(batch.lastOffset());
    if (!this.o.external) await payload.commitOffsetsIfNecessary();
    await payload.heartbeat();
  }

  /** A batch whose every frame was handed over before (by a crashed consumer): resolved once that hand-over is acknowledged. */
  private async redelivered(
    consumer: Consumer,
    payload: EachBatchPayload,
    p: number,
    last: bigint,
  ): Promise<void> {
    // Pipelined: their first hand-over's ack commits them.
    if (this.o.pipelined) {
      payload.resolveOffset(payload.batch.lastOffset());
      return;
    }
    if (!(await this.heartbeatUntil(payload, () => (this.ackedUpTo.get(p) ?? -1n) >= last, delay(50))))
      return;
    if (consumer === this.host.current()) this.acked.set(p, (last + 1n).toString());
    payload.resolveOffset(payload.batch.lastOffset());
    await payload.commitOffsetsIfNecessary();
  }

  /**
   * Pipelined: whether `n` more messages fit under maxInFlightMessages (or nothing is in flight:
   * one batch larger than the bound still moves). Batches of several partitions are fetched and
   * handed over concurrently, so the caller counts the batch in the same synchronous step as the
   * check; checking after the hand-over let the gauge reach the bound plus one batch per partition.
   */
  private fits(n: number): boolean {
    return this.messages === 0 || this.messages + n <= this.o.maxInFlightMessages;
  }

  /** Heartbeats until `n` more messages fit; false when the source stopped or the consumer went stale meanwhile. */
  private async waitForAcks(payload: EachBatchPayload, n: number): Promise<boolean> {
    if (
      !(await this.heartbeatUntil(
        payload,
        () => this.fits(n),
        () => this.acknowledged.promise,
      ))
    )
      return false;
    return !this.host.idle() && payload.isRunning() && !payload.isStale();
  }

  /** Pipelined: fetch on once this batch is reconstructed, while its outputs are written (bounded by the messages in flight). */
  private async fetchOnWhenReleased(payload: EachBatchPayload, h: Tracked): Promise<void> {
    payload.resolveOffset(payload.batch.lastOffset());
    await this.heartbeatUntil(payload, h.isReleased, h.released.promise);
    await this.heartbeatUntil(
      payload,
      () => this.messages < this.o.maxInFlightMessages,
      () => this.acknowledged.promise,
    );
  }

  /**
   * Why an exactly-once commit now could land after the group dropped this member. A fence gone
   * stale only for want of heartbeats (a start-up or a long batch kept them apart) is asked again
   * with one heartbeat first: answered, the member is in the group now and stays in it for a session.
   */
  async membershipNow(): Promise<string | undefined> {
    if (this.o.membership.unsafe() !== undefined) await this.lastHeartbeat?.().catch(() => undefined);
    return this.o.membership.unsafe();
  }

  /** payload.heartbeat, its failures told to the membership fence (its successes are, by the consumer's HEARTBEAT event). */
  private reportedHeartbeat(payload: EachBatchPayload): () => Promise<void> {
    return () =>
      payload.heartbeat().catch((e: unknown) => {
        this.o.membership.heartbeatFailed(e);
        throw e;
      });
  }

  /** Heartbeats until cond() holds; false if the source stopped meanwhile. */
  private async heartbeatUntil(
    payload: EachBatchPayload,
    cond: () => boolean,
    wake: Promise<unknown> | (() => Promise<unknown>),
  ): Promise<boolean> {
    while (!cond()) {
      await Promise.race([typeof wake === 'function' ? wake() : wake, delay(this.o.heartbeatIntervalMs)]);
      if (cond()) break;
      if (this.host.stopping()) return false;
      await this.reportedHeartbeat(payload)().catch((e: unknown) => {
        this.host.down(e instanceof Error ? e.message : String(e));
        throw e;
      });
    }
    return true;
  }

  /** Counts one batch in flight and makes its ack (and, pipelined, its release). */
  private track(consumer: Consumer, p: number, last: bigint, messages: InputMessage[]): Tracked {
    let ack!: () => void;
    const done = new Promise<void>((resolve) => (ack = resolve));
    let settled = false;
    let released = false;
    const releasedSignal = signal();
    const release = (): void => {
      released = true;
      releasedSignal.resolve();
    };
    this.batches++;
    this.messages += messages.length;
    const tracked = this.o.pipelined ? this.tracker.handOver(p, last) : undefined;
    const batch: InputBatch = {
      messages,
      ...(this.o.pipelined ? { release } : {}),
      ack: () => {
        if (settled) return;
        settled = true;
        release();
        this.acknowledge(consumer, p, last, messages.length, tracked);
        ack();
      },
    };
    return { batch, done, released: releasedSignal, settled: () => settled, isReleased: () => released };
  }

  /** One batch of `n` messages of partition `p`, up to `last`, was acknowledged (`tracked`: its pipelined ack). */
  private acknowledge(consumer: Consumer, p: number, last: bigint, n: number, tracked?: () => void): void {
    this.batches--;
    this.messages -= n;
    tracked?.();
    const a = this.acknowledged;
    this.acknowledged = signal();
    a.resolve();
    if (last > (this.ackedUpTo.get(p) ?? -1n)) this.ackedUpTo.set(p, last);
    // Only the current consumer's acks are committed on close; a crashed one's batches are redelivered anyway.
    if (consumer === this.host.current() && !this.o.external && !this.o.pipelined)
      this.acked.set(p, (last + 1n).toString());
    // Every ack, a replaced consumer's too: its outputs are in the open transaction.
    this.transactional?.acked(p, last + 1n);
  }

  private entries(
    offsets: ReadonlyMap<number, string>,
  ): { topic: string; partition: number; offset: string }[] {
    return [...offsets].map(([partition, offset]) => ({ topic: this.o.topic, partition, offset }));
  }
}

/** The pipeline's messages of a fetched batch (received now). */
function inputMessages(
  topic: string,
  partition: number,
  fresh: EachBatchPayload['batch']['messages'],
): InputMessage[] {
  const receivedAtNs = BigInt(Date.now()) * 1_000_000n;
  return fresh.map((m) => ({
    key: m.key,
    value: m.value ?? new Uint8Array(0),
    receivedAtNs,
    topic,
    partition,
    offset: m.offset,
    timestampMs: Number(m.timestamp),
  }));
}

/**
 * Exactly-once: heartbeats until `work` settles, then throws its rejection or the first heartbeat
 * failure. A rebalance (or a lost coordinator) seen by a heartbeat does not end the wait: kafkajs
 * rejoins only after this handler returns, so the batch's outputs and offsets are committed
 * before its partition can move (kafkajs' transactional offset commits carry no group
 * generation that would fence a late one). Heartbeats go on after a failure: during a rebalance
 * they keep the session, so the group waits for this member (up to its rebalance timeout, which
 * the membership fence watches) instead of dropping it while it commits.
 */
export async function heartbeatDuring(
  work: Promise<void>,
  heartbeat: () => Promise<void>,
  intervalMs: number,
): Promise<void> {
  let finished = false;
  const settled = work.then(
    () => (finished = true),
    () => (finished = true),
  );
  let failure: unknown;
  while (!finished) {
    await Promise.race([settled, delay(intervalMs)]);
    if (finished) continue;
    await heartbeat().catch((e: unknown) => (failure ??= e ?? new Error('heartbeat failed')));
  }
  await work;
  if (failure !== undefined) throw failure;
}
