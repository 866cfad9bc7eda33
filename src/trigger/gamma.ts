/**
 * Regularised incomplete gamma functions in log space, and the Poisson tail built on them.
 *
 * P(a, x) = γ(a, x)/Γ(a), Q(a, x) = 1 − P(a, x). The Poisson tail is P(N ≥ n | μ) = P(n, μ).
 * In each region the smaller of P and Q is computed directly (series for x < a + 1, Lentz
 * continued fraction otherwise) and the other as log1p(−exp(·)), so tiny tails keep full relative
 * precision down to exp(−700) and beyond (we return logs; p itself underflows only at the end).
 * The prefactor x^a e^{−x}/Γ(a + 1) uses Loader's saddle-point form (stirlerr + bd0), which
 * avoids the cancellation of a·ln x − x − lnΓ(a + 1) for large a and x.
 */
import { ContractError } from '../domain/index.js';
import { LN_2PI, logGamma } from '../numerics/index.js';

export { logGamma };

/** Stirling error: lnΓ(a + 1) − [(a + ½) ln a − a + ½ ln 2π]. */
function stirlerr(a: number): number {
  if (a > 15) {
    const a2 = a * a;
    return (1 / 12 - (1 / 360 - (1 / 1260 - 1 / (1680 * a2)) / a2) / a2) / a;
  }
  return logGamma(a + 1) - (a + 0.5) * Math.log(a) + a - 0.5 * LN_2PI;
}

/** bd0(a, x) = a ln(a/x) + x − a, computed without cancellation when a ≈ x. */
function bd0(a: number, x: number): number {
  if (Math.abs(a - x) < 0.1 * (a + x)) {
    const v = (a - x) / (a + x);
    let s = (a - x) * v;
    let ej = 2 * a * v;
    const v2 = v * v;
    for (let j = 1; j < 1000; j++) {
      ej *= v2;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
    return s;
  }
  return a * Math.log(a / x) + x - a;
}

/** ln[x^a e^{−x} / Γ(a + 1)]: the log Poisson pmf at (real) a with mean x. a ≥ 0, x ≥ 0. */
export function logPoissonPmf(a: number, x: number): number {
  if (x === 0) return a === 0 ? 0 : -Infinity;
  if (a === 0) return -x;
  return -stirlerr(a) - bd0(a, x) - 0.5 * (LN_2PI + Math.log(a));
}

const EPS = 1e-16;
const MAX_ITER = 1_000_000;

/** ln P(a, x) by the power series; converges fast for x < a + 1. */
function logPSeries(a: number, x: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 1; k < MAX_ITER; k++) {
    term *= x / (a + k);
    sum += term;
    if (term < sum * EPS) break;
  }
  return logPoissonPmf(a, x) + Math.log(sum);
}

/** ln Q(a, x) by the continued fraction (modified Lentz); converges fast for x ≥ a + 1. */
function logQContinuedFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  // e^{−x} x^a / Γ(a) = a · x^a e^{−x} / Γ(a + 1)
  return Math.log(a) + logPoissonPmf(a, x) + Math.log(h);
}

function checkArgs(a: number, x: number): void {
  if (!(a > 0) || !Number.isFinite(a))
    throw new ContractError(`incomplete gamma: a must be finite and > 0, got ${a}`);
  if (!(x >= 0) || Number.isNaN(x)) throw new ContractError(`incomplete gamma: x must be >= 0, got ${x}`);
}

/** ln of the lower regularised incomplete gamma P(a, x). */
export function logGammaP(a: number, x: number): number {
  checkArgs(a, x);
  if (x === 0) return -Infinity;
  if (x === Infinity) return 0;
  if (x < a + 1) return logPSeries(a, x);
  return Math.log1p(-Math.exp(logQContinuedFraction(a, x)));
}

/** ln of the upper regularised incomplete gamma Q(a, x) = 1 − P(a, x). */
export function logGammaQ(a: number, x: number): number {
  checkArgs(a, x);
  if (x === 0) return 0;
  if (x === Infinity) return -Infinity;
  if (x < a + 1) return Math.log1p(-Math.exp(logPSeries(a, x)));
  return logQContinuedFraction(a, x);
}

/**
 * ln P(N ≥ n | μ) for N ~ Poisson(μ): the one-sided excess probability of observing n or more.
 * n is a count (integer ≥ 0); μ ≥ 0. P(N ≥ 0) = 1; with μ = 0 any n ≥ 1 is impossible (−∞).
 */
export function logPoissonUpperTail(n: number, mu: number): number {
  if (!Number.isInteger(n) || n < 0)
    throw new ContractError(`poisson tail: n must be an integer >= 0, got ${n}`);
  if (!(mu >= 0) || !Number.isFinite(mu))
    throw new ContractError(`poisson tail: mu must be finite and >= 0, got ${mu}`);
  if (n === 0) return 0;
  if (mu === 0) return -Infinity;
  return logGammaP(n, mu);
}

/** P(N ≥ n | μ); underflows to 0 below about 1e-308 (use the log form there). */
export function poissonUpperTail(n: number, mu: number): number {
  return Math.exp(logPoissonUpperTail(n, mu));
}
