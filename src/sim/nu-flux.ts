/**
 * The neutrino flux at the detector by species (from the expected CC DIS interaction counts and the
 * mean energies of the interacting neutrinos, [TP]) and the relative rates of the neutrino classes.
 * dΦ/dE ∝ E^(k−1)e^(−E/θ): the DIS-interacting spectrum (σ ∝ E) is then a gamma of shape k + 1,
 * mean (k + 1)θ = the quoted mean energy, which fixes θ. Pure: no I/O.
 */
import type { PhysicsConfig } from '../config/index.js';
import type { Rng } from '../domain/index.js';
import { gamma } from './counts.js';
import { ELECTRON_MASS_GEV, FERMI_GEV2, HBARC2_GEV2_CM2 } from './kinematics.js';

export type Species = 'numu' | 'antinumu' | 'nue' | 'antinue';
export const SPECIES: readonly Species[] = ['numu', 'antinumu', 'nue', 'antinue'];

export interface SpeciesFlux {
  readonly species: Species;
  readonly anti: boolean;
  readonly electronFlavour: boolean;
  /** CC DIS interactions per 2·10²⁰ pot ([TP]). */
  readonly ccInteractions: number;
  /** Flux shape k and scale θ (GeV). */
  readonly shape: number;
  readonly scaleGeV: number;
  /** CC DIS σ/E per nucleon, cm²/GeV. */
  readonly ccSlope: number;
}

export function speciesFlux(p: PhysicsConfig, s: Species): SpeciesFlux {
  const f = p.flux;
  const anti = s.startsWith('anti');
  const electronFlavour = s.endsWith('nue');
  const mean = electronFlavour ? f.meanEnergyEGeV : f.meanEnergyMuGeV;
  const cc = { numu: f.ccNuMu, antinumu: f.ccAntiNuMu, nue: f.ccNuE, antinue: f.ccAntiNuE }[s];
  return {
    species: s,
    anti,
    electronFlavour,
    ccInteractions: cc,
    shape: f.fluxShape,
    scaleGeV: mean / (f.fluxShape + 1),
    ccSlope: anti ? p.crossSections.ccSlopeAntiNuCm2PerGeV : p.crossSections.ccSlopeNuCm2PerGeV,
  };
}

/** Flux-weighted number of neutrinos × cm⁻²·(target nucleon)⁻¹ up to a common factor: N_CC/(σ/E·⟨E⟩_flux). */
export function relativeFlux(s: SpeciesFlux): number {
  return s.ccInteractions / (s.ccSlope * s.shape * s.scaleGeV);
}

/**
 * A neutrino energy (GeV) from the flux weighted by E^extraPower (0: the flux itself, for a flat
 * cross section; 1: σ ∝ E), truncated to [minGeV, maxGeV].
 */
export function drawNeutrinoEnergy(
  rng: Rng,
  s: SpeciesFlux,
  extraPower: number,
  minGeV: number,
  maxGeV: number,
): number {
  for (let i = 0; i < 10_000; i++) {
    const e = gamma(rng, s.shape + extraPower, s.scaleGeV);
    if (e >= minGeV && e <= maxGeV) return e;
  }
  return Math.min(maxGeV, Math.max(minGeV, s.scaleGeV * (s.shape + extraPower)));
}

/** Tree-level ν–e couplings (g_V, g_A) for a species: NC only for νμ; NC + CC (g → g + 1) for νe. */
export function electronCouplings(sin2ThetaW: number, s: Species): { gV: number; gA: number } {
  const gV = -0.5 + 2 * sin2ThetaW;
  const gA = -0.5;
  return s === 'nue' || s === 'antinue' ? { gV: gV + 1, gA: gA + 1 } : { gV, gA };
}

/**
 * ν–e elastic dσ/dy / (G_F²mₑE/2π) = (g_V + g_A)² + (g_V − g_A)²(1 − y)² (ν; g_A → −g_A for ν̄),
 * neglecting the mₑy/E term ([FZ], [PDG] electroweak review).
 */
export function elasticShape(gV: number, gA: number, anti: boolean, y: number): number {
  const a = anti ? gV - gA : gV + gA;
  const b = anti ? gV + gA : gV - gA;
  return a * a + b * b * (1 - y) * (1 - y);
}

/** ν–e elastic σ/E, cm²/GeV: (G_F²mₑ/2π)·[(g_V ± g_A)² + (g_V ∓ g_A)²/3]. */
export function elasticSlopeCm2PerGeV(sin2ThetaW: number, s: Species): number {
  const { gV, gA } = electronCouplings(sin2ThetaW, s);
  const anti = s.startsWith('anti');
  const a = anti ? gV - gA : gV + gA;
  const b = anti ? gV + gA : gV - gA;
  return (
    ((FERMI_GEV2 * FERMI_GEV2 * ELECTRON_MASS_GEV) / (2 * Math.PI)) * (a * a + (b * b) / 3) * HBARC2_GEV2_CM2
  );
}

/**
 * Expected interactions per 2·10²⁰ pot of each neutrino class in the target, from the CC DIS
 * counts: ν–e elastic = N_CC·(Z/A)·(σ_el/E)/(σ_CC/E) (both ∝ E); CCQE (νe, ν̄e) and NC π⁰ (flat
 * cross sections) = Φ·σ with Φ ∝ N_CC/(σ_CC/E·⟨E⟩_flux); DIS = (1 + NC/CC)·ΣN_CC.
 */
export function neutrinoClassYields(p: PhysicsConfig): {
  dis: number;
  nuElastic: number;
  nueCCQE: number;
  ncPi0: number;
} {
  const x = p.crossSections;
  let cc = 0;
  let el = 0;
  let qe = 0;
  let pi0 = 0;
  for (const sp of SPECIES) {
    const s = speciesFlux(p, sp);
    cc += s.ccInteractions;
    el += s.ccInteractions * x.targetZOverA * (elasticSlopeCm2PerGeV(x.sin2ThetaW, sp) / s.ccSlope);
    const phi = relativeFlux(s);
    if (s.electronFlavour) qe += phi * x.qeCm2 * (s.anti ? x.targetZOverA : x.targetNOverA);
    pi0 += phi * x.ncPi0Cm2;
  }
  return { dis: (1 + x.ncOverCc) * cc, nuElastic: el, nueCCQE: qe, ncPi0: pi0 };
}
