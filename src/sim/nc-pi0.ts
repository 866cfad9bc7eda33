/**
 * ν N → ν N π⁰ (neutral current, single π⁰): two photon showers. E_π = z·E_ν with z uniform (flat
 * inelasticity; an assumption at these energies), the π⁰'s transverse momentum from a gamma(2)
 * spectrum with the configured mean; π⁰ → γγ isotropic in its rest frame (exact lab energies and
 * angles, so the opening angle is ≥ 2m_π/E_π); each photon converts after a lead depth drawn from
 * its pair-production mean free path, 9/7 X0 (PDG).
 */
import type { PhysicsConfig } from '../config/index.js';
import type { Rng } from '../domain/index.js';
import { gamma } from './counts.js';
import { azimuth, PI0_MASS_GEV, rotateSlopes, slopesOf } from './kinematics.js';
import { pickWeighted } from './nu-elastic.js';
import { drawNeutrinoEnergy, relativeFlux, SPECIES, speciesFlux } from './nu-flux.js';

/** Mean free path of a high-energy photon for pair production, in X0 (PDG: 9/7). */
export const PAIR_MEAN_FREE_PATH_X0 = 9 / 7;

export interface Photon {
  readonly energyGeV: number;
  readonly slopeX: number;
  readonly slopeY: number;
  /** Lead depth (X0) before it converts. */
  readonly conversionX0: number;
}

export interface NcPi0 {
  readonly neutrinoEnergyGeV: number;
  readonly pionEnergyGeV: number;
  readonly slopeX: number;
  readonly slopeY: number;
  readonly photons: readonly [Photon, Photon];
  /** Opening angle between the photons, rad. */
  readonly opening: number;
}

/** π⁰ → γγ at energy E along (sx, sy): photon energies and directions, exact. */
export function decayPi0(
  rng: Rng,
  energyGeV: number,
  sx: number,
  sy: number,
): { photons: [Omit<Photon, 'conversionX0'>, Omit<Photon, 'conversionX0'>]; opening: number } {
  const m = PI0_MASS_GEV;
  const g = Math.max(energyGeV / m, 1);
  const bg = Math.sqrt(g * g - 1);
  const c = 2 * rng.uniform() - 1;
  const s = Math.sqrt(1 - c * c);
  const phi = azimuth(rng);
  const one = (cs: number): { e: number; theta: number } => {
    const e = (m / 2) * (g + bg * cs);
    const pl = (m / 2) * (bg + g * cs);
    return { e, theta: Math.atan2((m / 2) * s, pl) };
  };
  const a = one(c);
  const b = one(-c);
  const da = rotateSlopes(sx, sy, a.theta, phi);
  const db = rotateSlopes(sx, sy, b.theta, phi + Math.PI);
  return {
    photons: [
      { energyGeV: a.e, ...da },
      { energyGeV: b.e, ...db },
    ],
    opening: a.theta + b.theta,
  };
}

/** One NC π⁰ event with E_π in [eLo, eHi] GeV. */
export function drawNcPi0(rng: Rng, p: PhysicsConfig, eLo: number, eHi: number): NcPi0 {
  const weights = SPECIES.map((s) => relativeFlux(speciesFlux(p, s)));
  for (let i = 0; i < 100_000; i++) {
    const species = pickWeighted(rng, SPECIES, weights);
    const e = drawNeutrinoEnergy(rng, speciesFlux(p, species), 0, 0.5, p.flux.maxEnergyGeV);
    const ePi = e * rng.uniform();
    if (ePi < eLo || ePi > eHi || ePi <= PI0_MASS_GEV) continue;
    const pPi = Math.sqrt(ePi * ePi - PI0_MASS_GEV * PI0_MASS_GEV);
    const pT = Math.min(gamma(rng, 2, p.crossSections.ncPi0MeanPtGeV / 2), 0.9 * pPi);
    const dir = slopesOf(Math.asin(pT / pPi), azimuth(rng));
    const { photons, opening } = decayPi0(rng, ePi, dir.slopeX, dir.slopeY);
    const conv = (): number => -PAIR_MEAN_FREE_PATH_X0 * Math.log(1 - rng.uniform());
    return {
      neutrinoEnergyGeV: e,
      pionEnergyGeV: ePi,
      ...dir,
      photons: [
        { ...photons[0], conversionX0: conv() },
        { ...photons[1], conversionX0: conv() },
      ],
      opening,
    };
  }
  throw new RangeError(`no NC π⁰ in [${eLo}, ${eHi}] GeV`);
}
