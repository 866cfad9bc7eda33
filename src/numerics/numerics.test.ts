import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ContractError } from '../domain/index.js';
import { inverseNormalCdf, logGamma, meanStd, median, quantile, weightedMedianInt } from './index.js';

test('ln Γ matches exact values: Γ(n) = (n−1)!, Γ(½) = √π, and the reflection below ½', () => {
  for (let n = 1; n <= 20; n++) {
    let f = 1;
    for (let k = 2; k < n; k++) f *= k;
    assert.ok(Math.abs(logGamma(n) - Math.log(f)) < 1e-12 * Math.max(1, Math.log(f)), `n = ${n}`);
  }
  assert.ok(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-14);
  assert.ok(Math.abs(logGamma(0.1) - Math.log(9.513507698668732)) < 1e-13);
  assert.throws(() => logGamma(0), ContractError);
});

test("Φ⁻¹ inverts the normal CDF to Acklam's 1.15e-9 in both tails and the centre", () => {
  const cases: [number, number][] = [
    [0.5, 0],
    [0.975, 1.959963984540054],
    [0.025, -1.959963984540054],
    [1e-10, -6.361340902404056],
    [0.8413447460685429, 1],
  ];
  for (const [p, z] of cases)
    assert.ok(Math.abs(inverseNormalCdf(p) - z) <= 1.2e-9 * Math.max(1, Math.abs(z)), `p = ${p}`);
});

test('quantile interpolates between order statistics (numpy default); meanStd is the sample std', () => {
  const v = [1, 2, 3, 4, 10];
  assert.equal(quantile(v, 0), 1);
  assert.equal(quantile(v, 1), 10);
  assert.equal(quantile(v, 0.5), 3);
  assert.ok(Math.abs(quantile(v, 0.9) - 7.6) < 1e-12); // 4 + 0.6·(10 − 4)
  assert.ok(Number.isNaN(quantile([], 0.5)));
  const s = meanStd(v);
  assert.equal(s.mean, 4);
  assert.ok(Math.abs(s.std - Math.sqrt(50 / 4)) < 1e-12);
  assert.deepEqual(meanStd(v, 0, 5), { n: 4, mean: 2.5, std: Math.sqrt(5 / 3) });
  assert.equal(meanStd([7]).std, 0);
});

test('weightedMedianInt equals a sorted reference on every path (in order, histogram, wide span)', () => {
  let s = 4242;
  const rnd = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  /** Reference: stable sort of the positions by value, first value reaching half the weight. */
  const reference = (v: number[], w: number[], idx: number[], a: number, b: number): number => {
    const ks = idx.slice(a, b).sort((p, q) => v[p]! - v[q]!);
    const total = ks.reduce((t, k) => t + w[k]!, 0);
    let acc = 0;
    for (const k of ks) if (2 * (acc += w[k]!) >= total) return v[k]!;
    return v[ks.at(-1)!]!;
  };
  for (let trial = 0; trial < 300; trial++) {
    const n = 1 + Math.floor(rnd() * 200);
    const span = [3, 50, 1800, 200_000][trial % 4]!;
    const v = Array.from({ length: n }, () => Math.floor(rnd() * span) - (trial % 3 === 0 ? 17 : 0));
    if (trial % 5 === 0) v.sort((p, q) => p - q); // the in-order path
    const w = Array.from({ length: n }, () => 1 + Math.floor(rnd() * 9));
    const idx = Array.from({ length: n }, (_, k) => k);
    const a = Math.floor(rnd() * n);
    const b = a + 1 + Math.floor(rnd() * (n - a));
    assert.equal(
      weightedMedianInt(v, w, idx, a, b),
      reference(v, w, idx, a, b),
      `trial ${trial}, span ${span}, [${a}, ${b})`,
    );
  }
});

test('median is quantile 0.5: the middle value, the mean of the two middle ones for an even count', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5); // the upper-middle pick some benchmarks used gave 3
  assert.ok(Number.isNaN(median([])));
});
