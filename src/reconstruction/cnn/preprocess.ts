/**
 * CNN input preprocessing (pure, no tfjs): a window cropped around the shower and rebinned,
 * stations as channels, log(1 + count) intensities.
 *
 * Layout of one event: channels-last [size, size, channels], index (by * size + bx) * channels + c,
 * bx along x (ix), by along y (iy); channel s < nStations is station s's coarse window, with
 * `core` channel nStations + s its native-pixel core window. A batch is events back to back.
 *
 * Window centre: chosen from the hits themselves, independent of clustering. In the station with
 * the most counts, the densest 3×3 block of coarse cells (cell side = window / 4) seeds a
 * count-weighted mean shift (centroid of the hits inside the window, twice). The same centre is
 * used for every station so that the shower's drift between stations stays visible to the net.
 */
import { ContractError } from '../../domain/index.js';
import type { DetectorGeometry, Hits } from '../../domain/index.js';

export interface InputSpec {
  /** Bins per side of the window. */
  readonly size: number;
  /** Detector pixels per bin (per side); window side = size * pixelsPerBin pixels. */
  readonly pixelsPerBin: number;
  /** TT stations: one channel each (the coarse window). */
  readonly nStations: number;
  /**
   * Multi-resolution input: nStations more channels holding the same stations at the native
   * pixel pitch in a size × size-pixel window around the same centre (24 pixels = 12 mm at 0.5 mm):
   * the shower core (a few mm, whose radius grows with shower age and so carries d) that the coarse
   * bins merge. Absent or false: the coarse channels only (models trained before it).
   */
  readonly core?: boolean;
}

/** Channels of the image: the stations, twice with the core window. */
export function inputChannels(spec: InputSpec): number {
  return spec.core === true ? 2 * spec.nStations : spec.nStations;
}

/** Side of the input window, cm: `train`'s default, and the shipped model's (models/default). */
export const DEFAULT_WINDOW_CM = 6;
/**
 * The shipped model's input: 24 × 24 bins of 5 × 5 pixels (2.5 mm) = 6 cm per side, what
 * inputSpecFor(geometry, 24) gives, plus the native-pixel core channels (`train`'s default).
 */
export const DEFAULT_INPUT_SPEC: InputSpec = { size: 24, pixelsPerBin: 5, nStations: 3, core: true };

export function inputSpecFor(
  geometry: DetectorGeometry,
  size: number,
  windowCm = DEFAULT_WINDOW_CM,
): InputSpec {
  const windowPx = (windowCm * 10) / geometry.pixelPitchMm;
  return { size, pixelsPerBin: Math.max(1, Math.round(windowPx / size)), nStations: geometry.nStations };
}

export function inputLength(spec: InputSpec): number {
  return spec.size * spec.size * inputChannels(spec);
}

export function validateInputSpec(spec: InputSpec, geometry: DetectorGeometry): string | undefined {
  if (!Number.isInteger(spec.size) || spec.size < 4 || spec.size > 512)
    return `size ${spec.size} not an integer in [4, 512]`;
  if (!Number.isInteger(spec.pixelsPerBin) || spec.pixelsPerBin < 1 || spec.pixelsPerBin > 1000)
    return `pixelsPerBin ${spec.pixelsPerBin} not an integer in [1, 1000]`;
  if (spec.nStations !== geometry.nStations)
    return `nStations ${spec.nStations} != detector nStations ${geometry.nStations}`;
  return undefined;
}

let grid = new Float64Array(4096);
/** A zeroed scratch grid of at least n cells (module-level reuse: callers always re-zero it). */
function scratchGrid(n: number): Float64Array {
  if (grid.length < n) grid = new Float64Array(n);
  return grid;
}
let cellList = new Int32Array(1024);
/** Scratch list of at least n cell indices. */
function scratchCells(n: number): Int32Array {
  if (cellList.length < n) cellList = new Int32Array(n);
  return cellList;
}

/** Window centre in pixel coordinates (fractional), or undefined when there are no hits. */
export function windowCentre(h: Hits, spec: InputSpec): { cx: number; cy: number } | undefined {
  const best = busiestStation(h, spec.nStations);
  if (best === undefined) return undefined;
  const side = spec.size * spec.pixelsPerBin;
  const start = densestBlockCentre(h, best, Math.max(1, Math.floor(side / 4)));
  return meanShift(h, best, side / 2, start.cx, start.cy);
}

/** The station with the largest summed count, or undefined when no station has any. */
function busiestStation(h: Hits, nStations: number): number | undefined {
  const perStation = new Float64Array(nStations);
  for (let i = 0; i < h.station.length; i++) {
    const s = h.station[i]!;
    if (s < nStations) perStation[s]! += h.count[i]!;
  }
  let best = 0;
  for (let s = 1; s < nStations; s++) if (perStation[s]! > perStation[best]!) best = s;
  return perStation[best]! > 0 ? best : undefined;
}

/** Centre (pixels) of the densest 3×3 block of `cell`-pixel cells of the station, on a dense grid over its hits' bounding box. */
function densestBlockCentre(h: Hits, best: number, cell: number): { cx: number; cy: number } {
  const n = h.station.length;
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    if (h.station[i] !== best) continue;
    const x = h.ix[i]!,
      y = h.iy[i]!;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const gx0 = Math.floor(minX / cell) - 1,
    gy0 = Math.floor(minY / cell) - 1;
  const gw = Math.floor(maxX / cell) - gx0 + 2,
    gh = Math.floor(maxY / cell) - gy0 + 2;
  const grid = scratchGrid(gw * gh);
  // Only the occupied cells are visited, in row-major order as a full scan would (the first
  // densest block wins ties), and only they are cleared afterwards.
  const touched = scratchCells(n);
  let nt = 0;
  for (let i = 0; i < n; i++) {
    if (h.station[i] !== best) continue;
    const k = (Math.floor(h.iy[i]! / cell) - gy0) * gw + (Math.floor(h.ix[i]! / cell) - gx0);
    if (grid[k] === 0) touched[nt++] = k;
    grid[k]! += h.count[i]!;
  }
  const cells = touched.subarray(0, nt).sort();
  let bestCell = 0;
  let bestSum = -1;
  for (let t = 0; t < nt; t++) {
    const k = cells[t]!;
    if (grid[k] === 0) continue; // hits of count 0 only: not a candidate, as in a full scan
    const sum =
      grid[k - gw - 1]! +
      grid[k - gw]! +
      grid[k - gw + 1]! +
      grid[k - 1]! +
      grid[k]! +
      grid[k + 1]! +
      grid[k + gw - 1]! +
      grid[k + gw]! +
      grid[k + gw + 1]!;
    if (sum > bestSum) {
      bestSum = sum;
      bestCell = k;
    }
  }
  for (let t = 0; t < nt; t++) grid[cells[t]!] = 0;
  return { cx: ((bestCell % gw) + gx0 + 0.5) * cell, cy: (Math.floor(bestCell / gw) + gy0 + 0.5) * cell };
}

/** Two mean-shift steps: the count-weighted centroid of the station's hits within ±half pixels of the centre. */
function meanShift(h: Hits, best: number, half: number, cx: number, cy: number): { cx: number; cy: number } {
  for (let it = 0; it < 2; it++) {
    let w = 0;
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < h.station.length; i++) {
      if (h.station[i] !== best) continue;
      const x = h.ix[i]! + 0.5;
      const y = h.iy[i]! + 0.5;
      if (Math.abs(x - cx) > half || Math.abs(y - cy) > half) continue;
      const c = h.count[i]!;
      w += c;
      sx += c * x;
      sy += c * y;
    }
    if (w <= 0) break;
    cx = sx / w;
    cy = sy / w;
  }
  return { cx, cy };
}

/**
 * Fills `out` (length inputLength(spec) * hits.length, from `offset`) with one window per event.
 * Events without hits leave an all-zero window. Returns `out`.
 */
export function buildInputs(
  hits: readonly Hits[],
  _geometry: DetectorGeometry,
  spec: InputSpec,
  out?: Float32Array,
): Float32Array {
  const per = inputLength(spec);
  const buf = out ?? new Float32Array(per * hits.length);
  if (buf.length < per * hits.length)
    throw new ContractError(`buildInputs: buffer ${buf.length} < ${per * hits.length}`);
  buf.fill(0, 0, per * hits.length);
  const side = spec.size * spec.pixelsPerBin;
  const nS = spec.nStations;
  const nC = inputChannels(spec);
  const core = spec.core === true;
  for (let e = 0; e < hits.length; e++) {
    const h = hits[e]!;
    const c = windowCentre(h, spec);
    if (c === undefined) continue;
    // Window origin snapped to the pixel grid so that a bin holds whole pixels.
    const x0 = Math.round(c.cx - side / 2);
    const y0 = Math.round(c.cy - side / 2);
    const cx0 = Math.round(c.cx - spec.size / 2);
    const cy0 = Math.round(c.cy - spec.size / 2);
    const base = e * per;
    for (let i = 0; i < h.station.length; i++) {
      const s = h.station[i]!;
      if (s >= nS) continue;
      const dx = h.ix[i]! - x0;
      const dy = h.iy[i]! - y0;
      if (dx < 0 || dy < 0 || dx >= side || dy >= side) continue;
      const bxi = Math.floor(dx / spec.pixelsPerBin);
      const byi = Math.floor(dy / spec.pixelsPerBin);
      buf[base + (byi * spec.size + bxi) * nC + s]! += h.count[i]!;
      if (!core) continue;
      const px = h.ix[i]! - cx0;
      const py = h.iy[i]! - cy0;
      if (px >= 0 && py >= 0 && px < spec.size && py < spec.size)
        buf[base + (py * spec.size + px) * nC + nS + s]! += h.count[i]!;
    }
    for (let j = base; j < base + per; j++) {
      const v = buf[j]!;
      if (v > 0) buf[j] = Math.log1p(v);
    }
  }
  return buf;
}
