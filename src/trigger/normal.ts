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

const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/** Acklam's approximation of Φ⁻¹(p), p in (0, 1). */
function acklam(p: number): number {
  const [a0, a1, a2, a3, a4, a5] = A as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = B as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = C as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = D as [number, number, number, number];
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - P_LOW) {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
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
    z = -acklam(p);
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
