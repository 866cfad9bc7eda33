import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketQuantile } from '../numerics/index.js';
import { InputRateBins, Ring } from './series.js';

test('bucketQuantile interpolates inside the bucket holding the rank, as histogram_quantile', () => {
  // 10 observations: 4 in (0, 0.1], 4 in (0.1, 0.5], 2 in (0.5, 1]
  const b = [
    { le: 0.1, count: 4 },
    { le: 0.5, count: 8 },
    { le: 1, count: 10 },
    { le: Infinity, count: 10 },
  ];
  assert.equal(bucketQuantile(0.2, b), 0.05);
  assert.ok(Math.abs(bucketQuantile(0.5, b)! - 0.2) < 1e-12); // rank 5: 1/4 into (0.1, 0.5]
  assert.ok(Math.abs(bucketQuantile(0.99, b)! - 0.975) < 1e-12);
  assert.equal(
    bucketQuantile(0.5, [
      { le: 1, count: 0 },
      { le: Infinity, count: 0 },
    ]),
    null,
    'nothing observed',
  );
  assert.equal(
    bucketQuantile(0.99, [
      { le: 1, count: 1 },
      { le: Infinity, count: 5 },
    ]),
    1,
    'rank in +Inf: the largest finite bound',
  );
});

test('Ring keeps the newest items only', () => {
  const r = new Ring<number>(3);
  r.push(1, 2);
  r.push(3, 4, 5);
  assert.deepEqual(r.toArray(), [3, 4, 5]);
  assert.equal(
    r.find((x) => x < 5),
    4,
    'find searches newest first',
  );
  assert.throws(() => new Ring(0), RangeError);
});

test('InputRateBins counts per step bin, closes empty bins as zero and compares with the trailing mean', () => {
  const s = 1_000_000_000n;
  const t0 = 1_700_000_000n * s;
  const bins = new InputRateBins({ stepS: 1, trailingS: 3, latenessS: 0 });
  const at = (sec: number, n: number): bigint[] =>
    Array.from({ length: n }, (_, i) => t0 + BigInt(sec) * s + BigInt(i));
  assert.deepEqual(bins.add(at(0, 10)), [], 'nothing closes while the first bin is open');
  const closed = bins.add([...at(1, 10), ...at(2, 10), ...at(4, 40)]);
  assert.deepEqual(
    closed.map((p) => p.hz),
    [10, 10, 10, 0],
    'bins 0–3 closed, bin 3 empty',
  );
  assert.equal(closed[0]!.tS, 1_700_000_001, 'a point is stamped with its bin end');
  assert.equal(closed[2]!.expectedHz, null, 'no band before the trailing window filled');
  assert.equal(closed[3]!.expectedHz, 10);
  assert.ok(closed[3]!.bandLoHz! < 10 - 6 && closed[3]!.bandHiHz! > 10 + 6, '±2√10');
  const late = bins.add([...at(1, 100), ...at(6, 1)]);
  assert.deepEqual(
    late.map((p) => p.hz),
    [40, 0],
    'events of closed bins are ignored',
  );
});
