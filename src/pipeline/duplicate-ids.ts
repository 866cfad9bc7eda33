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

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** A fingerprint of everything a frame carries but its event id. */
export function frameFingerprint(f: HitFrame): string {
  const h = createHash('sha1');
  h.update(f.runId).update('\0').update(f.timestampNs.toString()).update('\0');
  // Typed arrays are hashed as their values (Int32 little-endian), independent of the decoder's array type.
  h.update(bytesOf(Uint8Array.from(f.hits.station)));
  h.update(bytesOf(Int32Array.from(f.hits.ix)));
  h.update(bytesOf(Int32Array.from(f.hits.iy)));
  h.update(bytesOf(Int32Array.from(f.hits.count)));
  if (f.truth !== undefined) h.update(JSON.stringify(f.truth));
  return h.digest('base64');
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
