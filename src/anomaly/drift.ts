/**
 * Data-quality drift of the anomaly score: over a sliding window of event time, the
 * Kolmogorov–Smirnov distance between each station term's empirical distribution and its
 * calibration reference (stored as quantiles), D_k = max over the reference points |F_window(v_q) − q|.
 * A detector fault moves one station's terms, so the station with the largest D_k names it.
 * Pure: fed (time, per-station terms), no clock and no I/O.
 */
export type Quantiles = readonly (readonly [number, number])[];

export interface DriftState {
  /** KS distance per station and the largest of them. */
  readonly perStation: readonly number[];
  readonly distance: number;
  readonly dominantStation: number;
  readonly events: number;
  /** KS critical distance for this window size at the configured significance. */
  readonly critical: number;
}

export interface DriftOptions {
  readonly windowS: number;
  /** Kolmogorov c(α): 1.63 for α = 0.01, 1.95 for α = 0.001. */
  readonly cAlpha: number;
  /** Fewer events than this in the window: no verdict (distance 0). */
  readonly minEvents: number;
}

export const DEFAULT_DRIFT: DriftOptions = { windowS: 10, cAlpha: 1.95, minEvents: 100 };

/**
 * The window's events and, per station and reference point (q, v), how many of its terms are
 * ≤ v: kept up to date as events enter and leave, so a state costs one pass over the reference
 * points instead of a sort of the window. The distances are exactly ksDistance's on the sorted
 * window (a test checks it).
 */
export class DriftMonitor {
  private readonly times: number[] = [];
  private readonly terms: (readonly number[])[] = [];
  private head = 0;
  /** atOrBelow[k][j]: window terms of station k that are ≤ reference[k][j]'s value. */
  private readonly atOrBelow: Int32Array[];

  constructor(
    private readonly reference: readonly Quantiles[],
    private readonly o: DriftOptions = DEFAULT_DRIFT,
  ) {
    this.atOrBelow = reference.map((ref) => new Int32Array(ref.length));
  }

  /** Adds one event (time in s, its per-station terms) and returns the window's state. */
  push(tS: number, perStation: readonly number[]): DriftState {
    this.add(tS, perStation);
    return this.state();
  }

  /**
   * Adds one event without evaluating the window. perStation is kept as given (not copied) until
   * the event leaves the window: pass an array nobody changes.
   */
  add(tS: number, perStation: readonly number[]): void {
    this.times.push(tS);
    this.terms.push(perStation);
    this.count(perStation, 1);
    while (this.head < this.times.length && this.times[this.head]! < tS - this.o.windowS)
      this.count(this.terms[this.head++]!, -1);
    if (this.head > 4096) {
      this.times.splice(0, this.head);
      this.terms.splice(0, this.head);
      this.head = 0;
    }
  }

  private count(perStation: readonly number[], by: number): void {
    this.reference.forEach((ref, k) => {
      const c = this.atOrBelow[k]!;
      const x = perStation[k]!;
      for (let j = 0; j < ref.length; j++) if (x <= ref[j]![1]) c[j]! += by;
    });
  }

  state(): DriftState {
    const n = this.times.length - this.head;
    const critical = this.o.cAlpha / Math.sqrt(Math.max(1, n));
    const perStation = this.reference.map((ref, k) => {
      if (n < this.o.minEvents) return 0;
      const c = this.atOrBelow[k]!;
      let d = 0;
      for (let j = 0; j < ref.length; j++) d = Math.max(d, Math.abs(c[j]! / Math.max(1, n) - ref[j]![0]));
      return d;
    });
    const distance = Math.max(0, ...perStation);
    return { perStation, distance, dominantStation: perStation.indexOf(distance), events: n, critical };
  }

  /** The window's terms of station k, sorted (for checks against ksDistance). */
  window(k: number): Float64Array {
    const out = new Float64Array(this.times.length - this.head);
    for (let i = this.head; i < this.times.length; i++) out[i - this.head] = this.terms[i]![k]!;
    return out.sort();
  }
}

/** max over the reference points (q, v) of |F_sample(v) − q|, sample sorted ascending. */
export function ksDistance(sorted: Float64Array, ref: Quantiles): number {
  let d = 0;
  for (const [q, v] of ref) {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    d = Math.max(d, Math.abs(lo / Math.max(1, sorted.length) - q));
  }
  return d;
}
