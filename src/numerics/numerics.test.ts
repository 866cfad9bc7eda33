import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ContractError } from '../domain/index.js';
import { inverseNormalCdf, logGamma, meanStd, quantile } from './index.js';

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

test('Φ⁻¹ inverts the normal CDF to Acklam\'s 1.15e-9 in both tails and the centre', () => {
  const cases: [number, number][] = [[0.5, 0], [0.975, 1.959963984540054], [0.025, -1.959963984540054], [1e-10, -6.361340902404056], [0.8413447460685429, 1]];
  for (const [p, z] of cases) assert.ok(Math.abs(inverseNormalCdf(p) - z) <= 1.2e-9 * Math.max(1, Math.abs(z)), `p = ${p}`);
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
