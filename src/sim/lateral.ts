/**
 * Lateral shower profile of Grindhammer & Peters (GFlash, homogeneous media), in Molière radii:
 * f(r) = p·f_C(r) + (1−p)·f_T(r), f_i(r) = 2·r·R_i² / (r² + R_i²)², with core and tail radii and
 * the core weight depending on energy and on the relative depth τ = t/T (T: the shower's own
 * maximum). Each component has the closed-form CDF F_i(r) = r²/(r² + R_i²), which makes
 * sampling one uniform and a square root: r = R_i·√(u/(1−u)).
 */
import type { Rng } from '../domain/index.js';

export interface RadialProfile {
  /** Core median radius, Molière radii. */
  readonly rCore: number;
  /** Tail median radius, Molière radii. */
  readonly rTail: number;
  /** Core weight in [0, 1]. */
  readonly pCore: number;
}

/**
 * GFlash radial parameters at relative depth tau = t/T for energy E (GeV) in a medium of atomic
 * number Z: R_C = z1 + z2·τ; R_T = k1·(e^{k3(τ−k2)} + e^{k4(τ−k2)}); p = p1·e^{(p2−τ)/p3 − e^{(p2−τ)/p3}}.
 */
export function gflashRadial(energyGeV: number, z: number, tau: number): RadialProfile {
  const lnE = Math.log(Math.max(energyGeV, 1e-3));
  const t = Math.max(tau, 0);
  const z1 = 0.0251 + 0.00319 * lnE;
  const z2 = 0.1162 - 0.000381 * z;
  const k1 = 0.659 - 0.00309 * z;
  const k2 = 0.645;
  const k3 = -2.59;
  const k4 = 0.3585 + 0.0412 * lnE;
  const p1 = 2.632 - 0.00094 * z;
  const p2 = 0.401 + 0.00187 * z;
  const p3 = 1.313 - 0.0686 * lnE;
  const q = (p2 - t) / p3;
  return {
    rCore: z1 + z2 * t,
    rTail: k1 * (Math.exp(k3 * (t - k2)) + Math.exp(k4 * (t - k2))),
    pCore: Math.min(1, Math.max(0, p1 * Math.exp(q - Math.exp(q)))),
  };
}

/** Fraction of the profile inside radius r (Molière radii): p·F_C(r) + (1−p)·F_T(r). */
export function radialContainment(p: RadialProfile, r: number): number {
  const r2 = r * r;
  return p.pCore * (r2 / (r2 + p.rCore * p.rCore)) + (1 - p.pCore) * (r2 / (r2 + p.rTail * p.rTail));
}

/** One radius (Molière radii) drawn from the two-component profile. */
export function sampleRadius(p: RadialProfile, rng: Rng): number {
  const r = rng.uniform() < p.pCore ? p.rCore : p.rTail;
  const u = rng.uniformOpen();
  return r * Math.sqrt(u / (1 - u));
}
