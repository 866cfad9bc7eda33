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

/** The median: quantile 0.5 of type 7 (the mean of the two middle values for an even count); NaN when empty. */
export function median(values: ArrayLike<number>): number {
  return quantile(Float64Array.from(values).sort(), 0.5);
}

/**
 * The q-quantile of the observations between two snapshots of a cumulative histogram, as
 * Prometheus' histogram_quantile computes it: linear interpolation inside the bucket holding the
 * rank (lower edge 0 for the first bucket); a rank in the +Inf bucket gives the largest finite
 * bound. `buckets` are (upper bound, cumulative count increment), sorted by bound, +Inf last.
 * Null when nothing was observed.
 */
export function bucketQuantile(q: number, buckets: readonly { le: number; count: number }[]): number | null {
  const total = buckets[buckets.length - 1]?.count ?? 0;
  if (!(total > 0)) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket > 0 ? prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket : b.le;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/**
 * Mean and standard deviation of the values within [lo, hi] (all by default); the standard
 * deviation is the sample one (n − 1 in the denominator), 0 for fewer than two values.
 */
export function meanStd(
  v: ArrayLike<number>,
  lo = -Infinity,
  hi = Infinity,
): { n: number; mean: number; std: number } {
  let n = 0;
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x >= lo && x <= hi) {
      n++;
      s += x;
    }
  }
  const mean = n > 0 ? s / n : NaN;
  let ss = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x >= lo && x <= hi) ss += (x - mean) ** 2;
  }
  return { n, mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0 };
}

/** Weight per coarse bin (64 values) and per value within one coarse bin, for weightedMedianInt; all zero between calls. */
let coarse = new Float64Array(64);
const fine = new Float64Array(64);
/** Value ranges up to this many integers (or 8 per value, if more) are histogrammed instead of sorted. */
const HISTOGRAM_SPAN = 1 << 16;

/**
 * Weighted median of integer values: over the indices idx[a..b), the smallest v[idx[k]] with at
 * least half the total weight w at or below it. Values already in order (a station's pixel rows,
 * hits arriving in pixel-key order) need one scan. Otherwise, when the values span at most
 * max(65536, 8·count) integers — a station's pixel columns — a two-level histogram finds it
 * without sorting: weights per 64 values locate the median's block, then weights per value within
 * that block. Wider spans sort (value, position) pairs packed into one double. All paths give the
 * same value (for integer weights, whose sums are exact). |v| must stay below 2^20.
 */
export function weightedMedianInt(
  v: ArrayLike<number>,
  w: ArrayLike<number>,
  idx: ArrayLike<number>,
  a = 0,
  b = idx.length,
): number {
  let total = 0;
  let inOrder = true;
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = a; k < b; k++) {
    const x = v[idx[k]!]!;
    total += w[idx[k]!]!;
    if (k > a && x < v[idx[k - 1]!]!) inOrder = false;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
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
  const span = hi - lo + 1;
  if (span <= Math.max(HISTOGRAM_SPAN, 8 * m)) {
    const nBlocks = (span >> 6) + 1;
    if (coarse.length < nBlocks) coarse = new Float64Array(nBlocks);
    for (let k = a; k < b; k++) coarse[(v[idx[k]!]! - lo) >> 6]! += w[idx[k]!]!;
    let block = nBlocks - 1;
    for (let j = 0; j < nBlocks; j++) {
      if (2 * (acc + coarse[j]!) >= total) {
        block = j;
        break;
      }
      acc += coarse[j]!;
    }
    coarse.fill(0, 0, nBlocks);
    for (let k = a; k < b; k++) {
      const d = v[idx[k]!]! - lo;
      if (d >> 6 === block) fine[d & 63]! += w[idx[k]!]!;
    }
    let median = lo + block * 64 + 63;
    for (let j = 0; j < 64; j++) {
      acc += fine[j]!;
      if (2 * acc >= total) {
        median = lo + block * 64 + j;
        break;
      }
    }
    fine.fill(0);
    return Math.min(median, hi);
  }
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
