/**
 * Resolution statistics for the evaluation: a plain and a robust width of a residual
 * distribution, per-bin widths, and the calorimeter fit σ(E)/E = a/√E ⊕ b.
 */
import { meanStd, quantile } from '../numerics/index.js';

export interface Spread {
  readonly n: number;
  readonly mean: number;
  /** Plain standard deviation (the paper's σ). */
  readonly std: number;
  /**
   * The robust σ used as the headline number: std after iterative 3σ clipping around the
   * clipped mean (until no point is removed, at most 20 rounds).
   */
  readonly sigmaClipped: number;
  readonly meanClipped: number;
  /** Fraction of entries removed by the clipping. */
  readonly clippedFraction: number;
  /** Half the 15.87 %–84.13 % quantile range (= σ for a Gaussian). */
  readonly halfWidth68: number;
}

export function spread(values: ArrayLike<number>): Spread {
  const v = Float64Array.from(values).filter(Number.isFinite);
  const n = v.length;
  if (n === 0)
    return {
      n: 0,
      mean: NaN,
      std: NaN,
      sigmaClipped: NaN,
      meanClipped: NaN,
      clippedFraction: 0,
      halfWidth68: NaN,
    };
  const { mean, std } = meanStd(v, -Infinity, Infinity);
  let m = mean;
  let s = std;
  let kept = n;
  for (let round = 0; round < 20; round++) {
    const r = meanStd(v, m - 3 * s, m + 3 * s);
    const done = r.n === kept;
    kept = r.n;
    m = r.mean;
    s = r.std;
    if (done || s === 0) break;
  }
  const sorted = v.slice().sort();
  const halfWidth68 = (quantile(sorted, 0.8413447) - quantile(sorted, 0.1586553)) / 2;
  return { n, mean, std, sigmaClipped: s, meanClipped: m, clippedFraction: 1 - kept / n, halfWidth68 };
}

export interface BinnedSpread {
  readonly lo: number;
  readonly hi: number;
  /**
   * Harmonic mean of the binning variable inside the bin: for σ² = a²/E + b² the pooled σ² of a
   * bin equals σ²(centre) exactly, so the calorimeter fit is unbiased even for wide bins.
   */
  readonly centre: number;
  readonly spread: Spread;
}

/** Splits `values` by `key` into bins [edges[k], edges[k+1]) (the last bin closed). */
export function binnedSpread(
  key: ArrayLike<number>,
  values: ArrayLike<number>,
  edges: readonly number[],
): BinnedSpread[] {
  const out: BinnedSpread[] = [];
  for (let b = 0; b + 1 < edges.length; b++) {
    const lo = edges[b]!;
    const hi = edges[b + 1]!;
    const last = b + 2 === edges.length;
    const sel: number[] = [];
    let sk = 0;
    for (let i = 0; i < key.length; i++) {
      const k = key[i]!;
      if (k >= lo && (k < hi || (last && k === hi))) {
        sel.push(values[i]!);
        sk += 1 / k;
      }
    }
    out.push({
      lo,
      hi,
      centre: sel.length > 0 && sk > 0 ? sel.length / sk : (lo + hi) / 2,
      spread: spread(sel),
    });
  }
  return out;
}

export interface CalorimeterFit {
  /** Stochastic term, in units of √GeV (σ/E = a/√E ⊕ b). */
  readonly a: number;
  /** Constant term (fraction). */
  readonly b: number;
  readonly chi2: number;
  readonly ndf: number;
  /** 1σ errors of a and b from the unconstrained fit's covariance of (a², b²); b's is NaN at b = 0. */
  readonly aErr?: number;
  readonly bErr?: number;
  /** The unconstrained b² with its 1σ error: b can be bounded from it where it is compatible with 0. */
  readonly b2?: number;
  readonly b2Err?: number;
}

/**
 * Fits σ² = a²/E + b² (linear in a², b²) by weighted least squares, with the error of a σ
 * estimate from n entries taken as σ/√(2(n−1)). Negative a² or b² are clamped to 0 and the
 * other term refitted alone.
 */
export function fitCalorimeter(points: readonly { e: number; sigma: number; n: number }[]): CalorimeterFit {
  const pts = points.filter((p) => p.n > 2 && Number.isFinite(p.sigma) && p.sigma > 0 && p.e > 0);
  const rows = pts.map((p) => {
    const s2 = p.sigma * p.sigma;
    const err = (2 * s2) / Math.sqrt(2 * (p.n - 1)); // δ(σ²) = 2σ·δσ
    return { u: 1 / p.e, y: s2, w: 1 / (err * err) };
  });
  const solve = (useA: boolean, useB: boolean): [number, number] => {
    let suu = 0,
      su = 0,
      s1 = 0,
      suy = 0,
      sy = 0;
    for (const r of rows) {
      suu += r.w * r.u * r.u;
      su += r.w * r.u;
      s1 += r.w;
      suy += r.w * r.u * r.y;
      sy += r.w * r.y;
    }
    if (useA && useB) {
      const det = suu * s1 - su * su;
      return det !== 0 ? [(suy * s1 - su * sy) / det, (suu * sy - su * suy) / det] : [0, 0];
    }
    if (useA) return [suu > 0 ? suy / suu : 0, 0];
    return [0, s1 > 0 ? sy / s1 : 0];
  };
  let [a2, b2] = solve(true, true);
  const free = { a2, b2, ...covariance(rows) };
  if (a2 < 0) [a2, b2] = solve(false, true);
  else if (b2 < 0) [a2, b2] = solve(true, false);
  let chi2 = 0;
  for (const r of rows) chi2 += r.w * (r.y - a2 * r.u - b2) ** 2;
  const a = Math.sqrt(Math.max(a2, 0));
  const b = Math.sqrt(Math.max(b2, 0));
  return {
    a,
    b,
    chi2,
    ndf: Math.max(rows.length - 2, 0),
    aErr: a > 0 ? Math.sqrt(free.vA2) / (2 * a) : NaN,
    bErr: b > 0 ? Math.sqrt(free.vB2) / (2 * b) : NaN,
    b2: free.b2,
    b2Err: Math.sqrt(free.vB2),
  };
}

/** Variances of (a², b²) of the two-parameter weighted linear fit: the inverse of its normal matrix. */
function covariance(rows: readonly { u: number; w: number }[]): { vA2: number; vB2: number } {
  let suu = 0,
    su = 0,
    s1 = 0;
  for (const r of rows) {
    suu += r.w * r.u * r.u;
    su += r.w * r.u;
    s1 += r.w;
  }
  const det = suu * s1 - su * su;
  return det > 0 ? { vA2: s1 / det, vB2: suu / det } : { vA2: NaN, vB2: NaN };
}

export function calorimeterSigma(fit: CalorimeterFit, eGeV: number): number {
  return Math.sqrt((fit.a * fit.a) / eGeV + fit.b * fit.b);
}
