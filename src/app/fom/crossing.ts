/**
 * Where a measured detection fraction crosses the goal, with a confidence interval: the minimum
 * detectable excess read off a fine scan rather than the first grid point that passes.
 *
 * - Each factor's fraction k/n gets its Clopper–Pearson interval (exact binomial, two-sided).
 * - The fractions are made non-decreasing in the factor (pool-adjacent-violators, weighted by the
 *   runs), as the true detection probability is; the MDE is the linear interpolation of the first
 *   crossing of the goal between two scanned factors.
 * - Its interval inverts the band: the factor where the upper bounds of the fractions first reach
 *   the goal (below it the fraction is shown to be under the goal) and where the lower bounds do
 *   (above it the fraction is shown to reach it). Undefined where the band does not cross inside
 *   the scan (e.g. with 20 runs the lower bound of 20/20 is 0.83, never 0.9).
 * Pure.
 */
import { logGamma } from '../../numerics/index.js';

export interface ScanPoint {
  readonly factor: number;
  readonly detected: number;
  readonly runs: number;
}

export interface Crossing {
  /** Interpolated factor where the (monotone) fraction reaches the goal; undefined off the scan. */
  readonly factor: number | undefined;
  /** Its confidence interval from the fractions' Clopper–Pearson band (level in `level`). */
  readonly lo: number | undefined;
  readonly hi: number | undefined;
  readonly level: number;
}

/** P(X >= k) for X ~ Binomial(n, p). */
function upperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let s = 0;
  for (let i = k; i <= n; i++)
    s += Math.exp(
      logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1) + i * Math.log(p) + (n - i) * Math.log1p(-p),
    );
  return Math.min(1, s);
}

/** Clopper–Pearson interval of k successes in n at the given two-sided level (bisection to 1e-10). */
export function clopperPearson(k: number, n: number, level = 0.95): [number, number] {
  const a = (1 - level) / 2;
  const solve = (f: (p: number) => number): number => {
    let lo = 0;
    let hi = 1;
    while (hi - lo > 1e-10) {
      const mid = (lo + hi) / 2;
      if (f(mid) < 0) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  // lower: P(X >= k | p) = a (increasing in p); upper: P(X <= k | p) = a, i.e. P(X >= k+1 | p) = 1 − a
  const lower = k === 0 ? 0 : solve((p) => upperTail(k, n, p) - a);
  const upper = k === n ? 1 : solve((p) => upperTail(k + 1, n, p) - (1 - a));
  return [lower, upper];
}

/** Non-decreasing least-squares fit of ys with weights ws (pool-adjacent-violators). */
export function isotonic(ys: readonly number[], ws: readonly number[]): number[] {
  const blocks: { v: number; w: number; n: number }[] = [];
  ys.forEach((y, i) => {
    blocks.push({ v: y, w: ws[i]!, n: 1 });
    while (blocks.length > 1 && blocks.at(-2)!.v > blocks.at(-1)!.v) {
      const b = blocks.pop()!;
      const a = blocks.at(-1)!;
      a.v = (a.v * a.w + b.v * b.w) / (a.w + b.w);
      a.w += b.w;
      a.n += b.n;
    }
  });
  return blocks.flatMap((b) => Array<number>(b.n).fill(b.v));
}

/** First factor where the curve (at the scanned factors, ascending) reaches goal, interpolated linearly. */
function firstCrossing(xs: readonly number[], ys: readonly number[], goal: number): number | undefined {
  for (let i = 0; i < xs.length; i++) {
    if (ys[i]! < goal) continue;
    if (i === 0) return undefined; // already at the goal at the first factor: the crossing is below the scan
    const [x0, x1, y0, y1] = [xs[i - 1]!, xs[i]!, ys[i - 1]!, ys[i]!];
    return x0 + ((goal - y0) / (y1 - y0)) * (x1 - x0);
  }
  return undefined;
}

export function goalCrossing(points: readonly ScanPoint[], goal: number, level = 0.95): Crossing {
  const ps = [...points].sort((a, b) => a.factor - b.factor);
  const xs = ps.map((p) => p.factor);
  const fit = isotonic(
    ps.map((p) => p.detected / p.runs),
    ps.map((p) => p.runs),
  );
  const band = ps.map((p) => clopperPearson(p.detected, p.runs, level));
  // The bounds are monotone in the factor too once fitted; the upper band reaches the goal first.
  const upper = isotonic(
    band.map((b) => b[1]),
    ps.map((p) => p.runs),
  );
  const lower = isotonic(
    band.map((b) => b[0]),
    ps.map((p) => p.runs),
  );
  return {
    factor: firstCrossing(xs, fit, goal),
    lo: firstCrossing(xs, upper, goal),
    hi: firstCrossing(xs, lower, goal),
    level,
  };
}
