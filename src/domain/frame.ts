/**
 * A Target Tracker hit frame: what the DAQ emits for one event.
 * Hits are stored as parallel typed arrays (structure of arrays): hit i is
 * (station[i], ix[i], iy[i], count[i]). Pixel indices are 0-based on the plane grid;
 * count is the number of charged particles that crossed the pixel.
 */
/**
 * signal: χe⁻ → χe⁻; neutrino: ν DIS (CC + NC, all flavours); nuElastic: ν e⁻ → ν e⁻ (the irreducible
 * background); nueCCQE: νe n → e⁻ p (ν̄e p → e⁺ n) with a soft proton; ncPi0: ν N → ν N π⁰.
 */
export const EVENT_CLASSES = [
  'signal',
  'neutrino',
  'muon',
  'noise',
  'nuElastic',
  'nueCCQE',
  'ncPi0',
] as const;
/** The classes of the first schema version; later classes travel as their nearest one of these there. */
export const EVENT_CLASSES_V1 = ['signal', 'neutrino', 'muon', 'noise'] as const;
export type EventClassV1 = (typeof EVENT_CLASSES_V1)[number];

/** The version-1 class an event travels as where only those exist: every neutrino interaction is neutrino. */
export function eventClassV1(c: EventClass): EventClassV1 {
  return c === 'nuElastic' || c === 'nueCCQE' || c === 'ncPi0' ? 'neutrino' : c;
}
export type EventClass = (typeof EVENT_CLASSES)[number];

export interface Hits {
  readonly station: Uint8Array;
  readonly ix: Int32Array;
  readonly iy: Int32Array;
  readonly count: Int32Array;
}

/** The true shower of an event: energy, origin and direction (the one definition of that shape). */
export interface ShowerTruth {
  readonly energyGeV: number;
  /** Transverse shower origin in the detector frame, cm (plane centre at 0,0). */
  readonly x0Cm: number;
  readonly y0Cm: number;
  /** Longitudinal distance from the shower origin to the first TT plane, cm, in [-7.5, 0]. */
  readonly dCm: number;
  /** Direction slopes dx/dz and dy/dz, radians (small-angle). */
  readonly slopeX: number;
  readonly slopeY: number;
}

/**
 * Exotic signatures the selection was not built for (physics) and detector faults, injected by
 * the simulator only on request. Physics exotics carry eventClass 'signal' (a dark-sector-like
 * event); a fault keeps the class of the ordinary event it was applied to.
 */
export const EXOTIC_CLASSES = [
  'dark-photon',
  'late-shower',
  'wide-angle',
  'slow-track',
  'hot-cluster',
  'dead-region',
  'noisy-burst',
] as const;
export type ExoticClass = (typeof EXOTIC_CLASSES)[number];

/** The exotic class as an Avro enum symbol (letters only: dark-photon → darkPhoton). */
export const exoticSymbol = (c: ExoticClass): string =>
  c.replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());

/** The exotic class of an Avro enum symbol; undefined for a symbol this build does not know. */
export const exoticFromSymbol = (s: string): ExoticClass | undefined =>
  EXOTIC_CLASSES.find((c) => exoticSymbol(c) === s);

/** Simulation truth carried by simulated frames (absent for real data). */
export interface Truth extends ShowerTruth {
  readonly eventClass: EventClass;
  /** Set only on injected exotic events and on events a detector fault was applied to. */
  readonly exotic?: ExoticClass;
}

export interface HitFrame {
  readonly runId: string;
  readonly eventId: string;
  /** DAQ timestamp, ns since the Unix epoch. */
  readonly timestampNs: bigint;
  readonly hits: Hits;
  readonly truth?: Truth;
}

/** Hits per station, for stations 0..nStations-1. */
export function hitsPerStation(h: Hits, nStations: number): number[] {
  const out = new Array<number>(nStations).fill(0);
  for (let i = 0; i < h.station.length; i++) {
    const s = h.station[i]!;
    if (s < nStations) out[s] = (out[s] ?? 0) + 1;
  }
  return out;
}
