/**
 * One event's hits grouped by station, with each station's count-weighted median pixel (x and y
 * separately): the centre that both the robust centre (clustering/robust.ts) and the moment
 * features (baseline/features.ts) open their windows around. Built once per Hits object and
 * remembered (weakly) for it, so the reconstruction, which needs both for every event, sorts and
 * takes medians once instead of twice. Hits are never changed once built (they are read-only by
 * contract), so the memo cannot go stale. Pure.
 */
import type { Hits } from '../domain/index.js';
import { weightedMedianInt } from '../numerics/index.js';

export interface StationIndex {
  /** Hit indices of station s: order[offsets[s] .. offsets[s + 1]), in hit order. */
  readonly offsets: Int32Array;
  readonly order: Int32Array;
  /** Weighted median pixel column and row of station s (0 for a station without hits). */
  readonly medianIx: Int32Array;
  readonly medianIy: Int32Array;
}

const memo = new WeakMap<Hits, { nStations: number; index: StationIndex }>();

/** The station index of `hits` for stations 0 .. nStations − 1 (hits of other stations are left out). */
export function stationIndex(hits: Hits, nStations: number): StationIndex {
  const m = memo.get(hits);
  if (m !== undefined && m.nStations === nStations) return m.index;
  const index = build(hits, nStations);
  memo.set(hits, { nStations, index });
  return index;
}

function build(hits: Hits, nSt: number): StationIndex {
  const n = hits.station.length;
  const offsets = new Int32Array(nSt + 1);
  for (let i = 0; i < n; i++) if (hits.station[i]! < nSt) offsets[hits.station[i]! + 1]!++;
  for (let s = 0; s < nSt; s++) offsets[s + 1]! += offsets[s]!;
  const order = new Int32Array(offsets[nSt]!);
  const fill = offsets.slice(0, nSt);
  for (let i = 0; i < n; i++) {
    const s = hits.station[i]!;
    if (s < nSt) order[fill[s]!++] = i;
  }
  const medianIx = new Int32Array(nSt);
  const medianIy = new Int32Array(nSt);
  for (let s = 0; s < nSt; s++) {
    const a = offsets[s]!;
    const b = offsets[s + 1]!;
    if (b === a) continue;
    medianIx[s] = weightedMedianInt(hits.ix, hits.count, order, a, b);
    medianIy[s] = weightedMedianInt(hits.iy, hits.count, order, a, b);
  }
  return { offsets, order, medianIx, medianIy };
}

/** Count-weighted sums of the pixel offsets from (cx, cy) over one station's hits within ±halfPx. */
export interface WindowSums {
  /** Summed count. */
  sw: number;
  sx: number;
  sy: number;
  /** Hits in the window. */
  n: number;
}

/** The hits order[a..b) (one station of a StationIndex) inside the square window of half-width halfPx around (cx, cy). */
export function windowSums(
  hits: Hits,
  order: Int32Array,
  a: number,
  b: number,
  cx: number,
  cy: number,
  halfPx: number,
): WindowSums {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let k = a; k < b; k++) {
    const i = order[k]!;
    const dx = hits.ix[i]! - cx;
    const dy = hits.iy[i]! - cy;
    if (Math.abs(dx) > halfPx || Math.abs(dy) > halfPx) continue;
    const w = hits.count[i]!;
    sw += w;
    sx += w * dx;
    sy += w * dy;
    n++;
  }
  return { sw, sx, sy, n };
}
