/**
 * The rich per-station features for the strongest tree baseline (feature set 'rich'): everything
 * a physicist would compute from a station's hit map without the truth, around each station's
 * robust centre (the count-weighted median pixel, refined to a sub-pixel amplitude-weighted mean
 * within ±1 mm).
 *
 * Per station (RICH_PER_STATION values):
 *  - amplitude (ADC) sum and hit count in rings of radius RING_EDGES_CM around the centre, and
 *    beyond the last edge (dark noise, stray hits): the lateral profile down to the 0.5 mm pixel,
 *    where a young shower's core (1–2 mm) differs from an old one's;
 *  - hit count and amplitude sum of the hits at or above each of THRESHOLDS_ADC (a MIP gives
 *    ≈ 64 ADC; 1023 is saturation): the multiplicity per pixel;
 *  - amplitude-weighted mean radius and rms radius within each of CORE_RADII_CM (core widths);
 *  - the fraction of the amplitude within 8 cm that lies within each of FRACTION_RADII_CM;
 *  - count-weighted second moments (var x, cov xy, var y, cm²) in square windows of ±2 mm and ±1 cm;
 *  - the largest pixel amplitude, and the sub-pixel centre's offset from the median pixel.
 * Between stations: log ratios of amplitude, of hit count and of the 4 mm core radius, and the
 * centre displacement (x, y, cm) of station s + 1 from s and of the last from the first.
 *
 * All sums enter as ln(1 + v), so that their ratios are differences the trees can split on.
 * Stations without hits give zeros. Pure; scratch buffers are module-level (single-threaded use per
 * worker).
 */
import type { DetectorGeometry, Hits } from '../../domain/index.js';
import { stationIndex, windowSums } from '../station-index.js';

/** Outer edges of the lateral rings, cm (inner edge of the first ring is 0). */
export const RING_EDGES_CM = [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 0.8, 1.2, 1.6, 2.4, 3.2, 4.8, 8] as const;
export const THRESHOLDS_ADC = [8, 32, 64, 128, 256, 512, 1023] as const;
export const CORE_RADII_CM = [0.1, 0.2, 0.4, 1, 3, 8] as const;
export const FRACTION_RADII_CM = [0.1, 0.2, 0.4, 1, 3] as const;
const WINDOWS_CM = [0.2, 1] as const;
/** The refined centre's half-window, cm. */
const CENTRE_HALF_CM = 0.1;

const N_RINGS = RING_EDGES_CM.length + 1;
export const RICH_PER_STATION =
  2 * N_RINGS +
  2 * THRESHOLDS_ADC.length +
  2 * CORE_RADII_CM.length +
  FRACTION_RADII_CM.length +
  3 * WINDOWS_CM.length +
  3;
const PAIR_FEATURES = 5;

/** Number of rich features for nStations (per station, then per consecutive pair and first–last). */
export function richFeatureCount(nStations: number): number {
  const pairs = nStations > 1 ? nStations : 0;
  return RICH_PER_STATION * nStations + PAIR_FEATURES * pairs;
}

export function richFeatureNames(nStations: number): string[] {
  const out: string[] = [];
  const mm = (cm: number): string => `${Math.round(cm * 100) / 10}mm`;
  for (let s = 0; s < nStations; s++) {
    const p = `s${s}_`;
    for (let r = 0; r < N_RINGS; r++) {
      const lo = r === 0 ? 0 : RING_EDGES_CM[r - 1]!;
      const hi = r < RING_EDGES_CM.length ? mm(RING_EDGES_CM[r]!) : 'inf';
      out.push(`${p}ring_${mm(lo)}_${hi}_log1p_adc`);
    }
    for (let r = 0; r < N_RINGS; r++) out.push(`${p}ring${r}_log1p_hits`);
    for (const t of THRESHOLDS_ADC) out.push(`${p}hits_ge${t}_log1p`, `${p}adc_ge${t}_log1p`);
    for (const c of CORE_RADII_CM) out.push(`${p}mean_r_within_${mm(c)}_cm`, `${p}rms_r_within_${mm(c)}_cm`);
    for (const c of FRACTION_RADII_CM) out.push(`${p}adc_fraction_within_${mm(c)}`);
    for (const w of WINDOWS_CM)
      out.push(`${p}var_x_${mm(w)}_cm2`, `${p}cov_xy_${mm(w)}_cm2`, `${p}var_y_${mm(w)}_cm2`);
    out.push(`${p}log1p_max_adc`, `${p}centre_dx_px`, `${p}centre_dy_px`);
  }
  if (nStations > 1) {
    const pair = (a: number, b: number): void => {
      const p = `s${b}_over_s${a}_`;
      out.push(
        `${p}log_adc_ratio`,
        `${p}log_hits_ratio`,
        `${p}log_core_radius_ratio`,
        `${p}dx_cm`,
        `${p}dy_cm`,
      );
    };
    for (let s = 0; s + 1 < nStations; s++) pair(s, s + 1);
    pair(0, nStations - 1);
  }
  return out;
}

interface StationSummary {
  logAdc: number;
  logHits: number;
  coreRadiusCm: number;
  xCm: number;
  yCm: number;
}

/** Writes the rich features of `hits` into out[offset .. offset + richFeatureCount). */
export function richFeatures(hits: Hits, geometry: DetectorGeometry, out: Float64Array, offset = 0): void {
  const nSt = geometry.nStations;
  out.fill(0, offset, offset + richFeatureCount(nSt));
  const idx = stationIndex(hits, nSt);
  const pitchCm = geometry.pixelPitchMm / 10;
  const summaries: StationSummary[] = [];
  for (let s = 0; s < nSt; s++)
    summaries.push(stationFeatures(hits, idx, s, pitchCm, out, offset + RICH_PER_STATION * s));
  if (nSt < 2) return;
  let o = offset + RICH_PER_STATION * nSt;
  const pair = (a: StationSummary, b: StationSummary): void => {
    const present = a.logHits > 0 && b.logHits > 0;
    out[o] = present ? b.logAdc - a.logAdc : 0;
    out[o + 1] = present ? b.logHits - a.logHits : 0;
    out[o + 2] =
      present && a.coreRadiusCm > 0 && b.coreRadiusCm > 0 ? Math.log(b.coreRadiusCm / a.coreRadiusCm) : 0;
    out[o + 3] = present ? b.xCm - a.xCm : 0;
    out[o + 4] = present ? b.yCm - a.yCm : 0;
    o += PAIR_FEATURES;
  };
  for (let s = 0; s + 1 < nSt; s++) pair(summaries[s]!, summaries[s + 1]!);
  pair(summaries[0]!, summaries[nSt - 1]!);
}

const ringAdc = new Float64Array(N_RINGS);
const ringHits = new Float64Array(N_RINGS);
const coreW = new Float64Array(CORE_RADII_CM.length);
const coreR = new Float64Array(CORE_RADII_CM.length);
const coreR2 = new Float64Array(CORE_RADII_CM.length);
const winMom = new Float64Array(6 * WINDOWS_CM.length);

/** The sub-pixel centre: amplitude-weighted mean pixel within ±CENTRE_HALF_CM of the median pixel. */
function refinedCentre(
  hits: Hits,
  order: Int32Array,
  a: number,
  b: number,
  cx: number,
  cy: number,
  halfPx: number,
): { x: number; y: number } {
  const { sw, sx, sy } = windowSums(hits, order, a, b, cx, cy, halfPx);
  return sw > 0 ? { x: cx + sx / sw, y: cy + sy / sw } : { x: cx, y: cy };
}

function stationFeatures(
  hits: Hits,
  idx: ReturnType<typeof stationIndex>,
  s: number,
  pitchCm: number,
  out: Float64Array,
  o: number,
): StationSummary {
  const a = idx.offsets[s]!;
  const b = idx.offsets[s + 1]!;
  if (b === a) return { logAdc: 0, logHits: 0, coreRadiusCm: 0, xCm: 0, yCm: 0 };
  const cx = idx.medianIx[s]!;
  const cy = idx.medianIy[s]!;
  const c = refinedCentre(hits, idx.order, a, b, cx, cy, CENTRE_HALF_CM / pitchCm);
  ringAdc.fill(0);
  ringHits.fill(0);
  coreW.fill(0);
  coreR.fill(0);
  coreR2.fill(0);
  winMom.fill(0);
  const o2 = o + 2 * N_RINGS;
  let maxAdc = 0;
  let totalAdc = 0;
  for (let k = a; k < b; k++) {
    const i = idx.order[k]!;
    const w = hits.count[i]!;
    const dx = (hits.ix[i]! - c.x) * pitchCm;
    const dy = (hits.iy[i]! - c.y) * pitchCm;
    const r = Math.hypot(dx, dy);
    let ring = 0;
    while (ring < RING_EDGES_CM.length && r >= RING_EDGES_CM[ring]!) ring++;
    ringAdc[ring]! += w;
    ringHits[ring]! += 1;
    for (let j = 0; j < CORE_RADII_CM.length; j++) {
      if (r >= CORE_RADII_CM[j]!) continue;
      coreW[j]! += w;
      coreR[j]! += w * r;
      coreR2[j]! += w * r * r;
    }
    for (let j = 0; j < WINDOWS_CM.length; j++) {
      if (Math.abs(dx) > WINDOWS_CM[j]! || Math.abs(dy) > WINDOWS_CM[j]!) continue;
      const m = 6 * j;
      winMom[m]! += w;
      winMom[m + 1]! += w * dx;
      winMom[m + 2]! += w * dy;
      winMom[m + 3]! += w * dx * dx;
      winMom[m + 4]! += w * dx * dy;
      winMom[m + 5]! += w * dy * dy;
    }
    for (let t = 0; t < THRESHOLDS_ADC.length; t++) {
      if (w < THRESHOLDS_ADC[t]!) break;
      out[o2 + 2 * t]! += 1;
      out[o2 + 2 * t + 1]! += w;
    }
    if (w > maxAdc) maxAdc = w;
    totalAdc += w;
  }
  writeStation(out, o, maxAdc, c.x - cx, c.y - cy);
  const core = CORE_RADII_CM.indexOf(0.4);
  return {
    logAdc: Math.log1p(totalAdc),
    logHits: Math.log1p(b - a),
    coreRadiusCm: coreW[core]! > 0 ? coreR[core]! / coreW[core]! : 0,
    xCm: c.x * pitchCm,
    yCm: c.y * pitchCm,
  };
}

/** Writes a station's accumulated sums (module scratch, thresholds already at their place) as features. */
function writeStation(
  out: Float64Array,
  o: number,
  maxAdc: number,
  centreDx: number,
  centreDy: number,
): void {
  let o2 = o + 2 * N_RINGS;
  for (let r = 0; r < N_RINGS; r++) {
    out[o + r] = Math.log1p(ringAdc[r]!);
    out[o + N_RINGS + r] = Math.log1p(ringHits[r]!);
  }
  for (let t = 0; t < 2 * THRESHOLDS_ADC.length; t++) out[o2 + t] = Math.log1p(out[o2 + t]!);
  o2 += 2 * THRESHOLDS_ADC.length;
  for (let j = 0; j < CORE_RADII_CM.length; j++) {
    const sw = coreW[j]!;
    out[o2++] = sw > 0 ? coreR[j]! / sw : 0;
    out[o2++] = sw > 0 ? Math.sqrt(coreR2[j]! / sw) : 0;
  }
  const within8 = coreW[CORE_RADII_CM.length - 1]!;
  for (const rc of FRACTION_RADII_CM) {
    const j = CORE_RADII_CM.indexOf(rc as (typeof CORE_RADII_CM)[number]);
    out[o2++] = within8 > 0 ? coreW[j]! / within8 : 0;
  }
  for (let j = 0; j < WINDOWS_CM.length; j++) {
    const m = 6 * j;
    const sw = winMom[m]!;
    const mx = sw > 0 ? winMom[m + 1]! / sw : 0;
    const my = sw > 0 ? winMom[m + 2]! / sw : 0;
    out[o2++] = sw > 0 ? winMom[m + 3]! / sw - mx * mx : 0;
    out[o2++] = sw > 0 ? winMom[m + 4]! / sw - mx * my : 0;
    out[o2++] = sw > 0 ? winMom[m + 5]! / sw - my * my : 0;
  }
  out[o2++] = Math.log1p(maxAdc);
  out[o2++] = centreDx;
  out[o2++] = centreDy;
}
