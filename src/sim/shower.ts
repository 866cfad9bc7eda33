/**
 * One electromagnetic shower seen by the TT stations. The brick walls are treated as a
 * homogenised lead/emulsion medium: only lead counts towards depth, so in that medium both X0
 * and the Molière radius are the lead values divided by the lead fraction of the brick.
 * The gaps between bricks add no depth; the shower axis is a straight line from the origin
 * with the truth slopes, so its centre drifts from station to station.
 */
import {
  leadFraction,
  planeZCm,
  type DetectorGeometry,
  type Rng,
  type ShowerTruth,
} from '../domain/index.js';
import type { SimulationConfig } from '../config/index.js';
import type { CountFluctuation } from './counts.js';
import { fluctuate } from './counts.js';
import type { Pixeliser } from './deposit.js';
import { gflashRadial } from './lateral.js';
import { chargedMean, gflashParams, rossiNmax, sampleProfile, type ShowerProfile } from './longitudinal.js';

/**
 * RMS angle (rad, per projection) of the shower's charged particles where they leave the last
 * lead plate; it sets the extra spread over the lead-to-plane gap (σ = gap · angle). Soft
 * particles near the critical energy dominate the count and scatter by ~E_s/E ≫ 1 rad, but most
 * of them range out in the last plates; 0.3 rad is a model constant, not a fit.
 */
export const GAP_ANGLE_RAD = 0.3;
/** Below this depth (X0) the primary electron is added as a track: the gamma form → 0 as t → 0. */
export const PRIMARY_TRACK_DEPTH_X0 = 1;

/** What a shower is simulated from: its true energy, origin and direction. */
export type ShowerSpec = ShowerTruth;

/**
 * The shower's fluctuations beyond the mean GFlash shower. 'sampling' (the default) is the
 * physical form: per plane, charged counts with variance F·μ; per shower, GFlash's correlated
 * (T, α) profile fluctuations with their σ scaled by `profileSpreadScale`; per plane, the lateral
 * spread of the particles about the axis (the radii of core and tail) fluctuating by a log-normal
 * factor of relative spread `radiusSpread` (few sub-showers make up a plane's core). The other
 * modes are the earlier models: Poisson or a fixed negative-binomial k, GFlash spreads, no
 * lateral fluctuation.
 */
export interface CountModel {
  readonly mode: CountFluctuation;
  readonly negBinomialK: number;
  readonly fanoFactor: number;
  readonly profileSpreadScale: number;
  readonly radiusSpread: number;
}

/** The count model of a simulation config. */
export function countModelOf(cfg: SimulationConfig): CountModel {
  const f = cfg.fluctuations;
  return cfg.countFluctuation === 'sampling'
    ? {
        mode: 'sampling',
        negBinomialK: cfg.negBinomialK,
        fanoFactor: f.planeFanoFactor,
        profileSpreadScale: f.profileSpreadScale,
        radiusSpread: f.lateralRadiusSpread,
      }
    : {
        mode: cfg.countFluctuation,
        negBinomialK: cfg.negBinomialK,
        fanoFactor: 1,
        profileSpreadScale: 1,
        radiusSpread: 0,
      };
}

/**
 * Depth in X0 of lead crossed between the origin (z = dCm) and station k's plane: the lead
 * fraction of each brick length crossed, times the path-length factor √(1 + sx² + sy²).
 */
export function depthAtStationX0(g: DetectorGeometry, dCm: number, station: number, pathFactor = 1): number {
  const f = leadFraction(g);
  let leadCm = 0;
  for (let j = 0; j <= station; j++) {
    const end = planeZCm(g, j) - g.brickToPlaneGapCm;
    const start = end - g.brickThicknessCm;
    const lo = Math.max(start, dCm);
    if (end > lo) leadCm += (end - lo) * f;
  }
  return (leadCm * pathFactor) / g.lead.radiationLengthCm;
}

/** Per-shower quantities computed once and reused for every station. */
export interface PreparedShower {
  readonly spec: ShowerSpec;
  readonly profile: ShowerProfile;
  readonly nMax: number;
  readonly pathFactor: number;
}

export function prepareShower(
  g: DetectorGeometry,
  spec: ShowerSpec,
  rng: Rng,
  counts?: CountModel,
): PreparedShower {
  const y = (spec.energyGeV * 1000) / g.lead.criticalEnergyMeV;
  const profile = sampleProfile(gflashParams(y, g.lead.atomicNumber), rng, counts?.profileSpreadScale ?? 1);
  return {
    spec,
    profile,
    nMax: rossiNmax(y),
    pathFactor: Math.sqrt(1 + spec.slopeX * spec.slopeX + spec.slopeY * spec.slopeY),
  };
}

/** Deposits the shower's charged particles at station k; returns the number of particles drawn. */
export function depositShowerAtStation(
  pix: Pixeliser,
  g: DetectorGeometry,
  sh: PreparedShower,
  station: number,
  counts: CountModel,
  rng: Rng,
): number {
  const s = sh.spec;
  const t = depthAtStationX0(g, s.dCm, station, sh.pathFactor);
  const dz = planeZCm(g, station) - s.dCm;
  const cx = s.x0Cm + s.slopeX * dz;
  const cy = s.y0Cm + s.slopeY * dz;
  const smear = g.brickToPlaneGapCm * GAP_ANGLE_RAD;
  let n = 0;
  if (t > 0) {
    n = fluctuate(
      rng,
      chargedMean(sh.profile, sh.nMax, t),
      counts.mode,
      counts.negBinomialK,
      counts.fanoFactor,
    );
    if (n > 0) {
      const rp = gflashRadial(s.energyGeV, g.lead.atomicNumber, t / sh.profile.tMax);
      const sr = counts.radiusSpread;
      // Log-normal with mean 1: the plane's lateral scale fluctuates, its average does not.
      const rm =
        (g.lead.moliereRadiusCm / leadFraction(g)) *
        (sr > 0 ? Math.exp(sr * rng.normal() - (sr * sr) / 2) : 1);
      pix.cloud(n, cx, cy, rp.pCore, rp.rCore * rm, rp.rTail * rm, smear);
      pix.recordStation?.(
        station,
        t,
        n,
        rp.pCore,
        rp.rCore * rm,
        rp.rTail * rm,
        sh.profile.tMax,
        sh.profile.alpha,
      );
    }
  }
  if (t < PRIMARY_TRACK_DEPTH_X0) {
    pix.point(cx, cy, 1);
    n++;
  }
  return n;
}
