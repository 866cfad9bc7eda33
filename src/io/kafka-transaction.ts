/**
 * Exactly-once writes (kafka.delivery exactly-once): every record a transactional producer sends
 * goes into the transaction open at the time (begun by the first send after a commit), and
 * `commit(offsets)` adds the consumed offsets to it and commits, so the outputs of a batch and the
 * offsets that say it was consumed become visible to read_committed readers together or not at
 * all.
 *
 * Contract with the caller (kafka-source.ts): `commit` is called only when every record sent so
 * far belongs to input whose offsets it passes (no batch is half-written). From the moment
 * `commit` is called until it settles, new sends wait (they go into the next transaction); sends
 * already under way are awaited first. Commits run one at a time.
 *
 * Failure: a send or commit that fails aborts the transaction (best effort; the brokers abort it
 * anyway after kafka.transactionTimeoutMs) and rejects with a KafkaIoError: its outputs are never
 * visible and its offsets not committed, so the input is read again from the last commit. A
 * producer fenced by a newer instance with the same transactional id (INVALID_PRODUCER_EPOCH, or
 * PRODUCER_FENCED from newer brokers) is a zombie: the error is not retriable and names the id.
 *
 * Visible before done: the commit's answer (EndTxn) comes once the coordinator has decided; the
 * markers that make the offsets count are written after it. Until then the group coordinator still
 * serves the previous offsets (kafkajs' OffsetFetch predates KIP-447's require_stable), so a member
 * that took a partition over in a rebalance right after would read them and redo the batch: its
 * outputs twice. `commit` therefore resolves only once `committedOffsets` serves the new offsets
 * (seen under load: 395 of 1200 events twice without this wait).
 *
 * kafkajs 2.2.4 limits (why the transactional id must be stable per instance): its TxnOffsetCommit
 * is v0/v1, without the consumer group's generation and member id (KIP-447), so the group
 * coordinator cannot reject offsets from a member that lost its partitions; only the
 * transactional id fences a predecessor. The source therefore commits before it gives up its
 * partitions (a rebalance waits for the commit) and a restarted instance reuses its id.
 */
import type { Producer, ProducerBatch, RecordMetadata, Transaction } from 'kafkajs';
import { KafkaIoError, toKafkaIoError } from './kafka-client.js';

/** What a member sees of its producer's transactions (no kafkajs type). */
export interface TransactionCommits {
  /** The transactional id (zombie fencing: a newer producer with it fences this one). */
  readonly transactionalId: string;
  /**
   * Adds partition → next offset of `topic` for `groupId` (with `metadata` on every partition, if
   * given: the excess stage's resume point) to the open transaction and commits it.
   */
  commit(
    groupId: string,
    topic: string,
    offsets: ReadonlyMap<number, string>,
    metadata?: string,
  ): Promise<void>;
  /** Aborts an open transaction (on close without a commit: nothing half-written stays pending). */
  abort(): Promise<void>;
}

export interface ProducerTransactions extends TransactionCommits {
  /** Sends records inside the open transaction (begun if none is). */
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>;
}

/** Protocol errors that mean another producer took over this transactional id. */
const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);
const FENCED_CODES = new Set([47, 90]);

export function isFencedError(e: unknown): boolean {
  for (let x: unknown = e, depth = 0; typeof x === 'object' && x !== null && depth < 6; depth++) {
    const err = x as { type?: string; code?: number; cause?: unknown; originalError?: unknown };
    if (
      (err.type !== undefined && FENCED.has(err.type)) ||
      (err.code !== undefined && FENCED_CODES.has(err.code))
    )
      return true;
    x = err.cause ?? err.originalError;
  }
  return false;
}

interface CommitRequest {
  readonly groupId: string;
  readonly topic: string;
  readonly offsets: ReadonlyMap<number, string>;
  readonly metadata: string | undefined;
}

/** The TxnOffsetCommit topics of one commit (with `metadata` on every partition, if given). */
function txnOffsets(topic: string, offsets: ReadonlyMap<number, string>, metadata: string | undefined) {
  const partitions = [...offsets].map(([partition, offset]) => ({
    partition,
    offset,
    ...(metadata === undefined ? {} : { metadata }),
  }));
  return [{ topic, partitions }];
}

/** A consumer group's committed offsets of a topic as its coordinator serves them now. */
export type CommittedOffsets = (groupId: string, topic: string) => Promise<ReadonlyMap<number, bigint>>;

/** Polls until `groupId` is served offsets at least `offsets` on `topic`; rejects after `withinMs`. */
export async function untilServed(
  committed: CommittedOffsets,
  groupId: string,
  topic: string,
  offsets: ReadonlyMap<number, string>,
  withinMs: number,
): Promise<void> {
  const t0 = Date.now();
  for (let wait = 2; ; wait = Math.min(2 * wait, 50)) {
    const served = await committed(groupId, topic);
    if ([...offsets].every(([p, o]) => (served.get(p) ?? -1n) >= BigInt(o))) return;
    if (Date.now() - t0 > withinMs)
      throw new KafkaIoError(
        `the committed offsets of ${groupId} on ${topic} were not served within ${withinMs} ms of the commit`,
        { retriable: false },
      );
    await new Promise((r) => setTimeout(r, wait));
  }
}

export function createProducerTransactions(
  producer: Producer,
  transactionalId: string,
  /** Resolves once the group coordinator serves the committed offsets (see the header; untilServed). */
  served?: (groupId: string, topic: string, offsets: ReadonlyMap<number, string>) => Promise<void>,
): ProducerTransactions {
  let open: Promise<Transaction> | undefined;
  let sending = 0;
  let drained: (() => void) | undefined;
  // Commits called and not settled: sends wait while any is (the gate closes in the call itself, with no await).
  let commitsAhead = 0;
  let gate: Promise<void> | undefined;
  let openGate: () => void = () => undefined;
  let chain: Promise<void> = Promise.resolve();

  const failure = (what: string, e: unknown): KafkaIoError =>
    isFencedError(e)
      ? new KafkaIoError(
          `${what}: fenced, another instance uses transactional id ${transactionalId} (give every live instance its own kafka.transactionalId)`,
          { cause: e, retriable: false },
        )
      : toKafkaIoError(what, e);

  const abortOpen = async (): Promise<void> => {
    const t = open;
    open = undefined;
    if (t === undefined) return;
    try {
      const tx = await t;
      if (tx.isActive()) await tx.abort();
    } catch {
      // The brokers abort it after the transaction timeout; a fenced producer cannot abort.
    }
  };

  const sendBatch = async (batch: ProducerBatch): Promise<RecordMetadata[]> => {
    while (commitsAhead > 0) await gate;
    sending++;
    try {
      const tx = await (open ??= producer.transaction());
      return await tx.sendBatch(batch);
    } catch (e) {
      // Anything but fencing as it came (the dispatcher tells retriable errors apart).
      throw isFencedError(e) ? failure(`sending in transaction ${transactionalId}`, e) : e;
    } finally {
      if (--sending === 0) drained?.();
    }
  };

  const commitNow = async ({ groupId, topic, offsets, metadata }: CommitRequest) => {
    try {
      if (sending > 0) await new Promise<void>((r) => (drained = r));
      drained = undefined;
      if (open === undefined && offsets.size === 0) return;
      try {
        const tx = await (open ??= producer.transaction());
        if (offsets.size > 0)
          await tx.sendOffsets({ consumerGroupId: groupId, topics: txnOffsets(topic, offsets, metadata) });
        await tx.commit();
        open = undefined;
        if (offsets.size > 0) await served?.(groupId, topic, offsets);
      } catch (e) {
        await abortOpen();
        throw failure(`committing transaction ${transactionalId} (offsets of ${topic})`, e);
      }
    } finally {
      if (--commitsAhead === 0) {
        gate = undefined;
        openGate();
      }
    }
  };

  return {
    transactionalId,
    sendBatch,
    commit(groupId, topic, offsets, metadata) {
      if (commitsAhead++ === 0) gate = new Promise<void>((r) => (openGate = r));
      const run = chain.then(() => commitNow({ groupId, topic, offsets, metadata }));
      chain = run.catch(() => undefined);
      return run;
    },
    abort: () => {
      const run = chain.then(abortOpen);
      chain = run;
      return run;
    },
  };
}
