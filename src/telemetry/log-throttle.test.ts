import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogThrottle } from './log-throttle.js';

test('a repeated warning: one line per interval, carrying every occurrence since the last one', () => {
  const t = createLogThrottle(10_000);
  assert.equal(t.note(3, 0), 3); // the first is logged at once
  // 10 lines a second for 9.9 s: none logged, all summed
  for (let ms = 100; ms < 10_000; ms += 100) assert.equal(t.note(2, ms), undefined);
  assert.equal(t.note(1, 10_000), 99 * 2 + 1);
  assert.equal(t.note(5, 10_001), undefined);
  assert.equal(t.note(0, 25_000), 5);
});
