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

/**
 * Weighted median of integer values: over the indices idx[a..b), the smallest v[idx[k]] with at
 * least half the total weight w at or below it (ties in idx order). Values already in order — a
 * station's pixel rows, hits arriving in pixel-key order — skip the sort; otherwise (value,
 * position) pairs packed into one double go through a native numeric sort. |v| must stay below 2^20.
 */
export function weightedMedianInt(v: ArrayLike<number>, w: ArrayLike<number>, idx: ArrayLike<number>, a = 0, b = idx.length): number {
  let total = 0;
  let inOrder = true;
  for (let k = a; k < b; k++) {
    total += w[idx[k]!]!;
    if (k > a && v[idx[k]!]! < v[idx[k - 1]!]!) inOrder = false;
  }
  let acc = 0;
  if (inOrder) {
    for (let k = a; k < b; k++) {
      acc += w[idx[k]!]!;
      if (2 * acc >= total) return v[idx[k]!]!;
    }
    return v[idx[b - 1]!]!;
  }
  const m = b - a;
  const packed = new Float64Array(m);
  for (let k = 0; k < m; k++) packed[k] = v[idx[a + k]!]! * 4294967296 + k;
  packed.sort();
  for (let k = 0; k < m; k++) {
    const val = Math.floor(packed[k]! / 4294967296);
    acc += w[idx[a + (packed[k]! - val * 4294967296)]!]!;
    if (2 * acc >= total) return val;
  }
  return Math.floor(packed[m - 1]! / 4294967296);
}
