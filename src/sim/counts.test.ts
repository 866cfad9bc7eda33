import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../domain/index.js';
import { fluctuate, gamma, lnFactorial, negativeBinomial, poisson } from './counts.js';

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    s += x;
    s2 += x * x;
  }
  const mean = s / n;
  return { mean, variance: s2 / n - mean * mean };
}

test('poisson draws have mean and variance equal to the mean, on both sides of the algorithm switch', () => {
  const rng = new Rng(11);
  for (const mu of [0.3, 3, 9.9, 10.1, 50, 1000]) {
    const n = 40000;
    const m = moments(() => poisson(rng, mu), n);
    // 5σ bounds on the sample mean and (approximately) on the sample variance.
    assert.ok(Math.abs(m.mean - mu) < 5 * Math.sqrt(mu / n), `mean ${m.mean} vs ${mu}`);
    assert.ok(
      Math.abs(m.variance - mu) < 5 * mu * Math.sqrt(2 / n) + 0.02,
      `variance ${m.variance} vs ${mu}`,
    );
  }
});

test('poisson pmf at small counts matches e^-mu mu^k / k! for a PTRS mean', () => {
  const rng = new Rng(5);
  const mu = 12;
  const n = 100000;
  const hist = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = poisson(rng, mu);
    hist.set(k, (hist.get(k) ?? 0) + 1);
  }
  for (const k of [6, 10, 12, 15, 20]) {
    const p = Math.exp(-mu + k * Math.log(mu) - lnFactorial(k));
    const got = (hist.get(k) ?? 0) / n;
    assert.ok(Math.abs(got - p) < 5 * Math.sqrt(p / n), `P(${k}) ${got} vs ${p}`);
  }
});

test('a non-positive poisson mean gives zero', () => {
  assert.equal(poisson(new Rng(1), 0), 0);
  assert.equal(poisson(new Rng(1), -3), 0);
});

test('gamma draws have mean shape*scale and variance shape*scale^2', () => {
  const rng = new Rng(3);
  for (const [k, th] of [
    [0.5, 2],
    [3, 1.5],
    [20, 0.1],
  ] as const) {
    const m = moments(() => gamma(rng, k, th), 40000);
    assert.ok(Math.abs(m.mean - k * th) < 0.03 * k * th + 0.01, `mean ${m.mean}`);
    assert.ok(Math.abs(m.variance - k * th * th) < 0.08 * k * th * th, `variance ${m.variance}`);
  }
});

test('negative binomial variance is mean + mean^2/k', () => {
  const rng = new Rng(9);
  const mu = 200;
  const k = 20;
  const m = moments(() => negativeBinomial(rng, mu, k), 40000);
  assert.ok(Math.abs(m.mean - mu) < 1.5, `mean ${m.mean}`);
  const want = mu + (mu * mu) / k;
  assert.ok(Math.abs(m.variance - want) < 0.06 * want, `variance ${m.variance} vs ${want}`);
});

test('lnFactorial agrees with the exact sum on both sides of the table', () => {
  let exact = 0;
  for (let k = 1; k <= 40; k++) {
    exact += Math.log(k);
    assert.ok(Math.abs(lnFactorial(k) - exact) < 1e-9, `k=${k}`);
  }
});

test('sampling fluctuation: variance F·μ, so the relative spread shrinks as 1/√μ (a fixed-k negative binomial does not)', () => {
  const rng = new Rng(23);
  const n = 40000;
  for (const [mu, f] of [
    [20, 1],
    [20, 4],
    [500, 4],
    [3000, 9],
  ] as const) {
    const m = moments(() => fluctuate(rng, mu, 'sampling', 20, f), n);
    assert.ok(Math.abs(m.mean - mu) < 5 * Math.sqrt((f * mu) / n), `mean ${m.mean} vs ${mu}`);
    assert.ok(
      Math.abs(m.variance / (f * mu) - 1) < 5 * Math.sqrt(2 / n) + 0.01,
      `μ ${mu} F ${f}: variance ${m.variance} vs ${f * mu}`,
    );
  }
  const nb = moments(() => fluctuate(rng, 3000, 'negative-binomial', 20), n);
  assert.ok(Math.sqrt(nb.variance) / 3000 > 0.2, 'k = 20 keeps ≥ 22 % at 3,000 particles');
});
