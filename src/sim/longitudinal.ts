/**
 * Longitudinal shower development: the fluctuating gamma profile of Grindhammer & Peters
 * (GFlash, hep-ex/0001020, homogeneous-medium parameters) and Rossi's approximation B for the
 * number of charged particles at the maximum. Depth t is in radiation lengths (X0), y = E/Ec.
 */
import type { Rng } from '../domain/index.js';
import { logGamma } from '../numerics/index.js';

/** Mean and spread of (ln T, ln α) and their correlation, for one y = E/Ec and atomic number Z. */
export interface GflashParams {
  readonly meanLnT: number;
  readonly sigmaLnT: number;
  readonly meanLnAlpha: number;
  readonly sigmaLnAlpha: number;
  readonly rho: number;
}

/** One shower's sampled profile: gamma density β(βt)^(α−1)e^(−βt)/Γ(α) with maximum at T = (α−1)/β. */
export interface ShowerProfile {
  /** Depth of the maximum, X0. */
  readonly tMax: number;
  readonly alpha: number;
  readonly beta: number;
}

/** Smallest usable y: below it ln(ln y − 0.812) and the σ formulas are undefined (E ≈ 0.1 GeV in lead). */
export const MIN_Y = 16;
/** α is kept above this so that the profile has a maximum at positive depth (β > 0). */
const MIN_ALPHA = 1.05;

export function gflashParams(y: number, z: number): GflashParams {
  const ly = Math.log(Math.max(y, MIN_Y));
  return {
    meanLnT: Math.log(ly - 0.812),
    sigmaLnT: 1 / (-1.4 + 1.26 * ly),
    meanLnAlpha: Math.log(0.81 + (0.458 + 2.26 / z) * ly),
    sigmaLnAlpha: 1 / (-0.58 + 0.86 * ly),
    rho: 0.705 - 0.023 * ly,
  };
}

/**
 * Draws (ln T, ln α) from the correlated normal of GFlash: with z1, z2 independent standard
 * normals, ln T = μT + σT(√((1+ρ)/2) z1 + √((1−ρ)/2) z2) and
 * ln α = μα + σα(√((1+ρ)/2) z1 − √((1−ρ)/2) z2), which has correlation ρ. `spreadScale`
 * multiplies both σ (1: GFlash's homogeneous-medium values).
 */
export function sampleProfile(p: GflashParams, rng: Rng, spreadScale = 1): ShowerProfile {
  const z1 = rng.normal() * spreadScale;
  const z2 = rng.normal() * spreadScale;
  const a = Math.sqrt((1 + p.rho) / 2);
  const b = Math.sqrt((1 - p.rho) / 2);
  const tMax = Math.exp(p.meanLnT + p.sigmaLnT * (a * z1 + b * z2));
  const alpha = Math.max(MIN_ALPHA, Math.exp(p.meanLnAlpha + p.sigmaLnAlpha * (a * z1 - b * z2)));
  return { tMax, alpha, beta: (alpha - 1) / tMax };
}

/** Rossi approximation B: charged particles at the shower maximum, N_max ≈ 0.31·y/√(ln y − 0.37). */
export function rossiNmax(y: number): number {
  return (0.31 * y) / Math.sqrt(Math.log(Math.max(y, MIN_Y)) - 0.37);
}

/** The normalised gamma density of a profile at depth t (per X0; integrates to 1 over t ≥ 0). */
export function profileDensity(s: ShowerProfile, t: number): number {
  if (!(t > 0)) return 0;
  return Math.exp(Math.log(s.beta) + (s.alpha - 1) * Math.log(s.beta * t) - s.beta * t - logGamma(s.alpha));
}

/**
 * Mean number of charged particles crossing a plane at depth t: N_max·f(t)/f(T), i.e. the
 * sampled gamma density scaled so that its maximum equals `nMax` (Rossi B for the shower).
 * f(t)/f(T) = (t/T)^(α−1)·e^(−β(t−T)), so no Γ function is needed on the hot path.
 */
export function chargedMean(s: ShowerProfile, nMax: number, t: number): number {
  if (!(t > 0)) return 0;
  return nMax * Math.exp((s.alpha - 1) * Math.log(t / s.tMax) - s.beta * (t - s.tMax));
}

/**
 * The longitudinal profile averaged over GFlash fluctuations, at the given depths: the mean of
 * the normalised gamma density over `samples` drawn showers (units: fraction of E per X0).
 */
export function meanLongitudinalProfile(
  y: number,
  z: number,
  depthsX0: readonly number[],
  samples: number,
  rng: Rng,
): Float64Array {
  const p = gflashParams(y, z);
  const out = new Float64Array(depthsX0.length);
  for (let s = 0; s < samples; s++) {
    const prof = sampleProfile(p, rng);
    for (let i = 0; i < depthsX0.length; i++) out[i] = out[i]! + profileDensity(prof, depthsX0[i]!);
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / samples;
  return out;
}

/** Mean charged-particle count vs depth, averaged over fluctuations (Rossi-normalised per shower). */
export function meanChargedProfile(
  y: number,
  z: number,
  depthsX0: readonly number[],
  samples: number,
  rng: Rng,
): Float64Array {
  const p = gflashParams(y, z);
  const nMax = rossiNmax(y);
  const out = new Float64Array(depthsX0.length);
  for (let s = 0; s < samples; s++) {
    const prof = sampleProfile(p, rng);
    for (let i = 0; i < depthsX0.length; i++) out[i] = out[i]! + chargedMean(prof, nMax, depthsX0[i]!);
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / samples;
  return out;
}
