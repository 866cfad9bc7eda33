/**
 * The paper's Gaussian-moment features: per station, the count-weighted second moments of the
 * hit map (var x, cov xy, var y, cm²) and the hit count → 4 × nStations features (12 for 3).
 *
 * The moments are taken in a window of `windowCm` around the station's count-weighted median
 * (x and y separately): the paper fits a Gaussian "in the middle of the response picture", and a
 * single dark-count hit 40 cm away would otherwise dominate the variance (1 hit at 40 cm in a
 * 1,000-particle shower adds 1.6 cm², more than the shower's own width). The hit count is the
 * number of hits in that window, as log(1 + n): shower size grows ~linearly with E, so the log
 * keeps the high-E tail from dominating the least-squares fit.
 */
import type { DetectorGeometry, Hits } from '../../domain/index.js';
import { stationIndex, windowSums } from '../station-index.js';
import { richFeatureCount, richFeatureNames, richFeatures } from './rich-features.js';

export interface MomentFeatureConfig {
  /** Half-width of the square window around the weighted median, cm. */
  readonly windowCm: number;
}
export const DEFAULT_MOMENT_FEATURES: MomentFeatureConfig = { windowCm: 4.8 };

export const FEATURES_PER_STATION = 4;

export function featureNames(nStations: number): string[] {
  const out: string[] = [];
  for (let s = 0; s < nStations; s++)
    out.push(`s${s}_var_x_cm2`, `s${s}_cov_xy_cm2`, `s${s}_var_y_cm2`, `s${s}_log1p_hits`);
  return out;
}

/**
 * Writes the features of `hits` into out[offset .. offset + 4·nStations). Stations without hits
 * give zeros. Pure; the stations' hit lists and medians come from stationIndex (shared with the robust centre).
 */
export function momentFeatures(
  hits: Hits,
  geometry: DetectorGeometry,
  config: MomentFeatureConfig,
  out: Float64Array,
  offset = 0,
): void {
  const nSt = geometry.nStations;
  const pitchCm = geometry.pixelPitchMm / 10;
  const halfPx = config.windowCm / pitchCm;
  out.fill(0, offset, offset + FEATURES_PER_STATION * nSt);
  const { offsets, order, medianIx, medianIy } = stationIndex(hits, nSt);
  for (let s = 0; s < nSt; s++) {
    const a = offsets[s]!;
    const b = offsets[s + 1]!;
    if (b === a) continue;
    const cx = medianIx[s]!;
    const cy = medianIy[s]!;
    const { sw, sx, sy, n: nIn } = windowSums(hits, order, a, b, cx, cy, halfPx);
    if (sw <= 0) continue;
    const mx = sx / sw;
    const my = sy / sw;
    let vxx = 0;
    let vxy = 0;
    let vyy = 0;
    for (let k = a; k < b; k++) {
      const i = order[k]!;
      const dx = hits.ix[i]! - cx;
      const dy = hits.iy[i]! - cy;
      if (Math.abs(dx) > halfPx || Math.abs(dy) > halfPx) continue;
      const w = hits.count[i]!;
      const ex = dx - mx;
      const ey = dy - my;
      vxx += w * ex * ex;
      vxy += w * ex * ey;
      vyy += w * ey * ey;
    }
    const p2 = pitchCm * pitchCm;
    const o = offset + FEATURES_PER_STATION * s;
    out[o] = (vxx / sw) * p2;
    out[o + 1] = (vxy / sw) * p2;
    out[o + 2] = (vyy / sw) * p2;
    out[o + 3] = Math.log1p(nIn);
  }
}

/**
 * Feature sets for the feature-based regressors:
 *  - 'moments': the paper's 12 (per station var x, cov xy, var y, log(1 + hits in the window));
 *  - 'moments+signal': those plus, per station, log(1 + summed amplitude) and log(1 + all hits):
 *    the digitised signal carries the photoelectron sum, which the hit count alone does not;
 *  - 'rich': 'moments+signal' followed by the rich ring, threshold and core features (rich-features.ts).
 */
export type FeatureSet = 'moments' | 'moments+signal' | 'rich';
export const FEATURE_SETS: readonly FeatureSet[] = ['moments', 'moments+signal', 'rich'];

export function featureCount(set: FeatureSet, nStations: number): number {
  if (set === 'moments') return FEATURES_PER_STATION * nStations;
  const signal = (FEATURES_PER_STATION + 2) * nStations;
  return set === 'rich' ? signal + richFeatureCount(nStations) : signal;
}

export function featureSetNames(set: FeatureSet, nStations: number): string[] {
  const names = featureNames(nStations);
  if (set === 'moments') return names;
  for (let s = 0; s < nStations; s++) names.push(`s${s}_log1p_signal`, `s${s}_log1p_all_hits`);
  return set === 'rich' ? [...names, ...richFeatureNames(nStations)] : names;
}

/** Writes the features of `set` into out[offset .. offset + featureCount(set)). */
export function featuresOf(
  set: FeatureSet,
  hits: Hits,
  geometry: DetectorGeometry,
  config: MomentFeatureConfig,
  out: Float64Array,
  offset = 0,
): void {
  const nSt = geometry.nStations;
  momentFeatures(hits, geometry, config, out, offset);
  if (set === 'moments') return;
  const base = offset + FEATURES_PER_STATION * nSt;
  out.fill(0, base, base + 2 * nSt);
  for (let i = 0; i < hits.station.length; i++) {
    const s = hits.station[i]!;
    if (s >= nSt) continue;
    out[base + 2 * s]! += hits.count[i]!;
    out[base + 2 * s + 1]! += 1;
  }
  for (let j = base; j < base + 2 * nSt; j++) out[j] = Math.log1p(out[j]!);
  if (set === 'rich') richFeatures(hits, geometry, out, base + 2 * nSt);
}
