/**
 * The offsets a pipelined Kafka source may commit (at-least-once). Batches are handed downstream
 * per partition in offset order; a batch's acknowledgement makes its offsets committable only once
 * every batch handed over before it on that partition is acknowledged too, so acks may come in any
 * order without a commit ever passing an unacknowledged frame. Only the partitions assigned since
 * the last (re)join are committed: a partition that moved is the new owner's to redo and commit.
 * No I/O here: the source commits what `committable` returns.
 */
export interface AckedOffsets {
  /** Records a batch handed downstream (its last offset); returns its ack (idempotent). */
  handOver(partition: number, last: bigint): () => void;
  /** Partition → next offset to read: acknowledged, not yet committed, assigned. */
  committable(): Map<number, string>;
  /** After a successful commit of `offsets` (an entry a later ack advanced meanwhile stays). */
  committed(offsets: ReadonlyMap<number, string>): void;
  /** The partitions assigned from now on (a rejoin). */
  assign(partitions: readonly number[]): void;
}

export function createAckedOffsets(): AckedOffsets {
  const pending = new Map<number, { last: bigint; done: boolean }[]>();
  const ready = new Map<number, string>();
  let assigned = new Set<number>();
  return {
    handOver(partition, last) {
      let q = pending.get(partition);
      if (q === undefined) pending.set(partition, (q = []));
      const entry = { last, done: false };
      q.push(entry);
      return () => {
        if (entry.done) return;
        entry.done = true;
        let upTo: bigint | undefined;
        while (q[0]?.done === true) upTo = q.shift()!.last;
        if (upTo !== undefined && assigned.has(partition)) ready.set(partition, (upTo + 1n).toString());
      };
    },
    committable: () => new Map(ready),
    committed(offsets) {
      for (const [p, o] of offsets) if (ready.get(p) === o) ready.delete(p);
    },
    assign(partitions) {
      assigned = new Set(partitions);
      for (const p of [...ready.keys()]) if (!assigned.has(p)) ready.delete(p);
    },
  };
}
