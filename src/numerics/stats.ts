/** Sample statistics with one definition each, for reports, training logs and benchmarks. */

/**
 * The q-quantile of ascending values by linear interpolation between order statistics
 * (Hyndman–Fan type 7, numpy's default); NaN when empty.
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < n ? sorted[i]! * (1 - f) + sorted[i + 1]! * f : sorted[n - 1]!;
}

/**
 * Mean and standard deviation of the values within [lo, hi] (all by default); the standard
 * deviation is the sample one (n − 1 in the denominator), 0 for fewer than two values.
 */
export function meanStd(v: ArrayLike<number>, lo = -Infinity, hi = Infinity): { n: number; mean: number; std: number } {
  let n = 0;
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x >= lo && x <= hi) (n++, (s += x));
  }
  const mean = n > 0 ? s / n : NaN;
  let ss = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x >= lo && x <= hi) ss += (x - mean) ** 2;
  }
  return { n, mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0 };
}
