/**
 * The signal: a light dark-matter particle χ from the beam dump scattering elastically off an
 * electron via a dark photon A' (SHiP LDM benchmark, [LDM]: α_D = 0.1, m_A' = 3m_χ).
 *
 * χ energy: π⁰ from the 400 GeV beam with dN/dx_F ∝ (1 − x_F)^n (E_π = x_F·E_beam, forward), then
 * π⁰ → γA' and A' → χχ, both isotropic in the parent's rest frame (η instead of π⁰ when
 * m_A' ≥ m_π⁰). The detector's acceptance (forward χ only) is not modelled: it would harden the
 * spectrum.
 *
 * Recoil: dσ/dT = 4πε²αα_D·F/[p²(m_A'² + 2mₑT)²] with, for T the electron's kinetic energy and
 * E, p the χ energy and momentum (t-channel A' exchange; the scalar form is [DPR]'s),
 *   scalar χ:  F = 2mₑE² − (2mₑE + m_χ²)T
 *   Dirac χ:   F = 2mₑE² − (2mₑE + m_χ²)T + mₑT² − mₑ²T
 * (ε and α_D only scale the rate). The electron angle follows from two-body kinematics.
 */
import type { PhysicsConfig } from '../config/index.js';
import type { Rng } from '../domain/index.js';
import { ELECTRON_MASS_GEV, maxRecoilGeV, PI0_MASS_GEV, recoilAngle } from './kinematics.js';

export const ETA_MASS_GEV = 0.547862;

export interface DarkPhotonModel {
  readonly chiMassGeV: number;
  readonly mediatorMassGeV: number;
  readonly parentMassGeV: number;
  readonly fermion: boolean;
  readonly xfPower: number;
  readonly beamEnergyGeV: number;
}

export function darkPhotonModel(p: PhysicsConfig): DarkPhotonModel {
  const d = p.darkPhoton;
  const mA = d.chiMassGeV * d.mediatorMassRatio;
  const parent = mA < PI0_MASS_GEV ? PI0_MASS_GEV : ETA_MASS_GEV;
  if (!(mA < ETA_MASS_GEV)) throw new RangeError(`m_A' = ${mA} GeV: no meson decay π⁰/η → γA' is open`);
  return {
    chiMassGeV: d.chiMassGeV,
    mediatorMassGeV: mA,
    parentMassGeV: parent,
    fermion: d.chiSpin === 'fermion',
    xfPower: d.parentXfPower,
    beamEnergyGeV: d.beamEnergyGeV,
  };
}

/** Energy (GeV) of the daughter of mass mb in a two-body decay of a parent (mass M, energy E) to ma + mb, isotropic. */
function daughterEnergy(rng: Rng, parentMass: number, parentEnergy: number, ma: number, mb: number): number {
  const eStar = (parentMass * parentMass + mb * mb - ma * ma) / (2 * parentMass);
  const pStar = Math.sqrt(Math.max(eStar * eStar - mb * mb, 0));
  const gamma = Math.max(parentEnergy / parentMass, 1);
  const beta = Math.sqrt(1 - 1 / (gamma * gamma));
  return gamma * (eStar + beta * pStar * (2 * rng.uniform() - 1));
}

/** A χ energy (GeV) from the meson-decay chain. */
export function drawChiEnergy(rng: Rng, m: DarkPhotonModel): number {
  const xf = 1 - Math.pow(rng.uniform(), 1 / (m.xfPower + 1));
  const eParent = Math.max(xf * m.beamEnergyGeV, m.parentMassGeV);
  const eA = daughterEnergy(rng, m.parentMassGeV, eParent, 0, m.mediatorMassGeV);
  return daughterEnergy(rng, m.mediatorMassGeV, eA, m.chiMassGeV, m.chiMassGeV);
}

/** dσ/dT up to the constant 4πε²αα_D (GeV⁻³ in those units); 0 outside 0 ≤ T ≤ T_max. */
export function chiElectronDsigmaDT(m: DarkPhotonModel, chiEnergyGeV: number, kineticGeV: number): number {
  const me = ELECTRON_MASS_GEV;
  const E = chiEnergyGeV;
  const T = kineticGeV;
  const M = m.chiMassGeV;
  if (!(E > M) || T < 0 || T > maxRecoilGeV(E, M)) return 0;
  let f = 2 * me * E * E - (2 * me * E + M * M) * T;
  if (m.fermion) f += me * T * T - me * me * T;
  const den = m.mediatorMassGeV ** 2 + 2 * me * T;
  return Math.max(f, 0) / ((E * E - M * M) * den * den);
}

export interface Recoil {
  readonly chiEnergyGeV: number;
  readonly kineticGeV: number;
  readonly theta: number;
}

/**
 * One recoil with kinetic energy in [tLo, tHi]: (E_χ, T) drawn from Φ(E_χ)·dσ/dT by rejection,
 * so the rate weighting by σ(E_χ) is included. Proposal: E_χ from the chain and T from the
 * propagator (m_A'² + 2mₑT)⁻² by inversion; acceptance (F/p²)/(3.01mₑ), since
 * F/p² ≤ 2mₑE²/(E² − m_χ²) + mₑ ≤ 3.01·mₑ for E ≥ T ≥ tLo ≫ m_χ.
 */
export function drawRecoil(rng: Rng, m: DarkPhotonModel, tLo: number, tHi: number): Recoil {
  const me = ELECTRON_MASS_GEV;
  const a = m.mediatorMassGeV ** 2;
  const b = 2 * me;
  const gLo = 1 / (a + b * tLo);
  const gHi = 1 / (a + b * tHi);
  for (let i = 0; i < 1_000_000; i++) {
    const e = drawChiEnergy(rng, m);
    const t = Math.min(tHi, Math.max(tLo, (1 / (gLo - rng.uniform() * (gLo - gHi)) - a) / b));
    const den = a + b * t;
    const w = chiElectronDsigmaDT(m, e, t) * den * den;
    if (rng.uniform() * 3.01 * me < w)
      return { chiEnergyGeV: e, kineticGeV: t, theta: recoilAngle(t, e, m.chiMassGeV) };
  }
  throw new RangeError(`no χe recoil in [${tLo}, ${tHi}] GeV: the χ spectrum does not reach it`);
}
