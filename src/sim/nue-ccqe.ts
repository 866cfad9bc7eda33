/**
 * νe n → e⁻ p and ν̄e p → e⁺ n, quasi-elastic: an electron shower carrying almost all the
 * neutrino energy and a soft nucleon. Q² from the dipole axial form factor, dσ/dQ² ∝ (1 + Q²/M_A²)⁻⁴
 * (the high-energy limit of the Llewellyn Smith cross section is dominated by the squared dipole
 * form factors, [LS]); E_e = E_ν − Q²/2M (free nucleon at rest: no Fermi motion or binding);
 * T_N = Q²/2M. The proton, when there is one, leaves a heavily ionising stub if it reaches a plane.
 */
import type { PhysicsConfig } from '../config/index.js';
import type { Rng } from '../domain/index.js';
import { azimuth, PROTON_MASS_GEV } from './kinematics.js';
import { pickWeighted } from './nu-elastic.js';
import { drawNeutrinoEnergy, speciesFlux, relativeFlux, type Species } from './nu-flux.js';

export interface QuasiElastic {
  readonly species: Species;
  readonly neutrinoEnergyGeV: number;
  readonly q2GeV2: number;
  readonly electronEnergyGeV: number;
  readonly electronTheta: number;
  readonly phi: number;
  /** Recoil nucleon: kinetic energy (GeV), polar angle to the beam, azimuth; a proton only for νe. */
  readonly nucleonKineticGeV: number;
  readonly nucleonTheta: number;
  readonly nucleonPhi: number;
  readonly proton: boolean;
}

const QE_SPECIES: readonly Species[] = ['nue', 'antinue'];

/** Q² (GeV²) in [0, q2Max] from (1 + Q²/M_A²)⁻⁴, by inverting its cumulative 1 − (1 + x)⁻³. */
export function drawQ2(rng: Rng, axialMassGeV: number, q2Max: number): number {
  const ma2 = axialMassGeV * axialMassGeV;
  const cMax = 1 - Math.pow(1 + q2Max / ma2, -3);
  const c = rng.uniform() * cMax;
  return ma2 * (Math.pow(1 - c, -1 / 3) - 1);
}

/** One quasi-elastic event with electron energy in [eLo, eHi] GeV. */
export function drawQuasiElastic(rng: Rng, p: PhysicsConfig, eLo: number, eHi: number): QuasiElastic {
  const x = p.crossSections;
  const weights = QE_SPECIES.map(
    (s) => relativeFlux(speciesFlux(p, s)) * (s === 'nue' ? x.targetNOverA : x.targetZOverA),
  );
  const M = PROTON_MASS_GEV;
  for (let i = 0; i < 100_000; i++) {
    const species = pickWeighted(rng, QE_SPECIES, weights);
    const e = drawNeutrinoEnergy(rng, speciesFlux(p, species), 0, 0.5, p.flux.maxEnergyGeV);
    const q2 = drawQ2(rng, x.axialMassGeV, (2 * M * e * e) / (M + 2 * e));
    const tN = q2 / (2 * M);
    const ee = e - tN;
    if (ee < eLo || ee > eHi) continue;
    const cosE = Math.max(-1, 1 - q2 / (2 * e * ee));
    const thetaE = Math.acos(cosE);
    const phi = azimuth(rng);
    // the nucleon balances the electron's transverse momentum; its longitudinal momentum is the rest
    const pT = ee * Math.sin(thetaE);
    const pz = e - ee * cosE;
    return {
      species,
      neutrinoEnergyGeV: e,
      q2GeV2: q2,
      electronEnergyGeV: ee,
      electronTheta: thetaE,
      phi,
      nucleonKineticGeV: tN,
      nucleonTheta: Math.atan2(pT, pz),
      nucleonPhi: phi + Math.PI,
      proton: species === 'nue',
    };
  }
  throw new RangeError(`no quasi-elastic electron in [${eLo}, ${eHi}] GeV`);
}
