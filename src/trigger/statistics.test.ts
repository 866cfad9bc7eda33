import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContractError } from '../domain/index.js';
import { logGammaP, logGammaQ, logPoissonPmf, logPoissonUpperTail, poissonUpperTail } from './gamma.js';
import { logNormalUpperTail, normalUpperTail, zFromLogP, zFromP } from './normal.js';

const close = (a: number, b: number, rel: number, msg?: string): void =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${msg ?? ''} ${a} vs ${b} (rel ${rel})`);

/** Σ_{k≥n} e^{−μ} μ^k / k!, summed directly (upward, so no cancellation). */
function tailBySum(n: number, mu: number): number {
  let pmf = Math.exp(-mu);
  for (let k = 1; k <= n; k++) pmf *= mu / k;
  let sum = 0;
  for (let k = n; k < n + 400; k++) {
    sum += pmf;
    pmf *= mu / (k + 1);
  }
  return sum;
}

test('Poisson upper tail equals the summed pmf for small n', () => {
  for (const mu of [0.1, 1, 3, 7.5, 20]) {
    for (let n = 0; n <= 12; n++) {
      const exact = tailBySum(n, mu);
      close(poissonUpperTail(n, mu), exact, 1e-9, `n=${n} mu=${mu}`);
    }
  }
});

test('Poisson upper tail matches the published P(N >= 10 | mu = 3)', () => {
  close(poissonUpperTail(10, 3), 0.001102488, 1e-6);
});

test('Poisson tail stays accurate in log space for large n and mu (mpmath references)', () => {
  close(logPoissonUpperTail(1_000_000, 995_000), -15.106647347552955, 1e-12);
  close(logPoissonUpperTail(1000, 10), -3619.5330453507497, 1e-12);
  close(logPoissonUpperTail(100_000, 99_000), -7.185592740789703, 1e-11);
  assert.equal(logPoissonUpperTail(0, 5), 0);
  assert.equal(logPoissonUpperTail(3, 0), -Infinity);
});

test('lower and upper regularised gamma sum to one on both sides of a + 1', () => {
  for (const [a, x] of [
    [0.5, 0.01],
    [0.5, 30],
    [2.5, 1.3],
    [50, 70],
    [50, 30],
    [1e4, 1e4],
  ] as const) {
    close(Math.exp(logGammaP(a, x)) + Math.exp(logGammaQ(a, x)), 1, 1e-13, `a=${a} x=${x}`);
  }
  close(Math.exp(logGammaP(2.5, 1.3)), 0.23863473215498604, 1e-13);
});

test('log Poisson pmf agrees with the factorial formula', () => {
  close(logPoissonPmf(7, 3), 7 * Math.log(3) - 3 - Math.log(5040), 1e-14);
  close(logPoissonPmf(100, 100), -3.222356956754311, 1e-13); // scipy.stats.poisson.logpmf
});

test('a tail probability of 2.87e-7 is a 5 sigma excess', () => {
  close(zFromP(2.87e-7), 4.999765776842555, 1e-12);
  close(zFromP(2.866515718791939e-7), 5, 1e-13);
  close(normalUpperTail(5), 2.866515718791939e-7, 1e-13);
});

test('inverse normal is exact across the range, including p below the double range', () => {
  close(zFromP(0.025), 1.959963984540054, 1e-14);
  close(zFromP(0.975), -1.959963984540054, 1e-14);
  assert.equal(zFromP(0.5), 0);
  close(zFromP(1e-300), 37.0470962993612, 1e-13);
  for (const z of [-3, -0.3, 0.1, 1, 2.5, 6, 12, 38, 100, 1000]) {
    close(zFromLogP(logNormalUpperTail(z)), z, 1e-12, `z=${z}`);
  }
  assert.equal(zFromP(0), Infinity);
  assert.equal(zFromP(1), -Infinity);
  assert.throws(() => zFromP(1.5), ContractError);
});
