/**
 * The exactly-once commits of a Kafka source (kafka.delivery exactly-once). Acknowledged offsets
 * gather here; whenever nothing handed downstream is unacknowledged, every record the producer
 * sent belongs to acknowledged input, so the gathered offsets are committed in the producer's open
 * transaction together with those outputs (kafka-transaction.ts). A fetched batch's handler
 * returns only once its offsets are committed, so kafkajs neither fetches past nor rejoins a
 * rebalancing group before the outputs of what it handed over are committed (commit before
 * revoke). A failed commit is final for this process (fail-stop): its transaction is aborted and
 * the source errors, so the process exits and its successor (same transactional id) reads again
 * from the last committed offsets; a rewind inside the process could mix outputs of batches still
 * in the pipeline into the next transaction. A commit is also refused (the same fail-stop) when
 * the member may have been dropped from its group meanwhile (`unsafe`, kafka-membership.ts).
 */
import { notCommitting } from './kafka-membership.js';

export interface TransactionalCommits {
  /** A batch of `partition` was acknowledged: `next` is the offset to read after it. Commits when nothing else is in flight. */
  acked(partition: number, next: bigint): void;
  /** Resolves once `partition` is committed past `last`; rejects with the failure if a commit failed. */
  committed(partition: number, last: bigint): Promise<void>;
  /** Waits until nothing is in flight and what was acknowledged is committed (a consumer replaced after a crash, close). */
  flush(): Promise<void>;
}

export interface TransactionalCommitsDeps {
  /** Commits partition → next offset in the producer's open transaction. */
  readonly commit: (offsets: ReadonlyMap<number, string>) => Promise<void>;
  /** Batches handed downstream and not yet acknowledged. */
  readonly inFlight: () => number;
  /** A commit failed (the caller errors the stream). */
  readonly onFailure: (e: unknown) => void;
  /** Why a commit now could land after this member's partitions moved (kafka-membership.ts): it is refused, fail-stop. */
  readonly unsafe?: () => string | undefined | Promise<string | undefined>;
}

export function createTransactionalCommits(d: TransactionalCommitsDeps): TransactionalCommits {
  const pending = new Map<number, bigint>();
  const done = new Map<number, bigint>();
  const waiters = new Set<{ p: number; last: bigint; resolve: () => void; reject: (e: unknown) => void }>();
  let failed: unknown;
  let running: Promise<void> | undefined;

  const settle = (): void => {
    for (const w of waiters) {
      if (failed !== undefined) w.reject(failed);
      else if ((done.get(w.p) ?? -1n) > w.last) w.resolve();
      else continue;
      waiters.delete(w);
    }
  };

  const commitOnce = async (): Promise<void> => {
    const offsets = new Map([...pending].map(([p, o]) => [p, o.toString()] as const));
    const snapshot = new Map(pending);
    pending.clear();
    try {
      const why = await d.unsafe?.();
      if (why !== undefined)
        throw notCommitting('the transaction', `${why}; its outputs are aborted and read again`);
      await d.commit(offsets);
      for (const [p, o] of snapshot) if (o > (done.get(p) ?? -1n)) done.set(p, o);
    } catch (e) {
      failed ??= e;
      d.onFailure(e);
    }
    settle();
  };

  const flush = (): Promise<void> => {
    running ??= (async () => {
      // Only while nothing is in flight (checked with no await before the commit closes the producer's gate).
      while (pending.size > 0 && failed === undefined && d.inFlight() === 0) await commitOnce();
    })().finally(() => (running = undefined));
    return running;
  };

  return {
    acked(partition, next) {
      if (next > (pending.get(partition) ?? -1n)) pending.set(partition, next);
      // Nothing unacknowledged: every output sent so far belongs to acknowledged input.
      if (d.inFlight() === 0 && running === undefined) void flush();
    },
    committed(p, last) {
      if (failed !== undefined) return Promise.reject(failed);
      if ((done.get(p) ?? -1n) > last) return Promise.resolve();
      return new Promise<void>((resolve, reject) => waiters.add({ p, last, resolve, reject }));
    },
    async flush() {
      for (;;) {
        await running;
        if (failed !== undefined) throw failed;
        if (pending.size === 0) return;
        if (d.inFlight() === 0) await flush();
        else await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** The transactional commits of a source given cfg.transactional (exactly-once); undefined at least once. */
export function transactionalCommitsOf(
  t: { commit(offsets: ReadonlyMap<number, string>): Promise<void> } | undefined,
  inFlight: () => number,
  onFailure: (e: unknown) => void,
  unsafe: () => Promise<string | undefined>,
): TransactionalCommits | undefined {
  return t === undefined
    ? undefined
    : createTransactionalCommits({ commit: (offsets) => t.commit(offsets), inFlight, onFailure, unsafe });
}
