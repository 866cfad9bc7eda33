/**
 * Excess statistics on consecutive step bins of selected-event counts (the event-time layer in
 * excess-monitor.ts turns timestamps into bins).
 *
 * Window test: after each closed bin, the last w = windowS/stepS bins form a window with count n;
 * the expected count μ is backgroundRateHz·windowS when configured, otherwise estimated from the
 * up to T = trailingWindowS/stepS bins just before the window (the window itself is excluded, so
 * an excess does not raise its own background) by the configured estimator (background.ts: the
 * clipped mean keeps an excess that has left the window out of the estimate). The first test
 * comes once minTrailingS of trailing bins are in; the span then grows to T. p = P(N ≥ n | μ)
 * exactly, Z = Φ⁻¹(1 − p).
 * With stepS < windowS consecutive windows overlap and their tests are correlated: the
 * per-evaluation false-alarm probability is still p_threshold, but exceedances come in clusters,
 * so alerts per unit time are fewer than evaluations·p_threshold (the holdoff collapses a cluster).
 *
 * CUSUM: on standardised per-bin counts, S ← max(0, S + (x − μ_bin)/√μ_bin − k), alarm at S ≥ h;
 * sensitive to small sustained shifts the window test misses. Its alert window is the run of bins
 * since S last left zero. After an alarm (or one suppressed by the holdoff) S restarts at 0.
 */
import { ContractError } from '../domain/index.js';
import type { ExcessAlert, ExcessMethod } from '../domain/index.js';
import type { ExcessConfig } from '../config/index.js';
import { trailingBackground, type BackgroundOptions } from './background.js';
import { logPoissonUpperTail } from './gamma.js';
import { zFromLogP } from './normal.js';

export interface WindowEvaluation {
  readonly method: ExcessMethod;
  readonly windowStartNs: bigint;
  readonly windowEndNs: bigint;
  readonly observed: number;
  readonly expected: number;
  /** ln p, kept because p underflows for very large excesses. */
  readonly logP: number;
  readonly p: number;
  readonly z: number;
}

export interface BinResult {
  /** The window test on the window ending with this bin (absent during warm-up). */
  readonly window?: WindowEvaluation;
  /** The CUSUM statistic after this bin (0 during warm-up). */
  readonly cusum: number;
  readonly alerts: ExcessAlert[];
}

export interface ExcessCore {
  /**
   * Closes bin `index` (bin k covers [k·step, (k+1)·step)) with its count. Indices must increase;
   * skipped bins count as empty (a gap of at least window + trailing bins resets all sums and the
   * CUSUM, exactly what closing that many empty bins would do to the sums).
   */
  closeBin(index: number, count: number): BinResult;
  readonly stepNs: bigint;
  readonly windowBins: number;
  readonly trailingBins: number;
}

/** Evaluates the Poisson excess of `observed` over `expected`. */
export function evaluateExcess(observed: number, expected: number): { logP: number; p: number; z: number } {
  const logP = logPoissonUpperTail(observed, expected);
  return { logP, p: Math.exp(logP), z: zFromLogP(logP) };
}

/** ExcessConfig's seconds as whole bins; throws if windowS or trailingWindowS are not multiples of stepS. */
export function binsOf(cfg: ExcessConfig): {
  stepNs: bigint;
  windowBins: number;
  trailingBins: number;
  minTrailingBins: number;
} {
  const ratio = (s: number, name: string): number => {
    const r = s / cfg.stepS;
    if (Math.abs(r - Math.round(r)) > 1e-9 || Math.round(r) < 1) {
      throw new ContractError(`excess.${name} (${s} s) must be a whole multiple of stepS (${cfg.stepS} s)`);
    }
    return Math.round(r);
  };
  return {
    stepNs: BigInt(Math.round(cfg.stepS * 1e9)),
    windowBins: ratio(cfg.windowS, 'windowS'),
    trailingBins: ratio(cfg.trailingWindowS, 'trailingWindowS'),
    minTrailingBins: ratio(Math.min(cfg.minTrailingS, cfg.trailingWindowS), 'minTrailingS'),
  };
}

export function createExcessCore(cfg: ExcessConfig): ExcessCore {
  return new Core(cfg);
}

class Core implements ExcessCore {
  readonly stepNs: bigint;
  readonly windowBins: number;
  readonly trailingBins: number;
  private readonly minTrailingBins: number;
  private readonly background: BackgroundOptions;
  private readonly trailing: Float64Array; // scratch: the trailing bins, oldest first
  private readonly fixedMu: number | undefined;
  private readonly ring: Float64Array; // counts of the last w + t bins, by index mod (w + t)
  private readonly holdoffNs: bigint;
  private readonly lastAlertEnd = new Map<ExcessMethod, bigint>();
  private seen = 0; // bins closed so far
  private lastIndex: number | undefined;
  private windowSum = 0;
  private cusum = 0;
  private runStart = 0;
  private runObserved = 0;
  private runBins = 0;

  constructor(private readonly cfg: ExcessConfig) {
    const b = binsOf(cfg);
    this.stepNs = b.stepNs;
    this.windowBins = b.windowBins;
    this.trailingBins = b.trailingBins;
    this.minTrailingBins = b.minTrailingBins;
    this.background = { estimator: cfg.backgroundEstimator, clipSigma: cfg.backgroundClipSigma };
    this.trailing = new Float64Array(b.trailingBins);
    this.fixedMu = cfg.backgroundRateHz === undefined ? undefined : cfg.backgroundRateHz * cfg.windowS;
    this.ring = new Float64Array(b.windowBins + b.trailingBins);
    this.holdoffNs = BigInt(Math.round(cfg.holdoffS * 1e9));
  }

  closeBin(index: number, count: number): BinResult {
    if (!Number.isInteger(index)) throw new ContractError(`bin index must be an integer, got ${index}`);
    if (!Number.isInteger(count) || count < 0)
      throw new ContractError(`bin count must be an integer >= 0, got ${count}`);
    const alerts: ExcessAlert[] = [];
    const last = this.lastIndex;
    if (last !== undefined) {
      if (index <= last) throw new ContractError(`bins must increase: got ${index} after ${last}`);
      if (index - last - 1 >= this.ring.length) {
        // the skipped empty bins push every counted bin out of both spans: all sums are zero
        this.ring.fill(0);
        this.windowSum = 0;
        this.cusum = 0;
        this.seen += index - last - 1;
      } else {
        for (let b = last + 1; b < index; b++) alerts.push(...this.advance(b, 0).alerts);
      }
    }
    const r = this.advance(index, count);
    return { ...r, alerts: [...alerts, ...r.alerts] };
  }

  private startOf(index: number): bigint {
    return BigInt(index) * this.stepNs;
  }

  private slot(index: number): number {
    const n = this.ring.length;
    return ((index % n) + n) % n;
  }

  private makeAlert(ev: WindowEvaluation): ExcessAlert | undefined {
    const last = this.lastAlertEnd.get(ev.method);
    if (last !== undefined && ev.windowEndNs < last + this.holdoffNs) return undefined;
    this.lastAlertEnd.set(ev.method, ev.windowEndNs);
    return {
      alertId: `excess-${ev.method}-${ev.windowStartNs}-${ev.windowEndNs}`,
      method: ev.method,
      windowStartNs: ev.windowStartNs,
      windowEndNs: ev.windowEndNs,
      observed: ev.observed,
      expected: ev.expected,
      z: ev.z,
      p: ev.p,
    };
  }

  /** μ from the trailing bins before the window ending at `index` (as many as seen, at most t). */
  private estimate(index: number): number {
    const w = this.windowBins;
    const t = this.trailingBins;
    const n = Math.min(this.seen - w, t);
    const span = this.trailing.subarray(t - n);
    for (let i = 0; i < n; i++) span[i] = this.ring[this.slot(index - w - n + 1 + i)]!;
    return trailingBackground(span, w, this.background);
  }

  private advance(index: number, count: number): BinResult {
    const w = this.windowBins;
    this.lastIndex = index;
    // slide: bin index−w leaves the window and enters the trailing span (the ring keeps w + t bins)
    if (this.seen >= w) this.windowSum -= this.ring[this.slot(index - w)]!;
    this.ring[this.slot(index)] = count;
    this.windowSum += count;
    this.seen++;
    const ready = this.fixedMu !== undefined ? this.seen >= w : this.seen >= w + this.minTrailingBins;
    if (!ready) return { cusum: 0, alerts: [] };
    const mu = this.fixedMu ?? this.estimate(index);
    const alerts: ExcessAlert[] = [];
    const window: WindowEvaluation = {
      method: 'window',
      windowStartNs: this.startOf(index - w + 1),
      windowEndNs: this.startOf(index + 1),
      observed: this.windowSum,
      expected: mu,
      ...evaluateExcess(this.windowSum, mu),
    };
    if (window.z >= this.cfg.zThreshold) {
      const a = this.makeAlert(window);
      if (a) alerts.push(a);
    }
    const c = this.cusumStep(index, count, mu / w);
    if (c) alerts.push(c);
    return { window, cusum: this.cusum, alerts };
  }

  /** One CUSUM step on the bin's standardised count; the alert of an alarm (not suppressed by the holdoff). */
  private cusumStep(index: number, count: number, muBin: number): ExcessAlert | undefined {
    if (!(muBin > 0)) return undefined;
    if (this.cusum === 0) {
      this.runStart = index;
      this.runObserved = 0;
      this.runBins = 0;
    }
    this.cusum = Math.max(0, this.cusum + (count - muBin) / Math.sqrt(muBin) - this.cfg.cusumK);
    this.runObserved += count;
    this.runBins++;
    if (this.cusum < this.cfg.cusumH) return undefined;
    const expected = muBin * this.runBins;
    this.cusum = 0;
    return this.makeAlert({
      method: 'cusum',
      windowStartNs: this.startOf(this.runStart),
      windowEndNs: this.startOf(index + 1),
      observed: this.runObserved,
      expected,
      ...evaluateExcess(this.runObserved, expected),
    });
  }
}
