import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HitFrame } from '../domain/index.js';
import { createDuplicateIdGuard, frameFingerprint } from './duplicate-ids.js';

function frame(id: string, counts: number[] = [3, 1, 4, 1, 5]): HitFrame {
  const n = counts.length;
  return {
    runId: 'run1',
    eventId: id,
    timestampNs: 1_700_000_000_000_000_000n,
    hits: {
      station: new Uint8Array(n).map((_, k) => k % 3),
      ix: new Int32Array(n).map((_, k) => 100 + k),
      iy: new Int32Array(n).fill(7),
      count: Int32Array.from(counts),
    },
  };
}

test('a redelivered frame (same content) is "same"; different content under a seen id is a collision', () => {
  const g = createDuplicateIdGuard(10);
  assert.equal(g.check(frame('a')), 'new');
  assert.equal(g.check(frame('a')), 'same');
  assert.equal(g.check(frame('a', [3, 1, 4, 1, 6])), 'collision', 'one count differs');
  assert.equal(g.check(frame('a', [3, 1, 4, 1, 5, 0])), 'collision', 'one more (zero) hit');
  assert.equal(g.check({ ...frame('a'), timestampNs: 1n }), 'collision', 'another timestamp');
  assert.equal(g.check({ ...frame('a'), runId: 'run2' }), 'collision', 'another run');
  assert.equal(g.check(frame('b', [3, 1, 4, 1, 6])), 'new');
});

test('the fingerprint ignores the event id and the array types, not the values or their order', () => {
  const f = frame('x');
  const asPlain = { ...f, eventId: 'y', hits: { ...f.hits, ix: new Int32Array([...f.hits.ix]) } };
  assert.equal(frameFingerprint(asPlain), frameFingerprint(f));
  const swapped = { ...f, hits: { ...f.hits, ix: f.hits.iy, iy: f.hits.ix } };
  assert.notEqual(frameFingerprint(swapped), frameFingerprint(f));
  // 10,000 frames differing in one count each give 10,000 distinct fingerprints.
  const fps = new Set(
    Array.from({ length: 10_000 }, (_, i) => frameFingerprint(frame('z', [i, 1, 4, 1, 5]))),
  );
  assert.equal(fps.size, 10_000);
});

test('the guard remembers the last `window` ids only; window 0 switches it off', () => {
  const g = createDuplicateIdGuard(2);
  for (const id of ['a', 'b', 'c']) g.check(frame(id));
  assert.equal(g.size, 2);
  assert.equal(g.check(frame('a', [9])), 'new', 'a was forgotten');
  assert.equal(g.check(frame('c', [9])), 'collision');
  const off = createDuplicateIdGuard(0);
  off.check(frame('a'));
  assert.equal(off.check(frame('a', [9])), 'new');
});
