/**
 * Exotic physics signatures that the shower selection was not built for. Each is simulated with
 * the same shower model, pixeliser, readout response and readout noise as the ordinary classes,
 * so only the topology differs:
 *
 * - dark-photon: a dark photon A' produced in the first brick decays to e⁺e⁻; the two electrons
 *   shower separately with an opening angle θ ≈ m_A' / (E·√(z(1−z))), so a 0.1–1 GeV A' of a few
 *   GeV gives θ of 0.05–0.5 rad: two showers that separate from station to station.
 * - late-shower: a long-lived neutral (e.g. an axion-like particle decaying to γγ, or a heavy
 *   neutral lepton) that crosses the first stations unseen and showers in the last brick, so only
 *   the last station sees it and nothing upstream does.
 * - wide-angle: an EM shower at 0.3–1 rad to the beam (a light particle scattered off a nucleus,
 *   or a secondary of an upstream interaction); DM–electron scattering keeps θ below √(2mₑ/E).
 * - slow-track: a slow heavy charged particle (β ≈ 0.1–0.25: a stable charged massive particle, a
 *   Q-ball or monopole-like state) ionising 1/β² ≈ 16–100 times a MIP, heavier in each station as
 *   it slows, with delta-ray pixels beside the track.
 */
import type { SimulationConfig } from '../../config/index.js';
import {
  planeZCm,
  type DetectorGeometry,
  type ExoticClass,
  type Rng,
  type Truth,
} from '../../domain/index.js';
import { createDefects } from '../defects.js';
import { Pixeliser } from '../deposit.js';
import { drawTruth, readOutEvent, type GeneratedEvent } from '../events.js';
import { countModelOf, depositShowerAtStation, prepareShower, type CountModel } from '../shower.js';

export type PhysicsExotic = Extract<ExoticClass, 'dark-photon' | 'late-shower' | 'wide-angle' | 'slow-track'>;
export const PHYSICS_EXOTICS: readonly PhysicsExotic[] = [
  'dark-photon',
  'late-shower',
  'wide-angle',
  'slow-track',
];

/** Opening angle of the e⁺e⁻ pair, rad, drawn uniformly. */
export const DARK_PHOTON_OPENING_RAD: readonly [number, number] = [0.05, 0.4];
/** Energy fraction of the first electron, drawn uniformly (the rest goes to the positron). */
export const DARK_PHOTON_SHARE: readonly [number, number] = [0.2, 0.8];
/** Polar angle of the wide-angle shower, rad, drawn uniformly; azimuth uniform. */
export const WIDE_ANGLE_RAD: readonly [number, number] = [0.3, 1.0];
/** Velocity β of the slow track at the first station, drawn uniformly; it loses this fraction of β per station. */
export const SLOW_TRACK_BETA: readonly [number, number] = [0.1, 0.25];
export const SLOW_TRACK_BETA_LOSS_PER_STATION = 0.1;
/** RMS slope of the slow track, rad per projection. */
export const SLOW_TRACK_SLOPE_RMS = 0.1;
/** Mean delta-ray pixels beside the slow track per station, per 10 MIP of ionisation. */
export const SLOW_TRACK_DELTAS_PER_10_MIP = 1;

export interface ExoticPhysicsGenerator {
  generate(cls: PhysicsExotic, rng: Rng): GeneratedEvent;
}

export function createExoticPhysicsGenerator(
  g: DetectorGeometry,
  cfg: SimulationConfig,
): ExoticPhysicsGenerator {
  const pix = new Pixeliser(g);
  const defects = createDefects(g, cfg);
  const counts: CountModel = countModelOf(cfg);
  // An exotic shower's energy is uniform in energyRangeGeV, not the dark-photon recoil spectrum of the signal class.
  const flat: SimulationConfig = { ...cfg, signalSpectrum: 'flat' };
  return {
    generate(cls, rng) {
      const base = drawTruth(g, flat, 'signal', rng);
      const { truth, station } = writer(g, cls, base, counts, pix, rng);
      pix.seed(rng);
      const { hits, particles } = readOutEvent(g, cfg, defects, pix, rng, () => station);
      return { hits, truth, particles };
    },
  };
}

const uniformIn = (rng: Rng, r: readonly [number, number]): number => rng.range(r[0], r[1]);

/** What a class's writer needs: the detector, the drawn truth, the pixeliser and the azimuth φ. */
interface WriterContext {
  readonly g: DetectorGeometry;
  readonly base: Truth;
  readonly counts: CountModel;
  readonly pix: Pixeliser;
  readonly rng: Rng;
  readonly phi: number;
}
type Written = { truth: Truth; station: (k: number) => void };

/** The class's truth and its per-station deposit; φ is drawn first for every class (same random sequence). */
function writer(
  g: DetectorGeometry,
  cls: PhysicsExotic,
  base: Truth,
  counts: CountModel,
  pix: Pixeliser,
  rng: Rng,
): Written {
  const c: WriterContext = { g, base, counts, pix, rng, phi: 2 * Math.PI * rng.uniform() };
  return WRITERS[cls](c);
}

function darkPhoton({ g, base, counts, pix, rng, phi }: WriterContext): Written {
  const theta = uniformIn(rng, DARK_PHOTON_OPENING_RAD);
  const z = uniformIn(rng, DARK_PHOTON_SHARE);
  // Each electron's angle to the A' axis: momentum balance splits θ as (1−z):z.
  const c = Math.cos(phi);
  const s = Math.sin(phi);
  const legs = [
    { f: z, a: theta * (1 - z) },
    { f: 1 - z, a: -theta * z },
  ].map(({ f, a }) =>
    prepareShower(
      g,
      { ...base, energyGeV: base.energyGeV * f, slopeX: base.slopeX + a * c, slopeY: base.slopeY + a * s },
      rng,
    ),
  );
  return {
    truth: { ...base, exotic: 'dark-photon' },
    station: (k) => legs.forEach((sh) => void depositShowerAtStation(pix, g, sh, k, counts, rng)),
  };
}

function lateShower({ g, base, counts, pix, rng }: WriterContext): Written {
  const last = g.nStations - 1;
  const end = planeZCm(g, last) - g.brickToPlaneGapCm;
  const dCm = rng.range(end - g.brickThicknessCm, end);
  const truth: Truth = { ...base, dCm, exotic: 'late-shower' };
  const sh = prepareShower(g, truth, rng);
  // A neutral crosses the upstream stations unseen: nothing before its decay point.
  return {
    truth,
    station: (k) => void (planeZCm(g, k) > dCm && depositShowerAtStation(pix, g, sh, k, counts, rng)),
  };
}

function wideAngle({ g, base, counts, pix, rng, phi }: WriterContext): Written {
  const theta = uniformIn(rng, WIDE_ANGLE_RAD);
  const truth: Truth = {
    ...base,
    slopeX: Math.tan(theta) * Math.cos(phi),
    slopeY: Math.tan(theta) * Math.sin(phi),
    exotic: 'wide-angle',
  };
  const sh = prepareShower(g, truth, rng);
  return { truth, station: (k) => void depositShowerAtStation(pix, g, sh, k, counts, rng) };
}

function slowTrack({ g, base, pix, rng }: WriterContext): Written {
  const beta0 = uniformIn(rng, SLOW_TRACK_BETA);
  const truth: Truth = {
    ...base,
    energyGeV: 0,
    dCm: 0,
    slopeX: SLOW_TRACK_SLOPE_RMS * rng.normal(),
    slopeY: SLOW_TRACK_SLOPE_RMS * rng.normal(),
    exotic: 'slow-track',
  };
  const pitchCm = g.pixelPitchMm / 10;
  return {
    truth,
    station: (k) => {
      const beta = beta0 * (1 - SLOW_TRACK_BETA_LOSS_PER_STATION) ** k;
      const mips = Math.round(1 / (beta * beta));
      const z = planeZCm(g, k);
      const x = truth.x0Cm + truth.slopeX * z;
      const y = truth.y0Cm + truth.slopeY * z;
      pix.point(x, y, mips);
      const deltas = Math.round((SLOW_TRACK_DELTAS_PER_10_MIP * mips) / 10);
      for (let i = 0; i < deltas; i++)
        pix.point(x + pitchCm * Math.round(2 * rng.normal()), y + pitchCm * Math.round(2 * rng.normal()), 1);
    },
  };
}

const WRITERS: Readonly<Record<PhysicsExotic, (c: WriterContext) => Written>> = {
  'dark-photon': darkPhoton,
  'late-shower': lateShower,
  'wide-angle': wideAngle,
  'slow-track': slowTrack,
};
