/**
 * The neutrino background classes at hit level: kinematics from nu-elastic.ts, nue-ccqe.ts and
 * nc-pi0.ts, showers from shower.ts. The truth is the visible primary: the electron (nuElastic,
 * nueCCQE) or the π⁰ (ncPi0), from the common vertex.
 */
import type { SimulationConfig } from '../config/index.js';
import { planeZCm, type DetectorGeometry, type Rng, type ShowerTruth } from '../domain/index.js';
import type { Pixeliser } from './deposit.js';
import { azimuth, slopesOf } from './kinematics.js';
import { drawNcPi0, type NcPi0 } from './nc-pi0.js';
import { drawElastic, elasticSpeciesWeights } from './nu-elastic.js';
import { drawQuasiElastic, type QuasiElastic } from './nue-ccqe.js';
import {
  PROTON_DEDX_MIN_MEV_PER_CM,
  protonDedxMeVPerCm,
  protonEnergyAfter,
  protonRangeCm,
} from './proton-range.js';
import { depositShowerAtStation, depthAtStationX0, prepareShower, type CountModel } from './shower.js';

export type NeutrinoClass = 'nuElastic' | 'nueCCQE' | 'ncPi0';

export function isNeutrinoClass(c: string): c is NeutrinoClass {
  return c === 'nuElastic' || c === 'nueCCQE' || c === 'ncPi0';
}

/** What the writer needs beyond the truth. */
export type NeutrinoExtra =
  | { readonly kind: 'nuElastic' }
  | { readonly kind: 'nueCCQE'; readonly qe: QuasiElastic }
  | { readonly kind: 'ncPi0'; readonly pi0: NcPi0 };

export interface NeutrinoDraw {
  readonly energyGeV: number;
  readonly slopeX: number;
  readonly slopeY: number;
  readonly extra: NeutrinoExtra;
}

/** The class's primary (energy inside cfg.energyRangeGeV) and its secondaries. */
export function drawNeutrinoClass(cls: NeutrinoClass, cfg: SimulationConfig, rng: Rng): NeutrinoDraw {
  const [lo, hi] = cfg.energyRangeGeV;
  const p = cfg.physics;
  switch (cls) {
    case 'nuElastic': {
      const s = drawElastic(rng, p, lo, hi, elasticSpeciesWeights(p));
      return { energyGeV: s.kineticGeV, ...slopesOf(s.theta, azimuth(rng)), extra: { kind: 'nuElastic' } };
    }
    case 'nueCCQE': {
      const qe = drawQuasiElastic(rng, p, lo, hi);
      return {
        energyGeV: qe.electronEnergyGeV,
        ...slopesOf(qe.electronTheta, qe.phi),
        extra: { kind: 'nueCCQE', qe },
      };
    }
    case 'ncPi0': {
      const pi0 = drawNcPi0(rng, p, lo, hi);
      return {
        energyGeV: pi0.pionEnergyGeV,
        slopeX: pi0.slopeX,
        slopeY: pi0.slopeY,
        extra: { kind: 'ncPi0', pi0 },
      };
    }
  }
}

/**
 * z (cm) where a straight path from z0 has crossed `depthX0` of lead (bricks as in
 * depthAtStationX0); Infinity if it leaves the last brick first.
 */
export function zAtLeadDepth(g: DetectorGeometry, z0: number, depthX0: number, pathFactor: number): number {
  const f = (g.leadPlates * g.leadPlateThicknessMm) / 10 / g.brickThicknessCm;
  const perCm = (f * pathFactor) / g.lead.radiationLengthCm;
  let left = depthX0;
  for (let j = 0; j < g.nStations; j++) {
    const end = planeZCm(g, j) - g.brickToPlaneGapCm;
    const lo = Math.max(end - g.brickThicknessCm, z0);
    if (end <= lo) continue;
    const avail = (end - lo) * perCm;
    if (left <= avail) return lo + left / perCm;
    left -= avail;
  }
  return Infinity;
}

/** The per-station deposit step of a neutrino-class event. */
export function neutrinoWriterOf(
  g: DetectorGeometry,
  t: ShowerTruth,
  extra: NeutrinoExtra,
  counts: CountModel,
  pix: Pixeliser,
  rng: Rng,
): (station: number) => void {
  if (extra.kind === 'ncPi0') return photonPairWriter(g, t, extra.pi0, counts, pix, rng);
  const sh = prepareShower(g, t, rng);
  const stub = extra.kind === 'nueCCQE' && extra.qe.proton ? protonStub(g, t, extra.qe, pix) : undefined;
  return (k) => {
    depositShowerAtStation(pix, g, sh, k, counts, rng);
    stub?.(k);
  };
}

/**
 * The proton's hits: at each plane it reaches (CSDA range in the lead crossed), one pixel with its
 * ionisation in MIP units (dE/dx at that energy over the minimum).
 */
function protonStub(
  g: DetectorGeometry,
  t: ShowerTruth,
  qe: QuasiElastic,
  pix: Pixeliser,
): (station: number) => void {
  const { slopeX, slopeY } = slopesOf(qe.nucleonTheta, qe.nucleonPhi);
  const pathFactor = Math.sqrt(1 + slopeX * slopeX + slopeY * slopeY);
  const range = protonRangeCm(qe.nucleonKineticGeV);
  return (k) => {
    const leadCm = depthAtStationX0(g, t.dCm, k, pathFactor) * g.lead.radiationLengthCm;
    if (!(range > leadCm)) return;
    const left = protonEnergyAfter(qe.nucleonKineticGeV, leadCm);
    const mips = Math.max(1, Math.round(protonDedxMeVPerCm(left) / PROTON_DEDX_MIN_MEV_PER_CM));
    const dz = planeZCm(g, k) - t.dCm;
    pix.point(t.x0Cm + slopeX * dz, t.y0Cm + slopeY * dz, mips);
  };
}

/** Two photon showers, each from its conversion point; a photon deposits nothing before it converts. */
function photonPairWriter(
  g: DetectorGeometry,
  t: ShowerTruth,
  pi0: NcPi0,
  counts: CountModel,
  pix: Pixeliser,
  rng: Rng,
): (station: number) => void {
  const showers = pi0.photons.flatMap((ph) => {
    const pf = Math.sqrt(1 + ph.slopeX * ph.slopeX + ph.slopeY * ph.slopeY);
    const z = zAtLeadDepth(g, t.dCm, ph.conversionX0, pf);
    if (z === Infinity) return [];
    const spec = {
      energyGeV: ph.energyGeV,
      dCm: z,
      x0Cm: t.x0Cm + ph.slopeX * (z - t.dCm),
      y0Cm: t.y0Cm + ph.slopeY * (z - t.dCm),
      slopeX: ph.slopeX,
      slopeY: ph.slopeY,
    };
    return [{ z, sh: prepareShower(g, spec, rng) }];
  });
  return (k) => {
    for (const s of showers) if (planeZCm(g, k) > s.z) depositShowerAtStation(pix, g, s.sh, k, counts, rng);
  };
}
