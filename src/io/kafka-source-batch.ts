/**
 * The hand-over of one fetched batch (kafka-source.ts's eachBatch; its header describes the two
 * modes). Frames a replacement consumer is handed again are not passed on twice; the batch goes
 * downstream with its ack (and, pipelined, its release); then the handler heartbeats until kafkajs
 * may fetch on: pipelined, once the batch is released and fewer than maxInFlightMessages messages
 * are unacknowledged (a batch is handed over only while it fits under that bound); otherwise once the batch (and every earlier hand-over of its partition) is
 * acknowledged, its offset resolved and, unless commits are external, committed if due.
 */
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { InputBatch, InputMessage } from '../pipeline/index.js';
import type { AckedOffsets } from './acked-offsets.js';
import type { TransactionalCommits } from './kafka-source-txn.js';

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

/** What the source shares with every hand-over, across replaced consumers. */
export interface HandOverState {
  /** Commits 'external': only what the caller commits. */
  readonly external: boolean;
  /** Fetch on once a batch is released (maxInFlightMessages set, commits 'acked'). */
  readonly pipelined: boolean;
  readonly maxInFlightMessages: number;
  readonly heartbeatIntervalMs: number;
  /** Per partition: the last offset handed downstream, and the last acknowledged. */
  readonly emittedUpTo: Map<number, bigint>;
  readonly ackedUpTo: Map<number, bigint>;
  /** Not pipelined: acknowledged, not yet committed, next offset to read per partition (committed on close). */
  readonly acked: Map<number, string>;
  /** Pipelined: what is committable (acked-offsets.ts). */
  readonly tracker: AckedOffsets;
  /** Exactly-once: acknowledged offsets are committed in the producer's transaction; a batch's handler waits for it. */
  readonly transactional: TransactionalCommits | undefined;
  /** Batches and messages handed downstream and not yet acknowledged; `acknowledged` resolves at the next ack. */
  inFlight: number;
  inFlightMessages: number;
  acknowledged: Signal;
  /** Stopped or paused: nothing more is passed on. */
  idle(): boolean;
  /** Closing: a waiting hand-over gives up. */
  stopping(): boolean;
  /** The consumer now running (a crashed one's acks are not committed on close). */
  current(): Consumer | undefined;
  down(why: string): void;
}

export async function handOverBatch(
  s: HandOverState,
  consumer: Consumer,
  emit: (b: InputBatch) => void,
  payload: EachBatchPayload,
): Promise<void> {
  const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
  if (s.idle() || !isRunning() || isStale() || batch.messages.length === 0) return;
  const p = batch.partition;
  const last = BigInt(batch.lastOffset());
  /** Heartbeats until cond() holds; false if the source stopped meanwhile. */
  const heartbeatUntil = async (
    cond: () => boolean,
    wake: Promise<unknown> | (() => Promise<unknown>),
  ): Promise<boolean> => {
    while (!cond()) {
      await Promise.race([typeof wake === 'function' ? wake() : wake, delay(s.heartbeatIntervalMs)]);
      if (cond()) break;
      if (s.stopping()) return false;
      await heartbeat().catch((e: unknown) => {
        s.down(e instanceof Error ? e.message : String(e));
        throw e;
      });
    }
    return true;
  };
  // A consumer that replaced a crashed one is handed again what this process already passed
  // on (the crashed one could not commit it): those frames are not processed twice; their
  // offsets are resolved once the first hand-over is acknowledged.
  // Exactly-once: a redelivered frame's outputs were never committed, so it is processed again.
  const seen = s.external || s.transactional !== undefined ? -1n : (s.emittedUpTo.get(p) ?? -1n);
  const fresh = batch.messages.filter((m) => BigInt(m.offset) > seen);
  if (fresh.length === 0 && s.pipelined) {
    // Their first hand-over's ack commits them.
    resolveOffset(batch.lastOffset());
    return;
  }
  if (fresh.length === 0) {
    if (!(await heartbeatUntil(() => (s.ackedUpTo.get(p) ?? -1n) >= last, delay(50)))) return;
    if (consumer === s.current()) s.acked.set(p, (last + 1n).toString());
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
  // Pipelined: a batch goes downstream only while it fits under maxInFlightMessages (or nothing is
  // in flight: one batch larger than the bound still moves). Batches of several partitions are
  // fetched and handed over concurrently; checking after the hand-over let the gauge reach the
  // bound plus one batch per partition. No await between the last check and the count below.
  const fits = (): boolean =>
    s.inFlightMessages === 0 || s.inFlightMessages + messages.length <= s.maxInFlightMessages;
  while (s.pipelined && !fits()) {
    if (!(await heartbeatUntil(fits, () => s.acknowledged.promise)) || s.idle() || !isRunning() || isStale())
      return;
  }
  if (last > seen) s.emittedUpTo.set(p, last);
  const h = handOver(s, consumer, p, last, messages);
  const { done, released, releasedSignal } = h;
  emit(h.batch);
  if (s.pipelined) {
    // Fetch on once this batch is reconstructed, while its outputs are written (bounded by the messages in flight).
    resolveOffset(batch.lastOffset());
    await heartbeatUntil(released, releasedSignal.promise);
    await heartbeatUntil(
      () => s.inFlightMessages < s.maxInFlightMessages,
      () => s.acknowledged.promise,
    );
    return;
  }
  if (s.transactional !== undefined) {
    const txn = s.transactional;
    await heartbeatDuring(
      done.then(() => txn.committed(p, last)),
      heartbeat,
      s.heartbeatIntervalMs,
    );
    resolveOffset(batch.lastOffset());
    return;
  }
  // Heartbeat while the pipeline works on this batch (and on earlier hand-overs of the same partition).
  if (!(await heartbeatUntil(() => h.settled() && (s.ackedUpTo.get(p) ?? -1n) >= last, done))) return;
  resolveOffset(batch.lastOffset());
  if (!s.external) await commitOffsetsIfNecessary();
  await heartbeat();
}

/** Counts one batch in flight and makes its ack (and, pipelined, its release). */
function handOver(
  s: HandOverState,
  consumer: Consumer,
  p: number,
  last: bigint,
  messages: InputMessage[],
): {
  batch: InputBatch;
  done: Promise<void>;
  settled: () => boolean;
  released: () => boolean;
  releasedSignal: Signal;
} {
  let ack!: () => void;
  const done = new Promise<void>((resolve) => (ack = resolve));
  let settled = false;
  let released = false;
  const releasedSignal = signal();
  const release = (): void => {
    released = true;
    releasedSignal.resolve();
  };
  s.inFlight++;
  s.inFlightMessages += messages.length;
  const tracked = s.pipelined ? s.tracker.handOver(p, last) : undefined;
  const batch: InputBatch = {
    messages,
    ...(s.pipelined ? { release } : {}),
    ack: () => {
      if (settled) return;
      settled = true;
      release();
      s.inFlight--;
      s.inFlightMessages -= messages.length;
      tracked?.();
      const a = s.acknowledged;
      s.acknowledged = signal();
      a.resolve();
      if (last > (s.ackedUpTo.get(p) ?? -1n)) s.ackedUpTo.set(p, last);
      // Only the current consumer's acks are committed on close; a crashed one's batches are redelivered anyway.
      if (consumer === s.current() && !s.external && !s.pipelined) s.acked.set(p, (last + 1n).toString());
      // Every ack, a replaced consumer's too: its outputs are in the open transaction.
      s.transactional?.acked(p, last + 1n);
      ack();
    },
  };
  return { batch, done, settled: () => settled, released: () => released, releasedSignal };
}

/**
 * Exactly-once: heartbeats until `work` settles, then throws its rejection or the first heartbeat
 * failure. A rebalance (or a lost coordinator) seen by a heartbeat does not end the wait: kafkajs
 * rejoins only after this handler returns, so the batch's outputs and offsets are committed
 * before its partition can move (kafkajs' transactional offset commits carry no group
 * generation that would fence a late one).
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
    if (finished || failure !== undefined) continue;
    await heartbeat().catch((e: unknown) => (failure = e ?? new Error('heartbeat failed')));
  }
  await work;
  if (failure !== undefined) throw failure;
}
