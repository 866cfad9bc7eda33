/**
 * Detector defects, a fixed function of the simulation seed (so a seed reproduces the same
 * detector): hot pixels fire in every event, dead pixels never fire. Dead pixels are decided by
 * a hash of (seed, station, pixel) instead of a stored mask, so they cost nothing when absent
 * and one hash per emitted hit otherwise.
 */
import type { SimulationConfig } from '../config/index.js';
import { pixelsX, pixelsY, type DetectorGeometry } from '../domain/index.js';
import type { DeadPixelTest } from './pixels.js';

export interface Defects {
  /** Hot pixel keys (iy·nx + ix) per station. */
  readonly hot: readonly (readonly number[])[];
  /** Undefined when no pixel is dead. */
  readonly dead?: DeadPixelTest;
}

export function createDefects(g: DetectorGeometry, cfg: SimulationConfig): Defects {
  const nPix = pixelsX(g) * pixelsY(g);
  const seed = cfg.seed >>> 0;
  const hot: number[][] = [];
  for (let k = 0; k < g.nStations; k++) {
    const keys = new Set<number>();
    for (let j = 0; keys.size < Math.min(cfg.hotPixelsPerStation, nPix); j++)
      keys.add(hash3(seed ^ 0x1f0a5e, k, j) % nPix);
    hot.push([...keys].sort((a, b) => a - b));
  }
  const fraction = cfg.deadPixelFraction;
  if (!(fraction > 0)) return { hot };
  const threshold = fraction * 4294967296;
  return { hot, dead: (station, key) => hash3(seed ^ 0xdead, station, key) < threshold };
}

/** A 32-bit hash of three integers (murmur3 finaliser after each word). */
export function hash3(a: number, b: number, c: number): number {
  let h = fmix(a ^ 0x9e3779b9);
  h = fmix(h ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b));
  h = fmix(h ^ Math.imul(c + 0x165667b1, 0xc2b2ae35));
  return h >>> 0;
}

function fmix(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
