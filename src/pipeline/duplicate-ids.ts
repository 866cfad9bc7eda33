/**
 * Event-id collisions. Outputs are keyed by event id, so two different frames under one id would
 * become two different events under one key (a compacted consumer keeps one of them). Policy:
 * the first frame seen with an id wins; a later frame with the same id and the *same content* is a
 * redelivery (at-least-once) and is processed again as usual (same outputs, same key); a later
 * frame with the same id and *different content* is dead-lettered as `duplicate_id`.
 *
 * The memory is bounded: the last `window` distinct ids per process (insertion order, oldest
 * forgotten first). Frames are keyed by event id, so every copy of an id lands on the same
 * partition and reaches the same process; a collision wider apart than the window, or across a
 * partition reassignment, is not detected (documented limit).
 */
import { createHash } from 'node:crypto';
import type { HitFrame } from '../domain/index.js';

export interface DuplicateIdGuard {
  /** 'new' (first sight), 'same' (redelivery of identical content) or 'collision'. */
  check(f: HitFrame): 'new' | 'same' | 'collision';
  readonly size: number;
}

/** The bytes of a typed array (a view, no copy). */
function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * SHA-256 of everything a frame carries but its event id: run, timestamp, the hit count, the truth,
 * then the bytes of the four hit arrays (their types are fixed by Hits: Uint8Array stations,
 * Int32Array pixels and counts, so equal values give equal bytes; fingerprints are only compared
 * within one process, so the byte order is the host's). Hashing the typed arrays' own memory in
 * native code, without copies, costs about half of what a two-lane murmur3 mix in JS did (measured
 * 11 vs 23 µs per 500-hit signal frame; it runs once per frame on the processor's main thread).
 * The string part carries the run id's length and every array's length, so fields cannot shift
 * into one another.
 */
export function frameFingerprint(f: HitFrame): string {
  const h = f.hits;
  const head = `${f.runId.length}:${f.runId}\0${f.timestampNs}\0${h.station.length}\0${h.ix.length}\0${h.iy.length}\0${h.count.length}\0${f.truth === undefined ? '' : JSON.stringify(f.truth)}`;
  return createHash('sha256')
    .update(head)
    .update(bytesOf(h.station))
    .update(bytesOf(h.ix))
    .update(bytesOf(h.iy))
    .update(bytesOf(h.count))
    .digest('base64');
}

export function createDuplicateIdGuard(window: number): DuplicateIdGuard {
  const seen = new Map<string, string>();
  return {
    get size() {
      return seen.size;
    },
    check(f) {
      if (window <= 0) return 'new';
      const fp = frameFingerprint(f);
      const prev = seen.get(f.eventId);
      if (prev !== undefined) return prev === fp ? 'same' : 'collision';
      seen.set(f.eventId, fp);
      if (seen.size > window) seen.delete(seen.keys().next().value as string);
      return 'new';
    },
  };
}
