/**
 * Detector faults applied to the hits of an ordinary event (after the readout), one station
 * each. A fault instance (where, how big) is drawn once: the injector keeps one per injection
 * window, as a broken channel stays broken; the evaluation draws one per event.
 *
 * - hot-cluster: a block of neighbouring pixels that fire in every event at a high amplitude
 *   (a SiPM array or front-end ASIC whose threshold or bias drifted; the pixels belong to one
 *   readout chip, hence contiguous, unlike the isolated hot pixels of `hotPixelsPerStation`).
 * - dead-region: a rectangle of one station reads nothing (a readout board or its HV off).
 * - noisy-burst: one station's dark-noise rate jumps by orders of magnitude (pick-up on the
 *   front-end or a light leak), with dark-pulse amplitudes.
 */
import type { ResponseConfig } from '../../config/index.js';
import {
  pixelsX,
  pixelsY,
  type DetectorGeometry,
  type ExoticClass,
  type Hits,
  type Rng,
} from '../../domain/index.js';
import { poisson } from '../counts.js';
import { darkNoiseAdc, overlayNoise, type NoiseHit } from '../response.js';

export type FaultClass = Extract<ExoticClass, 'hot-cluster' | 'dead-region' | 'noisy-burst'>;
export const FAULT_CLASSES: readonly FaultClass[] = ['hot-cluster', 'dead-region', 'noisy-burst'];

/** Side of the hot block, pixels, drawn uniformly (0.5 mm pixels: 4–16 mm). */
export const HOT_CLUSTER_SIDE_PX: readonly [number, number] = [8, 32];
/** Fraction of the block's pixels that fire in a given event. */
export const HOT_CLUSTER_OCCUPANCY = 0.8;
/** Amplitude of a hot pixel, photoelectrons (a drifted threshold lets large dark/afterpulse trains through). */
export const HOT_CLUSTER_PE: readonly [number, number] = [5, 40];
/** Dead rectangle: this fraction of the plane's width and height, drawn uniformly per side. */
export const DEAD_REGION_FRACTION: readonly [number, number] = [0.3, 0.6];
/** Mean extra noise pixels in the noisy station per event, drawn log-uniformly per instance. */
export const NOISY_BURST_HITS: readonly [number, number] = [100, 2000];

export interface FaultInstance {
  readonly cls: FaultClass;
  readonly station: number;
  /** Pixel rectangle [x0, x1) × [y0, y1) (hot block or dead region); unused by noisy-burst. */
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  /** noisy-burst: mean extra noise pixels per event. */
  readonly meanHits: number;
}

export function drawFault(g: DetectorGeometry, cls: FaultClass, rng: Rng): FaultInstance {
  const nx = pixelsX(g);
  const ny = pixelsY(g);
  const station = rng.int(g.nStations);
  const rect = (wx: number, wy: number): { x0: number; x1: number; y0: number; y1: number } => {
    const x0 = rng.int(Math.max(1, nx - wx));
    const y0 = rng.int(Math.max(1, ny - wy));
    return { x0, x1: Math.min(nx, x0 + wx), y0, y1: Math.min(ny, y0 + wy) };
  };
  const [lo, hi] = NOISY_BURST_HITS;
  const meanHits = Math.exp(rng.range(Math.log(lo), Math.log(hi)));
  if (cls === 'hot-cluster') {
    const side = Math.round(rng.range(HOT_CLUSTER_SIDE_PX[0], HOT_CLUSTER_SIDE_PX[1]));
    return { cls, station, ...rect(side, side), meanHits };
  }
  if (cls === 'dead-region') {
    const fw = rng.range(DEAD_REGION_FRACTION[0], DEAD_REGION_FRACTION[1]);
    const fh = rng.range(DEAD_REGION_FRACTION[0], DEAD_REGION_FRACTION[1]);
    return { cls, station, ...rect(Math.round(fw * nx), Math.round(fh * ny)), meanHits };
  }
  return { cls, station, x0: 0, x1: nx, y0: 0, y1: ny, meanHits };
}

/** The event's hits (sorted by station, iy, ix) with the fault applied; a fresh object. */
export function applyFault(
  g: DetectorGeometry,
  f: FaultInstance,
  hits: Hits,
  response: ResponseConfig,
  rng: Rng,
): Hits {
  const nx = pixelsX(g);
  if (f.cls === 'dead-region') return dropRegion(hits, f);
  const noise: NoiseHit[] = [];
  if (f.cls === 'hot-cluster') {
    const gain = response.adcCountsPerPe;
    for (let y = f.y0; y < f.y1; y++) {
      for (let x = f.x0; x < f.x1; x++) {
        if (rng.uniform() >= HOT_CLUSTER_OCCUPANCY) continue;
        const adc = Math.min(
          response.adcMax,
          Math.max(1, Math.round(rng.range(HOT_CLUSTER_PE[0], HOT_CLUSTER_PE[1]) * gain)),
        );
        noise.push({ station: f.station, key: y * nx + x, adc });
      }
    }
  } else {
    const nPix = nx * pixelsY(g);
    const n = poisson(rng, f.meanHits);
    for (let i = 0; i < n; i++)
      noise.push({ station: f.station, key: rng.int(nPix), adc: darkNoiseAdc(response, rng) });
  }
  return overlayNoise(hits, noise, nx, response.adcMax);
}

function dropRegion(h: Hits, f: FaultInstance): Hits {
  const keep: number[] = [];
  for (let i = 0; i < h.station.length; i++) {
    const inside =
      h.station[i] === f.station &&
      h.ix[i]! >= f.x0 &&
      h.ix[i]! < f.x1 &&
      h.iy[i]! >= f.y0 &&
      h.iy[i]! < f.y1;
    if (!inside) keep.push(i);
  }
  const pick = <T extends Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
    const out = make(keep.length);
    keep.forEach((j, k) => (out[k] = a[j]!));
    return out;
  };
  return {
    station: pick(h.station, (n) => new Uint8Array(n)),
    ix: pick(h.ix, (n) => new Int32Array(n)),
    iy: pick(h.iy, (n) => new Int32Array(n)),
    count: pick(h.count, (n) => new Int32Array(n)),
  };
}
