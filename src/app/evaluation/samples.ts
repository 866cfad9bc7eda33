/**
 * Seeded signal samples for the evaluation: each role (baseline training, calibration,
 * evaluation) draws from its own seed, so the samples are disjoint Rng streams. An optional hits
 * transform models what the simulation does not (e.g. a misaligned station) for robustness runs.
 */
import type { SimulationConfig } from '../../config/index.js';
import { Rng, type DetectorGeometry, type Hits, type Truth } from '../../domain/index.js';
import { generateEvent } from '../../sim/index.js';

export interface SignalEvent {
  readonly hits: Hits;
  readonly truth: Truth;
}

/** Where an evaluation's events come from: each call returns up to n more (fewer, or none, at the end). */
export interface EvaluationSource {
  /** Said in the report's title, e.g. "fresh signal events (seed 1)". */
  readonly label: string;
  next(n: number): Promise<readonly SignalEvent[]>;
}

/** A change applied to every simulated event's hits after the detector response. */
export type HitsTransform = (hits: Hits) => Hits;

/** Seed offsets of the evaluation's roles from the evaluation seed. */
export const SEED_OFFSETS = { training: 1_000_003, calibration: 2_000_003 } as const;

/** A seeded stream of signal events: each call returns the next n. */
export function signalStream(
  g: DetectorGeometry,
  sim: SimulationConfig,
  seed: number,
  transform?: HitsTransform,
): (n: number) => SignalEvent[] {
  const rng = new Rng(seed >>> 0);
  return (n) =>
    Array.from({ length: n }, () => {
      const ev = generateEvent(g, sim, 'signal', rng);
      return transform === undefined ? ev : { hits: transform(ev.hits), truth: ev.truth };
    });
}

/** `events` fresh simulated signal events of `seed` as an evaluation source. */
export function simulatedSource(
  g: DetectorGeometry,
  sim: SimulationConfig,
  events: number,
  seed: number,
  transform?: HitsTransform,
): EvaluationSource {
  const stream = signalStream(g, sim, seed, transform);
  let left = events;
  return {
    label: `${events} fresh signal events (seed ${seed})`,
    next: (n) => {
      const k = Math.min(n, left);
      left -= k;
      return Promise.resolve(stream(k));
    },
  };
}

/**
 * A station displaced by (dxMm, dyMm) while the reconstruction assumes it nominal: its hits are
 * read dx/pitch pixels off (rounded to whole pixels); hits pushed off the plane are lost.
 */
export function misalignStation(
  g: DetectorGeometry,
  station: number,
  dxMm: number,
  dyMm: number,
): HitsTransform {
  const sx = Math.round(dxMm / g.pixelPitchMm);
  const sy = Math.round(dyMm / g.pixelPitchMm);
  const nx = Math.round((g.planeWidthCm * 10) / g.pixelPitchMm);
  const ny = Math.round((g.planeHeightCm * 10) / g.pixelPitchMm);
  return (h) => {
    const keep: number[] = [];
    for (let i = 0; i < h.station.length; i++) {
      if (h.station[i] !== station) keep.push(i);
      else {
        const x = h.ix[i]! - sx;
        const y = h.iy[i]! - sy;
        if (x >= 0 && x < nx && y >= 0 && y < ny) keep.push(i);
      }
    }
    const shift = (i: number, v: number, s: number): number => (h.station[i] === station ? v - s : v);
    return {
      station: Uint8Array.from(keep, (i) => h.station[i]!),
      ix: Int32Array.from(keep, (i) => shift(i, h.ix[i]!, sx)),
      iy: Int32Array.from(keep, (i) => shift(i, h.iy[i]!, sy)),
      count: Int32Array.from(keep, (i) => h.count[i]!),
    };
  };
}
