/**
 * The trailing background estimate of the window test, robust against an excess inside the
 * trailing span.
 *
 * 'mean': μ = (trailing count)·w/T, what a plain moving average gives. An excess that has just
 * left the window under test sits in the trailing span for T more seconds and inflates μ, so Z
 * dips well below zero after every excess and a second excess soon after is harder to see.
 *
 * 'clipped-mean': the trailing span is cut into blocks of w bins (newest first; the oldest block
 * may be shorter). The median m of the full blocks' counts anchors the estimate; a block whose
 * count, scaled to w bins, lies more than k·√m from m (a Poisson σ at that level) is left out,
 * and μ = (sum of kept blocks)·w/(bins kept). Under a constant background a block is clipped
 * with probability ≈ 2·Φ(−k) (0.27 % at k = 3), both sides alike, so μ stays unbiased; an excess
 * occupying fewer than half the blocks cannot move the median and its blocks are clipped once
 * they stand out by k σ. A second pass then does the same for every w-bin window, sliding by one
 * bin, and averages the bins no outlying window covers (an excess straddling two blocks is removed
 * too). A lasting change of the background level wins the median once it fills
 * half the span and is then followed, as a background should be. The estimate is a function of
 * the last T bins only, so a successor that replays those bins computes the same μ.
 */
export type BackgroundEstimator = 'mean' | 'clipped-mean';

export interface BackgroundOptions {
  readonly estimator: BackgroundEstimator;
  /** k: blocks further than k·√median from the median are clipped. */
  readonly clipSigma: number;
}

/**
 * Expected count in a window of w bins from the trailing bins `trailing` (oldest first; any
 * length ≥ 1). A floor of one count in the span keeps Z finite after an empty trailing period.
 */
export function trailingBackground(trailing: ArrayLike<number>, w: number, opts: BackgroundOptions): number {
  const t = trailing.length;
  let total = 0;
  for (let i = 0; i < t; i++) total += trailing[i]!;
  if (opts.estimator === 'mean' || t < w) return (Math.max(total, 1) * w) / t;
  const blocks = blockSums(trailing, w);
  const full = blocks.filter((b) => b.bins === w).map((b) => b.sum);
  const m = median(full);
  const tol = opts.clipSigma * Math.sqrt(Math.max(m, 1));
  let kept = 0;
  let keptBins = 0;
  for (const b of blocks) {
    if (Math.abs((b.sum * w) / b.bins - m) > tol) continue;
    kept += b.sum;
    keptBins += b.bins;
  }
  // all clipped happens only for a degenerate spread (e.g. two full blocks far apart): the mean then
  if (keptBins === 0) return (Math.max(total, 1) * w) / t;
  const blockMu = (Math.max(kept, (1 * keptBins) / t) * w) / keptBins;
  return slidingMasked(trailing, w, blockMu, opts.clipSigma) ?? blockMu;
}

/**
 * The second pass of 'clipped-mean': every w-bin window of the span (sliding by one bin, not only
 * the blocks) whose count lies more than k·√μ from the block estimate μ marks its bins, and μ is
 * the mean of the unmarked bins. Blocks are cut at fixed places, so an excess that straddles two
 * blocks leaves part of itself in blocks too small to be clipped; any w consecutive bins of the
 * excess form a window that stands out, so the sliding pass removes the excess bins wherever they
 * fall. Both sides are marked alike, so under a constant background the estimate stays unbiased.
 * Undefined when fewer than w bins are left unmarked.
 */
function slidingMasked(trailing: ArrayLike<number>, w: number, mu: number, k: number): number | undefined {
  const t = trailing.length;
  const tol = k * Math.sqrt(Math.max(mu, 1));
  const marked = new Uint8Array(t);
  let sum = 0;
  for (let i = 0; i < t; i++) {
    sum += trailing[i]!;
    if (i >= w) sum -= trailing[i - w]!;
    if (i >= w - 1 && Math.abs(sum - mu) > tol) marked.fill(1, i - w + 1, i + 1);
  }
  let kept = 0;
  let bins = 0;
  for (let i = 0; i < t; i++)
    if (marked[i] === 0) {
      kept += trailing[i]!;
      bins++;
    }
  if (bins < w) return undefined;
  return (Math.max(kept, bins / t) * w) / bins;
}

/** Sums of consecutive blocks of w bins counted back from the newest bin; the oldest may be shorter. */
function blockSums(trailing: ArrayLike<number>, w: number): { sum: number; bins: number }[] {
  const out: { sum: number; bins: number }[] = [];
  for (let end = trailing.length; end > 0; end -= w) {
    const start = Math.max(0, end - w);
    let sum = 0;
    for (let i = start; i < end; i++) sum += trailing[i]!;
    out.push({ sum, bins: end - start });
  }
  return out;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
