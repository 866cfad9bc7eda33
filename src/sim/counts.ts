/**
 * Count samplers for the simulator: Poisson, gamma and negative binomial, all driven by the
 * seeded domain Rng so that a seed fixes every count. Poisson uses inversion for small means and
 * Hörmann's PTRS transformed rejection (exact, O(1) in the mean) for large ones: a 100 GeV shower
 * has ~10^3 particles per plane and the hot path cannot afford O(mean) samplers.
 */
import type { Rng } from '../domain/index.js';

const LN_FACT_TABLE: Float64Array = (() => {
  const t = new Float64Array(16);
  for (let k = 2; k < 16; k++) t[k] = t[k - 1]! + Math.log(k);
  return t;
})();

/** ln(k!) — exact table below 16, Stirling series (error < 1e-10) above. */
export function lnFactorial(k: number): number {
  if (k < 16) return LN_FACT_TABLE[k]!;
  const x = k + 1;
  const ix2 = 1 / (x * x);
  return (
    (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + (1 / 12 - ix2 * (1 / 360 - ix2 / 1260)) / x
  );
}

/** Poisson(mean) draw; mean <= 0 gives 0. */
export function poisson(rng: Rng, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean < 10) {
    // Inversion by sequential search from 0: E[iterations] = mean + 1.
    let p = Math.exp(-mean);
    let f = p;
    const u = rng.uniform();
    let k = 0;
    while (u > f && k < 1000) {
      k++;
      p *= mean / k;
      f += p;
    }
    return k;
  }
  // PTRS: W. Hörmann, "The transformed rejection method for generating Poisson random
  // variables", Insurance: Mathematics and Economics 12 (1993) 39–45.
  const slam = Math.sqrt(mean);
  const loglam = Math.log(mean);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.uniform() - 0.5;
    const v = rng.uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -mean + k * loglam - lnFactorial(k))
      return k;
  }
}

/** Gamma(shape, scale) draw (Marsaglia & Tsang 2000; shape < 1 by the u^(1/shape) boost). */
export function gamma(rng: Rng, shape: number, scale: number): number {
  if (shape < 1) return gamma(rng, shape + 1, scale) * Math.pow(rng.uniformOpen(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.uniformOpen();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

/** Negative binomial with the given mean and shape k: variance = mean + mean²/k (gamma–Poisson mixture). */
export function negativeBinomial(rng: Rng, mean: number, k: number): number {
  if (!(mean > 0)) return 0;
  return poisson(rng, gamma(rng, k, mean / k));
}

export type CountFluctuation = 'poisson' | 'negative-binomial' | 'sampling';

/**
 * A count with the configured fluctuation around `mean`: Poisson; negative binomial of fixed
 * shape k (variance μ + μ²/k, a relative spread that tends to 1/√k however many particles);
 * or 'sampling', variance F·μ (Fano factor F ≥ 1: the particles crossing a plane come in
 * correlated groups, e.g. e⁺e⁻ pairs, so the relative spread √(F/μ) shrinks as 1/√μ), drawn as a
 * negative binomial of shape μ/(F − 1), Poisson at F = 1.
 */
export function fluctuate(rng: Rng, mean: number, mode: CountFluctuation, k: number, fano = 1): number {
  if (mode === 'poisson' || (mode === 'sampling' && fano <= 1)) return poisson(rng, mean);
  if (mode === 'sampling') return negativeBinomial(rng, mean, mean / (fano - 1));
  return negativeBinomial(rng, mean, k);
}
