/**
 * Coarse whole-plane images of the stations for the anomaly autoencoder: each station's
 * 1800 × 1500 pixels summed into binPx × binPx bins (60 × 50 bins of 1.5 cm by default), one
 * channel per station, value ln(1 + ΣADC / adcPerMip) so that one MIP is ~0.7 and a shower core
 * tens of MIPs is ~3–5 (log-amplitude keeps dark noise, tracks and showers on one scale). The
 * image is zero-padded to a multiple of 4 bins per side (two stride-2 stages in the net).
 */
import { pixelsX, pixelsY, type DetectorGeometry, type Hits } from '../domain/index.js';

export interface ImageSpec {
  /** Pixels per bin side. */
  readonly binPx: number;
  /** Bins covering the plane. */
  readonly binsX: number;
  readonly binsY: number;
  /** Padded tensor size (multiples of 4). */
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** ADC counts of one minimum-ionising particle (16 pe × 4 ADC/pe with the default response). */
  readonly adcPerMip: number;
}

export const DEFAULT_BIN_PX = 30;
export const DEFAULT_ADC_PER_MIP = 64;

export function imageSpec(
  g: DetectorGeometry,
  binPx = DEFAULT_BIN_PX,
  adcPerMip = DEFAULT_ADC_PER_MIP,
): ImageSpec {
  const binsX = Math.ceil(pixelsX(g) / binPx);
  const binsY = Math.ceil(pixelsY(g) / binPx);
  const up4 = (n: number): number => Math.ceil(n / 4) * 4;
  return { binPx, binsX, binsY, width: up4(binsX), height: up4(binsY), channels: g.nStations, adcPerMip };
}

export const imageSize = (s: ImageSpec): number => s.width * s.height * s.channels;

/** Writes the image of `hits` (layout [y][x][station], NHWC) into `out` at `offset`; returns out. */
export function fillImage(
  s: ImageSpec,
  hits: Hits,
  out: Float32Array = new Float32Array(imageSize(s)),
  offset = 0,
): Float32Array {
  const size = imageSize(s);
  out.fill(0, offset, offset + size);
  const c = s.channels;
  for (let i = 0; i < hits.station.length; i++) {
    const k = hits.station[i]!;
    if (k >= c) continue;
    const bx = Math.floor(hits.ix[i]! / s.binPx);
    const by = Math.floor(hits.iy[i]! / s.binPx);
    if (bx < 0 || by < 0 || bx >= s.binsX || by >= s.binsY) continue;
    out[offset + (by * s.width + bx) * c + k]! += hits.count[i]!;
  }
  const inv = 1 / s.adcPerMip;
  for (let j = offset; j < offset + size; j++) if (out[j]! > 0) out[j] = Math.log1p(out[j]! * inv);
  return out;
}

/**
 * How the per-station term is formed from an image x and its reconstruction y (sums over the
 * plane's bins of station k, padding excluded):
 *   mse:       Σ(x − y)² / bins   (plain reconstruction error: large for every bright event);
 *   relative:  Σ(x − y)² / (Σx² + Σy² + ε)   (the error as a fraction of the light in the station,
 *              in [0, 1]; ε, in squared log-amplitude units, keeps nearly empty stations from
 *              dividing by ~0), so a bright but ordinary shower is not anomalous by brightness alone;
 *   composite: three tests per station, each divided by its value at the budget on ordinary
 *              events (`scale`, fitted at calibration) so that they share one unit, and the
 *              largest taken: the relative error above (a topology the net cannot compress); the
 *              occupancy, the fraction of bins with |x − y| > level (light the net does not
 *              expect, spread thin: a noisy station, whose single dark pulses are invisible in
 *              the summed error); and the peak, the largest single-bin (x − y)² (a compact
 *              deposit where none belongs: a hot block, a shower starting late).
 */
export type ScoreMode = (
  | { readonly kind: 'mse' }
  | { readonly kind: 'relative'; readonly epsilon: number }
  | {
      readonly kind: 'composite';
      /** ε of the relative test, squared log-amplitude units. */
      readonly epsilon: number;
      /** |x − y| above which a bin is unexplained, log-amplitude units (0.1 ≈ one dark pulse). */
      readonly level: number;
      /** Values of [relative, occupancy, peak] at the budget on ordinary events; [1, 1, 1] until calibrated. */
      readonly scale?: readonly [number, number, number];
    }
) & {
  /**
   * How the station terms combine into the score: mean, or max (a fault or a topology in one
   * station is not diluted by two normal ones). Absent: mean.
   */
  readonly combine?: 'mean' | 'max';
};
export const MSE: ScoreMode = { kind: 'mse' };

/** The anomaly score from the station terms under the mode's combination. */
export function combineTerms(mode: ScoreMode, terms: readonly number[]): number {
  return mode.combine === 'max' ? Math.max(...terms) : terms.reduce((a, b) => a + b, 0) / terms.length;
}

/** Tests of the composite score per station, [relative, occupancy, peak] for each station in turn. */
export const COMPOSITE_TESTS = 3;

/** Per-station terms of one image; combineTerms makes the anomaly score of them. */
export function stationErrors(
  s: ImageSpec,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  offset = 0,
  mode: ScoreMode = MSE,
): number[] {
  if (mode.kind === 'composite') return compositeTerms(mode, compositeTests(s, x, y, offset, mode));
  const c = s.channels;
  const sums = new Array<number>(c).fill(0);
  const light = new Array<number>(c).fill(0);
  for (let by = 0; by < s.binsY; by++) {
    for (let bx = 0; bx < s.binsX; bx++) {
      const base = offset + (by * s.width + bx) * c;
      for (let k = 0; k < c; k++) {
        const xv = x[base + k]!;
        const yv = y[base + k]!;
        sums[k]! += (xv - yv) * (xv - yv);
        light[k]! += xv * xv + yv * yv;
      }
    }
  }
  return mode.kind === 'mse'
    ? sums.map((v) => v / (s.binsX * s.binsY))
    : sums.map((v, k) => v / (light[k]! + mode.epsilon));
}

/** The raw composite tests of one image: [station][relative, occupancy, peak] flattened. */
export function compositeTests(
  s: ImageSpec,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  offset: number,
  mode: { readonly epsilon: number; readonly level: number },
): number[] {
  const c = s.channels;
  const sums = new Array<number>(c).fill(0);
  const light = new Array<number>(c).fill(0);
  const over = new Array<number>(c).fill(0);
  const peak = new Array<number>(c).fill(0);
  const level2 = mode.level * mode.level;
  for (let by = 0; by < s.binsY; by++) {
    for (let bx = 0; bx < s.binsX; bx++) {
      const base = offset + (by * s.width + bx) * c;
      for (let k = 0; k < c; k++) {
        const xv = x[base + k]!;
        const yv = y[base + k]!;
        const e = (xv - yv) * (xv - yv);
        sums[k]! += e;
        light[k]! += xv * xv + yv * yv;
        if (e > level2) over[k]!++;
        if (e > peak[k]!) peak[k] = e;
      }
    }
  }
  const bins = s.binsX * s.binsY;
  return sums.flatMap((v, k) => [v / (light[k]! + mode.epsilon), over[k]! / bins, peak[k]!]);
}

/** Per-station composite terms: each test over its scale, the largest of the three. */
export function compositeTerms(
  mode: { readonly scale?: readonly [number, number, number] },
  tests: ArrayLike<number>,
  offset = 0,
  channels = tests.length / COMPOSITE_TESTS,
): number[] {
  const sc = mode.scale ?? [1, 1, 1];
  return Array.from({ length: channels }, (_, k) => {
    const t = offset + k * COMPOSITE_TESTS;
    return Math.max(tests[t]! / sc[0], tests[t + 1]! / sc[1], tests[t + 2]! / sc[2]);
  });
}
