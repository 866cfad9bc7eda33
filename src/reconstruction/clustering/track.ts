/**
 * The shower axis as a straight line x(z) = x0 + sx·z, y(z) = y0 + sy·z through one point per
 * station (z of station k's plane = k·stationPitchCm), chosen among cluster combinations by the
 * smallest fit error, and extrapolated to the vertex z = d (negative: upstream of plane 0).
 *
 * Fit error (the paper's "MSE of the linear fit"): mean over the used stations of the squared
 * residual distance in the plane, mse = Σ_k [(x_k − x(z_k))² + (y_k − y(z_k))²] / n, cm².
 * With two stations every combination fits exactly (mse 0); ties go to the larger summed count.
 */
import { ContractError, planeZCm, type DetectorGeometry, type Hits } from '../../domain/index.js';
import type { StationCluster } from './station.js';

export interface TrackPoint {
  readonly station: number;
  readonly xCm: number;
  readonly yCm: number;
  readonly sumCount: number;
}

export interface TrackFit {
  /** x at z = 0 (plane of station 0), cm, and slope dx/dz. */
  readonly x0Cm: number;
  readonly slopeX: number;
  readonly y0Cm: number;
  readonly slopeY: number;
  /** Fit error, cm² (see the file comment). */
  readonly mseCm2: number;
  readonly rmsCm: number;
  readonly stationsUsed: number;
  readonly points: readonly TrackPoint[];
}

/** Unweighted least-squares line through the points; one point gives a line parallel to z. */
export function fitLine(points: readonly TrackPoint[], geometry: DetectorGeometry): TrackFit {
  const n = points.length;
  if (n === 0) throw new ContractError('fitLine needs at least one point');
  let sz = 0;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sz += planeZCm(geometry, p.station);
    sx += p.xCm;
    sy += p.yCm;
  }
  const mz = sz / n;
  const mx = sx / n;
  const my = sy / n;
  let szz = 0;
  let szx = 0;
  let szy = 0;
  for (const p of points) {
    const dz = planeZCm(geometry, p.station) - mz;
    szz += dz * dz;
    szx += dz * (p.xCm - mx);
    szy += dz * (p.yCm - my);
  }
  const slopeX = szz > 0 ? szx / szz : 0;
  const slopeY = szz > 0 ? szy / szz : 0;
  const x0Cm = mx - slopeX * mz;
  const y0Cm = my - slopeY * mz;
  let ss = 0;
  for (const p of points) {
    const z = planeZCm(geometry, p.station);
    const rx = p.xCm - (x0Cm + slopeX * z);
    const ry = p.yCm - (y0Cm + slopeY * z);
    ss += rx * rx + ry * ry;
  }
  const mseCm2 = ss / n;
  return { x0Cm, slopeX, y0Cm, slopeY, mseCm2, rmsCm: Math.sqrt(mseCm2), stationsUsed: n, points };
}

/** Transverse position of the fitted axis at the vertex z = dCm. */
export function originAt(fit: TrackFit, dCm: number): { xCm: number; yCm: number } {
  return { xCm: fit.x0Cm + fit.slopeX * dCm, yCm: fit.y0Cm + fit.slopeY * dCm };
}

export interface TrackChoiceConfig {
  /** Upper bound on combinations tried; the per-station candidate lists are cut to fit it. */
  readonly maxCombinations: number;
}
export const DEFAULT_TRACK_CHOICE: TrackChoiceConfig = { maxCombinations: 729 };

/** Fit errors closer than this (cm²) count as equal; then the larger summed count wins. */
const MSE_TIE_CM2 = 1e-12;

/**
 * One cluster per station that has clusters (stations without any are skipped), the combination
 * with the smallest fit error. Each station's list must be sorted by summed count, largest first.
 * Returns undefined when no station has a cluster.
 */
export function chooseTrack(
  clusters: readonly (readonly StationCluster[])[],
  geometry: DetectorGeometry,
  config: TrackChoiceConfig = DEFAULT_TRACK_CHOICE,
): TrackFit | undefined {
  const lists = clusters.filter((l) => l.length > 0);
  if (lists.length === 0) return undefined;
  // Same k for every station: the largest with k^stations <= maxCombinations (at least 1).
  const kMax = Math.max(1, Math.floor(Math.pow(config.maxCombinations, 1 / lists.length) + 1e-9));
  const cut = lists.map((l) => (l.length > kMax ? l.slice(0, kMax) : l));
  const pick = new Array<number>(cut.length).fill(0);
  let best: TrackFit | undefined;
  let bestCount = -1;
  for (;;) {
    const points = cut.map((l, s) => l[pick[s]!]!);
    const fit = fitLine(points, geometry);
    let count = 0;
    for (const p of points) count += p.sumCount;
    if (
      best === undefined ||
      fit.mseCm2 < best.mseCm2 - MSE_TIE_CM2 ||
      (fit.mseCm2 <= best.mseCm2 + MSE_TIE_CM2 && count > bestCount)
    ) {
      best = fit;
      bestCount = count;
    }
    // Odometer over the per-station choices.
    let s = 0;
    while (s < cut.length && ++pick[s]! >= cut[s]!.length) pick[s++] = 0;
    if (s === cut.length) break;
  }
  return best;
}

/**
 * The baseline (the paper's "weighted mean of all the hits [of] the TT station"): the
 * count-weighted mean of all hits, noise included, of the station with the largest summed count,
 * and an axis parallel to z through it. Only the busiest station is used because the stations
 * behind it often hold a few shower hits among the dark counts, and a line through their means
 * would extrapolate noise to the vertex. Undefined when no station has hits.
 */
export function weightedMeanTrack(hits: Hits, geometry: DetectorGeometry): TrackFit | undefined {
  const nSt = geometry.nStations;
  const sw = new Float64Array(nSt);
  const sx = new Float64Array(nSt);
  const sy = new Float64Array(nSt);
  for (let i = 0; i < hits.station.length; i++) {
    const s = hits.station[i]!;
    if (s >= nSt) continue;
    const w = hits.count[i]!;
    sw[s]! += w;
    sx[s]! += w * hits.ix[i]!;
    sy[s]! += w * hits.iy[i]!;
  }
  let best = -1;
  for (let s = 0; s < nSt; s++) if (sw[s]! > 0 && (best < 0 || sw[s]! > sw[best]!)) best = s;
  if (best < 0) return undefined;
  const w = sw[best]!;
  const pitchCm = geometry.pixelPitchMm / 10;
  const point: TrackPoint = {
    station: best,
    xCm: (sx[best]! / w + 0.5) * pitchCm - geometry.planeWidthCm / 2,
    yCm: (sy[best]! / w + 0.5) * pitchCm - geometry.planeHeightCm / 2,
    sumCount: w,
  };
  return fitLine([point], geometry);
}
