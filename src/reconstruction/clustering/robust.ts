/**
 * Simple transverse estimators of the shower origin, the baselines beside the clustering:
 *  - robust centre of a station: the count-weighted mean of the hits within ±halfWindowCm of the
 *    station's count-weighted median (x and y separately), so that dark noise and the far tail
 *    do not pull it; the count is the digitised amplitude;
 *  - robustCentreTrack: that centre in the busiest station, axis parallel to z (no slope);
 *  - robustLineTrack: robust centres of every station with at least minSignalFraction of the
 *    busiest station's signal, a straight line through them weighted by their signal, so that the
 *    slope of the forward electron is followed back to the vertex.
 */
import type { DetectorGeometry, Hits } from '../../domain/index.js';
import { stationIndex } from '../station-index.js';
import { fitLine, type TrackFit, type TrackPoint } from './track.js';

export interface RobustCentreConfig {
  /** Half-width of the window around the weighted median, cm. */
  readonly halfWindowCm: number;
  /** Stations with less signal than this fraction of the busiest one are left out of the line. */
  readonly minSignalFraction: number;
}
export const DEFAULT_ROBUST_CENTRE: RobustCentreConfig = { halfWindowCm: 1, minSignalFraction: 0.05 };

/** Robust centre (cm) and in-window signal of each station; undefined for a station without hits. */
export function robustCentres(
  hits: Hits,
  geometry: DetectorGeometry,
  cfg: RobustCentreConfig = DEFAULT_ROBUST_CENTRE,
): (TrackPoint | undefined)[] {
  const nSt = geometry.nStations;
  const pitchCm = geometry.pixelPitchMm / 10;
  const half = cfg.halfWindowCm / pitchCm;
  const { offsets, order, medianIx, medianIy } = stationIndex(hits, nSt);
  const out: (TrackPoint | undefined)[] = [];
  for (let station = 0; station < nSt; station++) {
    const a = offsets[station]!;
    const b = offsets[station + 1]!;
    if (b === a) {
      out.push(undefined);
      continue;
    }
    const mx = medianIx[station]!;
    const my = medianIy[station]!;
    let w = 0;
    let sx = 0;
    let sy = 0;
    for (let k = a; k < b; k++) {
      const i = order[k]!;
      const x = hits.ix[i]!;
      const y = hits.iy[i]!;
      if (Math.abs(x - mx) > half || Math.abs(y - my) > half) continue;
      const c = hits.count[i]!;
      w += c;
      sx += c * x;
      sy += c * y;
    }
    out.push(
      w > 0
        ? {
            station,
            xCm: (sx / w + 0.5) * pitchCm - geometry.planeWidthCm / 2,
            yCm: (sy / w + 0.5) * pitchCm - geometry.planeHeightCm / 2,
            sumCount: w,
          }
        : undefined,
    );
  }
  return out;
}

/** The robust centre of the busiest station, axis parallel to z. Undefined without hits. */
export function robustCentreTrack(
  hits: Hits,
  geometry: DetectorGeometry,
  cfg: RobustCentreConfig = DEFAULT_ROBUST_CENTRE,
): TrackFit | undefined {
  let best: TrackPoint | undefined;
  for (const c of robustCentres(hits, geometry, cfg))
    if (c !== undefined && (best === undefined || c.sumCount > best.sumCount)) best = c;
  return best === undefined ? undefined : fitLine([best], geometry);
}

/** Signal-weighted straight line through the robust centres of the stations with enough signal. */
export function robustLineTrack(
  hits: Hits,
  geometry: DetectorGeometry,
  cfg: RobustCentreConfig = DEFAULT_ROBUST_CENTRE,
): TrackFit | undefined {
  const centres = robustCentres(hits, geometry, cfg).filter((c): c is TrackPoint => c !== undefined);
  if (centres.length === 0) return undefined;
  const top = Math.max(...centres.map((c) => c.sumCount));
  const used = centres.filter((c) => c.sumCount >= cfg.minSignalFraction * top);
  if (used.length < 2) return fitLine(used, geometry);
  // Weighted least squares in z with weights w = signal (the centre's variance falls as 1/signal).
  let sw = 0,
    sz = 0,
    sx = 0,
    sy = 0;
  const z = (c: TrackPoint): number => c.station * geometry.stationPitchCm;
  for (const c of used) {
    sw += c.sumCount;
    sz += c.sumCount * z(c);
    sx += c.sumCount * c.xCm;
    sy += c.sumCount * c.yCm;
  }
  const mz = sz / sw,
    mx = sx / sw,
    my = sy / sw;
  let szz = 0,
    szx = 0,
    szy = 0;
  for (const c of used) {
    const dz = z(c) - mz;
    szz += c.sumCount * dz * dz;
    szx += c.sumCount * dz * (c.xCm - mx);
    szy += c.sumCount * dz * (c.yCm - my);
  }
  const slopeX = szz > 0 ? szx / szz : 0;
  const slopeY = szz > 0 ? szy / szz : 0;
  const plain = fitLine(used, geometry);
  return { ...plain, x0Cm: mx - slopeX * mz, y0Cm: my - slopeY * mz, slopeX, slopeY };
}
