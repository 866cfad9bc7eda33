/**
 * Event generation per class: truth draw, then station by station every source of particles
 * (EM shower, hadronic part, tracks, dark counts, hot pixels) into one pixel accumulator, so
 * that coincident particles merge into one hit. Pure and deterministic: the only randomness is
 * the Rng passed in; detector defects (hot/dead pixels) are a fixed function of cfg.seed.
 */
import type { SimulationConfig } from '../config/index.js';
import {
  pixelsX,
  pixelsY,
  planeZCm,
  type DetectorGeometry,
  type EventClass,
  type Hits,
  type Rng,
  type ShowerTruth,
  type Truth,
} from '../domain/index.js';
import { poisson } from './counts.js';
import { createDefects, type Defects } from './defects.js';
import { Pixeliser } from './deposit.js';
import { darkPhotonModel, drawRecoil } from './dark-photon.js';
import { azimuth, slopesOf } from './kinematics.js';
import {
  drawNeutrinoClass,
  isNeutrinoClass,
  neutrinoWriterOf,
  type NeutrinoExtra,
} from './neutrino-events.js';
import { darkNoiseAdc, digitiseHits, overlayNoise, type NoiseHit } from './response.js';
import {
  GAP_ANGLE_RAD,
  countModelOf,
  depthAtStationX0,
  depositShowerAtStation,
  prepareShower,
  type CountModel,
  type ShowerSpec,
} from './shower.js';

export { ELECTRON_MASS_GEV } from './kinematics.js';
import { ELECTRON_MASS_GEV } from './kinematics.js';
/** Neutrino background: EM fraction of the visible energy (νe CC electron or π0 photons), uniform. */
export const NU_EM_FRACTION: readonly [number, number] = [0.2, 0.8];
/** RMS slope (rad) of the neutrino's EM shower: much wider than DM–electron scattering. */
export const NU_EM_SLOPE_RMS = 0.05;
/** RMS slope (rad) of charged hadron prongs. */
export const PRONG_SLOPE_RMS = 0.25;
/** Mean charged hadrons crossing a plane per GeV of hadronic energy, once the cascade has started. */
export const HAD_CHARGED_PER_GEV = 2;
/** Median radius (cm) of the hadronic cascade's lateral profile (same r²/(r²+R²) form as GFlash). */
export const HAD_RADIUS_CM = 4;
/** Nuclear interaction length of lead, cm (PDG): the hadronic cascade starts slowly. */
export const LEAD_INTERACTION_LENGTH_CM = 17.59;
/** RMS slope (rad) of through-going muons. */
export const MUON_SLOPE_RMS = 0.02;
/** Probability per station that a muon's delta ray fires the neighbouring pixel. */
export const DELTA_RAY_PROBABILITY = 0.05;

/** The drawn truth of an event; any subset can be fixed by the caller. */
export type TruthDraw = ShowerTruth;

export interface GeneratedEvent {
  readonly hits: Hits;
  readonly truth: Truth;
  /**
   * Simulation truth before the readout: the charged particles crossing each pixel (no
   * photoelectron statistics, cross-talk, saturation, noise, threshold, dark or hot pixels).
   * For information-floor studies only; the trigger never sees it.
   */
  readonly particles: Hits;
}

/** A generator bound to a geometry, config and its own scratch memory. */
export interface EventGenerator {
  generate(eventClass: EventClass, rng: Rng, truth?: Partial<TruthDraw>): GeneratedEvent;
}

export function createEventGenerator(
  g: DetectorGeometry,
  cfg: SimulationConfig,
  pixeliser?: Pixeliser,
): EventGenerator {
  const pix = pixeliser ?? new Pixeliser(g);
  const defects = createDefects(g, cfg);
  const counts: CountModel = countModelOf(cfg);
  return {
    generate(eventClass, rng, fixed) {
      const { truth, extra } = drawEvent(g, cfg, eventClass, rng, fixed);
      pix.seed(rng);
      const { hits, particles } = readOutEvent(g, cfg, defects, pix, rng, () =>
        extra === undefined
          ? stationWriter(g, cfg, eventClass, truth, counts, pix, rng)
          : neutrinoWriterOf(g, truth, extra, counts, pix, rng),
      );
      return { hits, truth, particles };
    },
  };
}

/** Scratch pixelisers for generateEvent, one per geometry object (memory reuse only: results never depend on it). */
const scratch = new WeakMap<DetectorGeometry, Pixeliser>();

/**
 * One fresh event of the given class. Draws E uniform in cfg.energyRangeGeV, d uniform in
 * cfg.dRangeCm and (x0, y0) uniform inside the plane minus cfg.originMarginCm, unless fixed.
 */
export function generateEvent(
  g: DetectorGeometry,
  cfg: SimulationConfig,
  eventClass: EventClass,
  rng: Rng,
  truth?: Partial<TruthDraw>,
): GeneratedEvent {
  let pix = scratch.get(g);
  if (pix === undefined) {
    pix = new Pixeliser(g);
    scratch.set(g, pix);
  }
  return createEventGenerator(g, cfg, pix).generate(eventClass, rng, truth);
}

/**
 * Draws every truth field (always in the same order, so fixing one field does not shift the
 * others' random numbers), then applies the caller's fixed values. The signal's energy and angle
 * follow cfg.signalSpectrum; the neutrino classes' come from their kinematics (neutrino-events.ts;
 * a fixed energy replaces the drawn one, the angles stay those of the draw).
 */
export function drawTruth(
  g: DetectorGeometry,
  cfg: SimulationConfig,
  eventClass: EventClass,
  rng: Rng,
  fixed: Partial<TruthDraw> = {},
): Truth {
  return drawEvent(g, cfg, eventClass, rng, fixed).truth;
}

function drawEvent(
  g: DetectorGeometry,
  cfg: SimulationConfig,
  eventClass: EventClass,
  rng: Rng,
  fixed: Partial<TruthDraw> = {},
): { truth: Truth; extra?: NeutrinoExtra } {
  const [eLo, eHi] = cfg.energyRangeGeV;
  const [dLo, dHi] = cfg.dRangeCm;
  const margin = eventClass === 'muon' ? 0 : cfg.originMarginCm;
  const hw = Math.max(0, g.planeWidthCm / 2 - margin);
  const hh = Math.max(0, g.planeHeightCm / 2 - margin);
  const drawnE = rng.range(eLo, eHi);
  const energyGeV = fixed.energyGeV ?? drawnE;
  let dCm = rng.range(dLo, dHi);
  const x0Cm = rng.range(-hw, hw);
  const y0Cm = rng.range(-hh, hh);
  const u = rng.uniform();
  const phi = 2 * Math.PI * rng.uniform();
  const n1 = rng.normal();
  const n2 = rng.normal();
  let slopeX: number;
  let slopeY: number;
  const at = (t: Omit<Truth, 'eventClass' | 'dCm' | 'x0Cm' | 'y0Cm'>): Truth => ({
    eventClass,
    energyGeV: t.energyGeV,
    dCm: fixed.dCm ?? dCm,
    x0Cm: fixed.x0Cm ?? x0Cm,
    y0Cm: fixed.y0Cm ?? y0Cm,
    slopeX: fixed.slopeX ?? t.slopeX,
    slopeY: fixed.slopeY ?? t.slopeY,
  });
  if (isNeutrinoClass(eventClass)) {
    const nu = drawNeutrinoClass(eventClass, cfg, rng);
    return { truth: at({ ...nu, energyGeV: fixed.energyGeV ?? nu.energyGeV }), extra: nu.extra };
  }
  if (eventClass === 'signal' && cfg.signalSpectrum === 'dark-photon') {
    // χe⁻ → χe⁻: (E_χ, T) from the χ spectrum times dσ/dT, at T = the fixed energy if given
    const r = drawRecoil(rng, darkPhotonModel(cfg.physics), fixed.energyGeV ?? eLo, fixed.energyGeV ?? eHi);
    return { truth: at({ energyGeV: r.kineticGeV, ...slopesOf(r.theta, azimuth(rng)) }) };
  }
  if (eventClass === 'signal') {
    // flat: E uniform, E·θ² < 2·m_e with θ² uniform below that bound.
    const theta = Math.sqrt((u * 2 * ELECTRON_MASS_GEV) / energyGeV);
    slopeX = theta * Math.cos(phi);
    slopeY = theta * Math.sin(phi);
  } else if (eventClass === 'neutrino') {
    slopeX = NU_EM_SLOPE_RMS * n1;
    slopeY = NU_EM_SLOPE_RMS * n2;
  } else if (eventClass === 'muon') {
    slopeX = MUON_SLOPE_RMS * n1;
    slopeY = MUON_SLOPE_RMS * n2;
    dCm = 0;
  } else {
    // Noise-only: no particle, so no physical origin; fixed values are kept for bookkeeping.
    slopeX = 0;
    slopeY = 0;
    return {
      truth: {
        eventClass,
        energyGeV: fixed.energyGeV ?? 0,
        dCm: fixed.dCm ?? 0,
        x0Cm: fixed.x0Cm ?? 0,
        y0Cm: fixed.y0Cm ?? 0,
        slopeX: fixed.slopeX ?? slopeX,
        slopeY: fixed.slopeY ?? slopeY,
      },
    };
  }
  return { truth: at({ energyGeV, slopeX, slopeY }) };
}

/** Prepares the class's sources once and returns the per-station deposit step. */
function stationWriter(
  g: DetectorGeometry,
  cfg: SimulationConfig,
  eventClass: EventClass,
  t: Truth,
  counts: CountModel,
  pix: Pixeliser,
  rng: Rng,
): (station: number) => void {
  switch (eventClass) {
    case 'signal': {
      const sh = prepareShower(g, t, rng, counts);
      return (k) => void depositShowerAtStation(pix, g, sh, k, counts, rng);
    }
    case 'neutrino':
      return neutrinoWriter(g, t, counts, pix, rng);
    case 'muon':
      return (k) => {
        const z = planeZCm(g, k) - t.dCm;
        const x = t.x0Cm + t.slopeX * z;
        const y = t.y0Cm + t.slopeY * z;
        pix.point(x, y, 1);
        if (rng.uniform() < DELTA_RAY_PROBABILITY)
          pix.point(x + (g.pixelPitchMm / 10) * (rng.uniform() < 0.5 ? -1 : 1), y, 1);
      };
    case 'noise':
      return () => {};
    default:
      throw new RangeError(`${eventClass}: written by neutrinoWriterOf`);
  }
}

/**
 * Neutrino interaction: an EM shower carrying a fraction of the visible energy plus a hadronic
 * part: 1 + Poisson(0.6·ln(1 + E_had)) straight prongs at wide angles (one crossing per
 * station) and a broad cascade whose charged count grows as 1 − e^(−L/λ_I) with the lead
 * length L crossed.
 */
function neutrinoWriter(
  g: DetectorGeometry,
  t: Truth,
  counts: CountModel,
  pix: Pixeliser,
  rng: Rng,
): (station: number) => void {
  const fEm = rng.range(NU_EM_FRACTION[0], NU_EM_FRACTION[1]);
  const em: ShowerSpec = { ...t, energyGeV: t.energyGeV * fEm };
  const eHad = t.energyGeV - em.energyGeV;
  const sh = prepareShower(g, em, rng, counts);
  const nProngs = 1 + poisson(rng, 0.6 * Math.log(1 + eHad));
  const prongs = new Float64Array(2 * nProngs);
  for (let i = 0; i < prongs.length; i++) prongs[i] = PRONG_SLOPE_RMS * rng.normal();
  const smear = g.brickToPlaneGapCm * GAP_ANGLE_RAD;
  return (k) => {
    depositShowerAtStation(pix, g, sh, k, counts, rng);
    const dz = planeZCm(g, k) - t.dCm;
    for (let i = 0; i < nProngs; i++)
      pix.point(t.x0Cm + prongs[2 * i]! * dz, t.y0Cm + prongs[2 * i + 1]! * dz, 1);
    const leadCm = depthAtStationX0(g, t.dCm, k) * g.lead.radiationLengthCm;
    const mu = HAD_CHARGED_PER_GEV * eHad * (1 - Math.exp(-leadCm / LEAD_INTERACTION_LENGTH_CM));
    const n = poisson(rng, mu);
    if (n > 0)
      pix.cloud(n, t.x0Cm + t.slopeX * dz, t.y0Cm + t.slopeY * dz, 1, HAD_RADIUS_CM, HAD_RADIUS_CM, smear);
  };
}

/**
 * Deposits one event station by station (the writer made by `makeWriter`, inside the guard), then
 * digitises the particles and overlays the readout noise. On an error the pixeliser is cleared, so
 * the next event starts empty.
 */
export function readOutEvent(
  g: DetectorGeometry,
  cfg: SimulationConfig,
  defects: Defects,
  pix: Pixeliser,
  rng: Rng,
  makeWriter: () => (station: number) => void,
): { hits: Hits; particles: Hits } {
  try {
    const perStation = makeWriter();
    for (let k = 0; k < g.nStations; k++) {
      perStation(k);
      pix.acc.flushStation(k, defects.dead);
    }
    const particles = pix.acc.takeHits();
    const digitised = digitiseHits(particles, cfg.response, rng);
    const noise = readoutNoise(g, cfg, defects, rng);
    return { hits: overlayNoise(digitised, noise, pix.acc.nx, cfg.response.adcMax), particles };
  } catch (e) {
    pix.acc.clear();
    throw e;
  }
}

/**
 * Readout noise per station: Poisson(darkHitsPerStation) dark-noise pixels above threshold,
 * uniform over the plane, and the hot pixels (which fire in every event); both with the
 * amplitude of a dark pulse that passed the threshold. Dead pixels never fire, noise included.
 */
export function readoutNoise(
  g: DetectorGeometry,
  cfg: SimulationConfig,
  defects: Defects,
  rng: Rng,
): NoiseHit[] {
  const nx = pixelsX(g);
  const nPix = nx * pixelsY(g);
  const out: NoiseHit[] = [];
  for (let station = 0; station < g.nStations; station++) {
    const n = poisson(rng, cfg.darkHitsPerStation);
    for (let i = 0; i < n; i++) {
      const key = rng.int(nPix);
      if (defects.dead?.(station, key) !== true)
        out.push({ station, key, adc: darkNoiseAdc(cfg.response, rng) });
    }
    for (const key of defects.hot[station] ?? [])
      out.push({ station, key, adc: darkNoiseAdc(cfg.response, rng) });
  }
  return out;
}
