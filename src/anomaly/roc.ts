/** ROC curve and its area for a score where larger means more anomalous (no I/O). */

/** Area under the ROC: P(score_signal > score_background) + ½ P(tie) (Mann–Whitney, by ranks). */
export function auc(signal: ArrayLike<number>, background: ArrayLike<number>): number {
  const all: [number, number][] = [];
  for (let i = 0; i < signal.length; i++) all.push([signal[i]!, 1]);
  for (let i = 0; i < background.length; i++) all.push([background[i]!, 0]);
  all.sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j]![0] === all[i]![0]) j++;
    const mid = (i + j + 1) / 2;
    for (let m = i; m < j; m++) if (all[m]![1] === 1) rankSum += mid;
    i = j;
  }
  const ns = signal.length;
  const nb = background.length;
  return (rankSum - (ns * (ns + 1)) / 2) / (ns * nb);
}

/** Fraction of values strictly above the threshold. */
export function passFraction(v: ArrayLike<number>, threshold: number): number {
  let k = 0;
  for (let i = 0; i < v.length; i++) if (v[i]! > threshold) k++;
  return v.length === 0 ? 0 : k / v.length;
}

/** ROC points (background pass fraction, signal pass fraction) at `points` log-spaced background fractions. */
export function rocCurve(
  signal: ArrayLike<number>,
  background: ArrayLike<number>,
  points = 40,
): { bkg: number[]; sig: number[] } {
  const sorted = Float64Array.from(background).sort();
  const n = sorted.length;
  const bkg: number[] = [];
  const sig: number[] = [];
  for (let i = 0; i <= points; i++) {
    const f = 10 ** (-4 + (4 * i) / points);
    const k = Math.min(n - 1, Math.max(0, Math.round(f * n)));
    const thr = sorted[n - 1 - k]!;
    bkg.push(passFraction(background, thr));
    sig.push(passFraction(signal, thr));
  }
  return { bkg, sig };
}
