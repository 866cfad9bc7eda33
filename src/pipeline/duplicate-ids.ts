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
import type { HitFrame } from '../domain/index.js';

export interface DuplicateIdGuard {
  /** 'new' (first sight), 'same' (redelivery of identical content) or 'collision'. */
  check(f: HitFrame): 'new' | 'same' | 'collision';
  readonly size: number;
}

/**
 * Two independent 32-bit lanes of murmur3's block mix over a stream of 32-bit values: a 64-bit
 * fingerprint, ~20x cheaper than SHA-1 over copies of the hit arrays (it ran once per frame on the
 * processor's hot path). Not cryptographic: it tells a redelivery from a different frame under the
 * same id (false "same" ~2^-64 per comparison), it does not defend against crafted collisions.
 */
class Lanes {
  a = 0x2b7e1516;
  b = 0x7f4a7c15;
  n = 0;
  add(v: number): void {
    let k = Math.imul(v, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    this.a ^= k;
    this.a = (Math.imul((this.a << 13) | (this.a >>> 19), 5) + 0xe6546b64) | 0;
    let j = Math.imul(v ^ 0x9e3779b9, 0x85ebca6b);
    j = Math.imul((j << 16) | (j >>> 16), 0xc2b2ae35);
    this.b ^= j;
    this.b = (Math.imul((this.b << 17) | (this.b >>> 15), 9) + 0x52dce729) | 0;
    this.n++;
  }
  /** Values, then the count: [1,2] and [1,2,0] differ. */
  array(xs: ArrayLike<number>): void {
    for (let i = 0; i < xs.length; i++) this.add(xs[i]!);
    this.add(xs.length);
  }
  text(s: string): void {
    for (let i = 0; i < s.length; i++) this.add(s.charCodeAt(i));
    this.add(s.length);
  }
  digest(): string {
    const fin = (h: number): number => {
      h ^= this.n;
      h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      return (h ^ (h >>> 16)) >>> 0;
    };
    return fin(this.a).toString(16).padStart(8, '0') + fin(this.b).toString(16).padStart(8, '0');
  }
}

/** A fingerprint of everything a frame carries but its event id (hit arrays by value, whatever their array type). */
export function frameFingerprint(f: HitFrame): string {
  const h = new Lanes();
  h.text(f.runId);
  h.text(f.timestampNs.toString());
  h.array(f.hits.station);
  h.array(f.hits.ix);
  h.array(f.hits.iy);
  h.array(f.hits.count);
  h.text(f.truth === undefined ? '' : JSON.stringify(f.truth));
  return h.digest();
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
