/**
 * The distilled student (the CICADA recipe): boosted regression trees that reproduce the
 * autoencoder teacher's per-station terms from a few summary features of the same coarse
 * station images, computed straight from the hits in one pass (no image tensor, no network).
 * The student's total combines its station terms as the teacher does, and it carries its own
 * rate-budget calibration: the threshold is set on the student's scores, not the teacher's. An
 * optional novelty term on the same features (novelty.ts) covers what regression trees cannot:
 * events outside the ordinary feature range, where the teacher's tail is.
 * Pure: features, training and prediction, no I/O.
 */
import type { Hits } from '../domain/index.js';
import { predictGbt, trainGbt, DEFAULT_GBT, type GbtConfig, type GbtModel } from '../reconstruction/index.js';
import type { AnomalyCalibration } from './calibration.js';
import type { ImageSpec } from './image.js';
import { noveltyScore, type NoveltyModel } from './novelty.js';
import type { AnomalyScorer } from './scorer.js';

/** Features per station (see studentFeatures). */
export const STUDENT_FEATURES_PER_STATION = 12;

export interface StudentModel {
  readonly kind: 'showertrig-anomaly-student';
  /** The teacher's image binning (bins, ADC per MIP) the features are computed on. */
  readonly spec: ImageSpec;
  readonly combine: 'mean' | 'max';
  /**
   * One regression forest per station term. Station-local (`local`): forest k reads station k's
   * features only, so a fault in one station moves that station's term alone (what the drift
   * monitor needs to name it); otherwise each reads every station's features.
   */
  readonly forests: readonly GbtModel[];
  readonly local?: boolean;
  /**
   * A forest for the teacher's total score from every station's features (topologies across
   * stations, e.g. a wide-angle shower, that station-local terms cannot see). When present it
   * gives the total; the station terms then serve diagnosis and drift only.
   */
  readonly totalForest?: GbtModel;
  /**
   * A novelty term on the same features, fitted on ordinary events only. When present the total
   * is max(regression / scales.regression, novelty / scales.novelty): each term over its value at
   * the budget on the training sample, as the teacher's composite score combines its tests.
   */
  readonly novelty?: NoveltyModel;
  readonly scales?: { readonly regression: number; readonly novelty: number };
  /** The student's own calibration (threshold for the budget, drift reference). */
  readonly calibration?: AnomalyCalibration;
  /** How well it reproduces the teacher, measured at training. */
  readonly agreement?: Readonly<Record<string, number>>;
  readonly command?: string;
}

/** Reusable scratch for the per-bin sums of one event. */
export interface FeatureScratch {
  readonly bins: Float64Array;
  touched: Int32Array;
  /** Per station: v-weighted Σx², Σy² of the bins. */
  readonly sx: Float64Array;
  readonly sy: Float64Array;
}

export function featureScratch(spec: ImageSpec): FeatureScratch {
  return {
    bins: new Float64Array(spec.binsX * spec.binsY * spec.channels),
    touched: new Int32Array(256),
    sx: new Float64Array(spec.channels),
    sy: new Float64Array(spec.channels),
  };
}

/**
 * Per station k, at out[off + 12k ...]: hits, ln(1 + ΣADC/MIP), occupied bins, largest bin value,
 * Σv and Σv² over bins (v = ln(1 + bin ADC/MIP), the teacher's pixel value), v-weighted centroid
 * and RMS in x and y (bins), bins with v > 2, ln(1 + largest hit ADC/MIP).
 */
export function studentFeatures(
  spec: ImageSpec,
  hits: Hits,
  scratch: FeatureScratch,
  out: Float64Array,
  off = 0,
): void {
  const c = spec.channels;
  const F = STUDENT_FEATURES_PER_STATION;
  out.fill(0, off, off + c * F);
  const inv = 1 / spec.adcPerMip;
  let nTouched = 0;
  for (let i = 0; i < hits.station.length; i++) {
    const k = hits.station[i]!;
    if (k >= c) continue;
    const bx = Math.floor(hits.ix[i]! / spec.binPx);
    const by = Math.floor(hits.iy[i]! / spec.binPx);
    if (bx < 0 || by < 0 || bx >= spec.binsX || by >= spec.binsY) continue;
    const a = hits.count[i]!;
    const o = off + k * F;
    out[o]! += 1;
    out[o + 1]! += a;
    out[o + 11] = Math.max(out[o + 11]!, a);
    const j = (by * spec.binsX + bx) * c + k;
    if (scratch.bins[j] === 0) {
      if (nTouched === scratch.touched.length) {
        const grown = new Int32Array(2 * nTouched);
        grown.set(scratch.touched);
        scratch.touched = grown;
      }
      scratch.touched[nTouched++] = j;
    }
    scratch.bins[j]! += a;
  }
  const { sx, sy } = scratch;
  sx.fill(0);
  sy.fill(0);
  for (let t = 0; t < nTouched; t++) {
    const j = scratch.touched[t]!;
    const k = j % c;
    const b = (j - k) / c;
    const bx = b % spec.binsX;
    const by = (b - bx) / spec.binsX;
    const v = Math.log1p(scratch.bins[j]! * inv);
    scratch.bins[j] = 0;
    const o = off + k * F;
    out[o + 2]! += 1;
    out[o + 3] = Math.max(out[o + 3]!, v);
    out[o + 4]! += v;
    out[o + 5]! += v * v;
    out[o + 6]! += v * bx;
    out[o + 7]! += v * by;
    sx[k]! += v * bx * bx;
    sy[k]! += v * by * by;
    if (v > 2) out[o + 10]! += 1;
  }
  for (let k = 0; k < c; k++) {
    const o = off + k * F;
    const w = out[o + 4]!;
    out[o + 1] = Math.log1p(out[o + 1]! * inv);
    out[o + 11] = Math.log1p(out[o + 11]! * inv);
    if (w <= 0) continue;
    const mx = out[o + 6]! / w;
    const my = out[o + 7]! / w;
    out[o + 6] = mx;
    out[o + 7] = my;
    out[o + 8] = Math.sqrt(Math.max(0, sx[k]! / w - mx * mx));
    out[o + 9] = Math.sqrt(Math.max(0, sy[k]! / w - my * my));
  }
}

/** The feature matrix (n × channels·12, row-major) of a list of events. */
export function studentFeatureMatrix(spec: ImageSpec, hits: readonly Hits[]): Float64Array {
  const p = spec.channels * STUDENT_FEATURES_PER_STATION;
  const x = new Float64Array(hits.length * p);
  const scratch = featureScratch(spec);
  hits.forEach((h, i) => studentFeatures(spec, h, scratch, x, i * p));
  return x;
}

/** Station-local forests for each station term of the teacher (terms: n × channels, row-major). */
export function trainStudent(
  spec: ImageSpec,
  x: Float64Array,
  terms: Float64Array,
  n: number,
  combine: 'mean' | 'max',
  totals?: Float64Array,
  cfg: GbtConfig = { ...DEFAULT_GBT, maxIter: 80, maxLeafNodes: 15 },
): StudentModel {
  const c = spec.channels;
  const F = STUDENT_FEATURES_PER_STATION;
  const p = c * F;
  const forests = Array.from({ length: c }, (_, k) =>
    trainGbt(
      Float64Array.from({ length: n * F }, (_, j) => x[Math.floor(j / F) * p + k * F + (j % F)]!),
      Float64Array.from({ length: n }, (_, i) => terms[i * c + k]!),
      n,
      F,
      cfg,
    ),
  );
  return {
    kind: 'showertrig-anomaly-student',
    spec,
    combine,
    forests,
    local: true,
    ...(totals === undefined ? {} : { totalForest: trainGbt(x, totals, n, p, cfg) }),
  };
}

export interface StudentScores {
  readonly total: Float64Array;
  readonly perStation: Float64Array;
  /** The teacher regression alone (the total forest, or the combined station terms). */
  readonly regression: Float64Array;
  /** The novelty term (squared Mahalanobis distance), when the model has one. */
  readonly novelty?: Float64Array;
}

/** Student station terms and totals for rows of x. */
export function predictStudent(m: StudentModel, x: Float64Array, n: number): StudentScores {
  const c = m.spec.channels;
  const p = c * STUDENT_FEATURES_PER_STATION;
  const regression = new Float64Array(n);
  const perStation = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let max = -Infinity;
    for (let k = 0; k < c; k++) {
      const t = predictGbt(
        m.forests[k]!,
        x,
        i * p + (m.local === true ? k * STUDENT_FEATURES_PER_STATION : 0),
      );
      perStation[i * c + k] = t;
      sum += t;
      max = Math.max(max, t);
    }
    regression[i] =
      m.totalForest !== undefined ? predictGbt(m.totalForest, x, i * p) : m.combine === 'max' ? max : sum / c;
  }
  if (m.novelty === undefined || m.scales === undefined) return { total: regression, perStation, regression };
  const z = new Float64Array(p);
  const novelty = new Float64Array(n);
  const total = new Float64Array(n);
  const { regression: sr, novelty: sn } = m.scales;
  for (let i = 0; i < n; i++) {
    novelty[i] = noveltyScore(m.novelty, x, i * p, z);
    total[i] = Math.max(regression[i]! / sr, novelty[i]! / sn);
  }
  return { total, perStation, regression, novelty };
}

/** The student behind the online interface; it needs its own calibration. */
export function createStudentScorer(m: StudentModel): AnomalyScorer {
  const cal = m.calibration;
  if (cal?.stationQuantiles === undefined)
    throw new RangeError(
      'the anomaly student has no calibration: train it with `showertrig anomaly student`',
    );
  const p = m.spec.channels * STUDENT_FEATURES_PER_STATION;
  const scratch = featureScratch(m.spec);
  let x = new Float64Array(0);
  return {
    name: `student gbt (${m.forests.length} × ${m.forests[0]?.trees.length ?? 0} trees${m.novelty === undefined ? '' : ' + novelty'})`,
    stations: m.spec.channels,
    reference: {
      threshold: cal.threshold,
      budgetHz: cal.budgetHz,
      totalRateHz: cal.totalRateHz,
      stationQuantiles: cal.stationQuantiles,
    },
    score(hits) {
      if (x.length < hits.length * p) x = new Float64Array(hits.length * p);
      hits.forEach((h, i) => studentFeatures(m.spec, h, scratch, x, i * p));
      return predictStudent(m, x, hits.length);
    },
  };
}
