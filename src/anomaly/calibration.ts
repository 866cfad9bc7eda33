/**
 * The rate budget: the threshold that lets a fraction f = budgetHz / totalRateHz of ordinary
 * events through, from a calibration sample of n ordinary events, with its uncertainty.
 * Statistics only, no I/O.
 *   - threshold: the (1 − f) empirical quantile (exactly round(n·f) calibration events above it);
 *   - pass-fraction interval: Wilson score interval (95 %) of k = round(n·f) passes in n;
 *   - threshold interval: the order statistics at k ∓ 1.96·√(n·f·(1 − f)) exceedances (95 %),
 *     i.e. the range of thresholds that the same budget could have given on another sample.
 */
export interface AnomalyCalibration {
  readonly budgetHz: number;
  /** Ordinary (total) event rate the fraction refers to, Hz. */
  readonly totalRateHz: number;
  readonly passFraction: number;
  readonly threshold: number;
  readonly thresholdCi95: readonly [number, number];
  /** Calibration events and how many of them are above the threshold. */
  readonly n: number;
  readonly above: number;
  /** Wilson 95 % interval of the pass fraction, and the same as a rate (Hz). */
  readonly passFractionCi95: readonly [number, number];
  readonly rateCi95Hz: readonly [number, number];
  /** Score quantiles of the calibration sample (q = 0.01..0.99 and the tail), the drift reference. */
  readonly referenceQuantiles: readonly (readonly [number, number])[];
  /** The same per station term (the data-quality drift reference), when the terms were given. */
  readonly stationQuantiles?: readonly (readonly (readonly [number, number])[])[];
}

/**
 * The scales of the composite score: for each test, the value its largest station reaches on a
 * fraction `passFraction / tests` of the ordinary sample (each test given an equal share of the
 * budget), so that after division the tests are in one unit and none dominates by its units.
 * `tests` is [event][station][test] flattened. The final threshold is then set on the combined score.
 */
export function fitCompositeScale(
  tests: ArrayLike<number>,
  channels: number,
  passFraction: number,
  nTests = 3,
): [number, number, number] {
  const n = tests.length / (channels * nTests);
  const out = Array.from({ length: nTests }, (_, j) => {
    const worst = Float64Array.from({ length: n }, (_, i) => {
      let m = 0;
      for (let k = 0; k < channels; k++) m = Math.max(m, tests[(i * channels + k) * nTests + j]!);
      return m;
    }).sort();
    const q = thresholdFor(worst, (n * passFraction) / nTests);
    // A test that never fires on ordinary events (q = 0) keeps a unit scale rather than dividing by 0.
    return q > 0 ? q : 1;
  });
  return [out[0]!, out[1]!, out[2]!];
}

const Z95 = 1.959963984540054;

export function wilson(k: number, n: number, z = Z95): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [k === 0 ? 0 : Math.max(0, c - h), k === n ? 1 : Math.min(1, c + h)];
}

/** The score that exactly `k` of the sorted (ascending) values exceed (k clamped to [0, n − 1]). */
function thresholdFor(sorted: Float64Array, k: number): number {
  const n = sorted.length;
  const kk = Math.min(n - 1, Math.max(0, Math.round(k)));
  return sorted[n - 1 - kk]!;
}

export const REFERENCE_QUANTILES = [
  0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999,
];

function quantilesOf(sorted: Float64Array): [number, number][] {
  const n = sorted.length;
  return REFERENCE_QUANTILES.map((q) => [q, sorted[Math.min(n - 1, Math.floor(q * n))]!]);
}

/** `perStation` ([event][station] flattened, `channels` per event) adds the per-station drift reference. */
export function calibrateThreshold(
  scores: ArrayLike<number>,
  budgetHz: number,
  totalRateHz: number,
  perStation?: { values: ArrayLike<number>; channels: number },
): AnomalyCalibration {
  const sorted = Float64Array.from(scores).sort();
  const n = sorted.length;
  if (n < 2) throw new RangeError('calibrateThreshold: need at least 2 calibration scores');
  const f = Math.min(1, budgetHz / totalRateHz);
  const k = Math.round(n * f);
  const threshold = thresholdFor(sorted, k);
  let above = 0;
  for (let i = 0; i < n; i++) if (sorted[i]! > threshold) above++;
  const s = Z95 * Math.sqrt(n * f * (1 - f));
  const ci = wilson(above, n);
  return {
    budgetHz,
    totalRateHz,
    passFraction: f,
    threshold,
    thresholdCi95: [thresholdFor(sorted, k + s), thresholdFor(sorted, k - s)],
    n,
    above,
    passFractionCi95: ci,
    rateCi95Hz: [ci[0] * totalRateHz, ci[1] * totalRateHz],
    referenceQuantiles: quantilesOf(sorted),
    ...(perStation === undefined
      ? {}
      : {
          stationQuantiles: Array.from({ length: perStation.channels }, (_, k) =>
            quantilesOf(
              Float64Array.from(
                { length: n },
                (_, i) => perStation.values[i * perStation.channels + k]!,
              ).sort(),
            ),
          ),
        }),
  };
}
