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
  const { stepNs, windowBins: w, trailingBins: t, minTrailingBins } = binsOf(cfg);
  const background: BackgroundOptions = {
    estimator: cfg.backgroundEstimator,
    clipSigma: cfg.backgroundClipSigma,
  };
  const trailing = new Float64Array(t); // scratch: the trailing bins, oldest first
  const fixedMu = cfg.backgroundRateHz === undefined ? undefined : cfg.backgroundRateHz * cfg.windowS;
  const ring = new Float64Array(w + t); // counts of the last w + t bins, by index mod (w + t)
  let seen = 0; // bins closed so far
  let lastIndex: number | undefined;
  let windowSum = 0;
  let cusum = 0;
  let runStart = 0;
  let runObserved = 0;
  let runBins = 0;
  const holdoffNs = BigInt(Math.round(cfg.holdoffS * 1e9));
  const lastAlertEnd = new Map<ExcessMethod, bigint>();

  const startOf = (index: number): bigint => BigInt(index) * stepNs;
  const at = (index: number): number => ring[((index % ring.length) + ring.length) % ring.length]!;

  const makeAlert = (ev: WindowEvaluation): ExcessAlert | undefined => {
    const last = lastAlertEnd.get(ev.method);
    if (last !== undefined && ev.windowEndNs < last + holdoffNs) return undefined;
    lastAlertEnd.set(ev.method, ev.windowEndNs);
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
  };

  return {
    stepNs,
    windowBins: w,
    trailingBins: t,
    closeBin(index, count) {
      if (!Number.isInteger(index)) throw new ContractError(`bin index must be an integer, got ${index}`);
      if (!Number.isInteger(count) || count < 0)
        throw new ContractError(`bin count must be an integer >= 0, got ${count}`);
      const alerts: ExcessAlert[] = [];
      if (lastIndex !== undefined) {
        if (index <= lastIndex)
          throw new ContractError(`bins must increase: got ${index} after ${lastIndex}`);
        if (index - lastIndex - 1 >= w + t) {
          // the skipped empty bins push every counted bin out of both spans: all sums are zero
          ring.fill(0);
          windowSum = 0;
          cusum = 0;
          seen += index - lastIndex - 1;
        } else {
          for (let b = lastIndex + 1; b < index; b++) alerts.push(...advance(b, 0).alerts);
        }
      }
      const r = advance(index, count);
      return { ...r, alerts: [...alerts, ...r.alerts] };
    },
  };

  /** μ from the trailing bins before the window ending at `index` (as many as seen, at most t). */
  function estimate(index: number): number {
    const n = Math.min(seen - w, t);
    const span = trailing.subarray(t - n);
    for (let i = 0; i < n; i++) span[i] = at(index - w - n + 1 + i);
    return trailingBackground(span, w, background);
  }

  function advance(index: number, count: number): BinResult {
    lastIndex = index;
    // slide: bin index−w leaves the window and enters the trailing span (the ring keeps w + t bins)
    if (seen >= w) windowSum -= at(index - w);
    ring[((index % ring.length) + ring.length) % ring.length] = count;
    windowSum += count;
    seen++;

    const ready = fixedMu !== undefined ? seen >= w : seen >= w + minTrailingBins;
    if (!ready) return { cusum: 0, alerts: [] };
    const mu = fixedMu ?? estimate(index);
    const alerts: ExcessAlert[] = [];
    const { logP, p, z } = evaluateExcess(windowSum, mu);
    const window: WindowEvaluation = {
      method: 'window',
      windowStartNs: startOf(index - w + 1),
      windowEndNs: startOf(index + 1),
      observed: windowSum,
      expected: mu,
      logP,
      p,
      z,
    };
    if (z >= cfg.zThreshold) {
      const a = makeAlert(window);
      if (a) alerts.push(a);
    }

    const muBin = mu / w;
    if (muBin > 0) {
      if (cusum === 0) {
        runStart = index;
        runObserved = 0;
        runBins = 0;
      }
      cusum = Math.max(0, cusum + (count - muBin) / Math.sqrt(muBin) - cfg.cusumK);
      runObserved += count;
      runBins++;
      if (cusum >= cfg.cusumH) {
        const expected = muBin * runBins;
        const ev = evaluateExcess(runObserved, expected);
        const a = makeAlert({
          method: 'cusum',
          windowStartNs: startOf(runStart),
          windowEndNs: startOf(index + 1),
          observed: runObserved,
          expected,
          ...ev,
        });
        if (a) alerts.push(a);
        cusum = 0;
      }
    }
    return { window, cusum, alerts };
  }
}
