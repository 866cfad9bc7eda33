import type { RecoStatus } from './event.js';
import type { Hits } from './frame.js';
import { pixelsX, pixelsY, type DetectorGeometry } from './geometry.js';

export interface HitsVerdict {
  readonly status: RecoStatus;
  readonly detail?: string;
}

/** Default limit on hits per frame (config reconstruction.maxHits): more is refused as too_many_hits. */
export const DEFAULT_MAX_HITS = 200_000;

/**
 * Checks a frame's hits against the detector model before any physics runs on them.
 * Order matters: the cheapest, most fundamental problems are reported first.
 */
export function checkHits(h: Hits, g: DetectorGeometry, maxHits: number): HitsVerdict {
  const n = h.station.length;
  if (h.ix.length !== n || h.iy.length !== n || h.count.length !== n) {
    return { status: 'non_finite', detail: `hit arrays differ in length (${n}, ${h.ix.length}, ${h.iy.length}, ${h.count.length})` };
  }
  if (n === 0) return { status: 'no_hits', detail: 'frame has no hits' };
  if (n > maxHits) return { status: 'too_many_hits', detail: `${n} hits > maxHits ${maxHits}` };
  const nx = pixelsX(g);
  const ny = pixelsY(g);
  let stationsMask = 0;
  for (let i = 0; i < n; i++) {
    const s = h.station[i]!;
    const ix = h.ix[i]!;
    const iy = h.iy[i]!;
    const c = h.count[i]!;
    if (!Number.isFinite(ix) || !Number.isFinite(iy) || !Number.isFinite(c)) {
      return { status: 'non_finite', detail: `hit ${i} has a non-finite value` };
    }
    if (s >= g.nStations || ix < 0 || ix >= nx || iy < 0 || iy >= ny) {
      return { status: 'out_of_plane', detail: `hit ${i} (station ${s}, ix ${ix}, iy ${iy}) outside ${g.nStations} x ${nx} x ${ny}` };
    }
    if (c <= 0) return { status: 'non_finite', detail: `hit ${i} has count ${c} <= 0` };
    stationsMask |= 1 << s;
  }
  let stations = 0;
  for (let m = stationsMask; m !== 0; m &= m - 1) stations++;
  if (stations < 2) return { status: 'single_station', detail: 'hits in one station only: no direction, no vertex' };
  return { status: 'ok' };
}
