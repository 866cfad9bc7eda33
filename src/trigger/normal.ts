/**
 * The standard normal upper tail and its inverse, in log space, for turning a tail probability p
 * into a one-sided significance Z = Φ⁻¹(1 − p).
 *
 * Q(z) = 1 − Φ(z) = ½·Q_Γ(½, z²/2) for z ≥ 0 (the incomplete gamma of gamma.ts, so the tail is
 * accurate to full relative precision far beyond z = 37 where p underflows). The inverse starts
 * from Acklam's rational approximation (relative error 1.15e-9) — or, for p below the double
 * range, from the asymptotic expansion — and is refined by Newton steps on ln Q(z) = ln p.
 */
import { ContractError } from '../domain/index.js';
import { inverseNormalCdf } from '../numerics/index.js';
import { logGammaQ } from './gamma.js';

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Q(z) = ln P(Z > z) for a standard normal Z. */
export function logNormalUpperTail(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z === Infinity) return -Infinity;
  if (z === -Infinity) return 0;
  if (z >= 0) return Math.log(0.5) + logGammaQ(0.5, 0.5 * z * z);
  // Φ(z) for z < 0 is the upper tail at −z; Q(z) = 1 − Q(−z) = ½ + ½·P_Γ(½, z²/2)
  return Math.log1p(-0.5 * Math.exp(logGammaQ(0.5, 0.5 * z * z)));
}

export function normalUpperTail(z: number): number {
  return Math.exp(logNormalUpperTail(z));
}

/** ln φ(z), the standard normal density. */
function logNormalPdf(z: number): number {
  return -0.5 * z * z - LN_SQRT_2PI;
}

/**
 * One-sided significance from ln p: the z with Q(z) = p. ln p = 0 gives −∞, ln p = −∞ gives +∞.
 * Exact to a few ulps over the whole double range of ln p (Newton on ln Q converges quadratically).
 */
export function zFromLogP(logP: number): number {
  if (Number.isNaN(logP) || logP > 0) throw new ContractError(`zFromLogP: ln p must be <= 0, got ${logP}`);
  if (logP === 0) return -Infinity;
  if (logP === -Infinity) return Infinity;
  const p = Math.exp(logP);
  if (p > 0.5) return -zFromLogP(Math.log1p(-p));
  let z: number;
  if (p > 1e-300) {
    z = -inverseNormalCdf(p);
  } else {
    // Q(z) ≈ φ(z)/z  ⇒  z² ≈ −2 ln p − ln(2π) − 2 ln z, iterated from z² = −2 ln p.
    z = Math.sqrt(-2 * logP);
    for (let i = 0; i < 3; i++) z = Math.sqrt(-2 * logP - 2 * LN_SQRT_2PI - 2 * Math.log(z));
  }
  for (let i = 0; i < 4; i++) {
    const lq = logNormalUpperTail(z);
    // d ln Q / dz = −φ(z)/Q(z)
    const slope = -Math.exp(logNormalPdf(z) - lq);
    const step = (lq - logP) / slope;
    z -= step;
    if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(z))) break;
  }
  return z;
}

/** One-sided significance Z = Φ⁻¹(1 − p) for p in [0, 1]. */
export function zFromP(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new ContractError(`zFromP: p must be in [0, 1], got ${p}`);
  return zFromLogP(Math.log(p));
}
