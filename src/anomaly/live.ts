/**
 * The online anomaly monitor's windowed state, in event time: the rate of events over the
 * threshold and the per-station drift of the score terms against the calibration reference,
 * both over the last windowS seconds and evaluated once per stepS of event time (sorting the
 * window for the KS distance once a step, not once an event). Pure: fed (time, score, terms).
 */
import { DriftMonitor, type DriftState } from './drift.js';
import type { AnomalyReference } from './scorer.js';

export interface LiveAnomalyOptions {
  readonly windowS: number;
  readonly stepS: number;
  /** Kolmogorov c(α) of the critical distance reported beside the distances. */
  readonly cAlpha: number;
  /** Fewer events than this in the window: distances 0 (no verdict). */
  readonly minEvents: number;
}

export const DEFAULT_LIVE_ANOMALY: LiveAnomalyOptions = {
  windowS: 10,
  stepS: 1,
  cAlpha: 1.95,
  minEvents: 100,
};

export interface LiveAnomalyState {
  /** Event time of the evaluation, s. */
  readonly tS: number;
  /** Events over threshold per second in the window. */
  readonly rateHz: number;
  readonly drift: DriftState;
}

export class LiveAnomalyMonitor {
  private readonly drift: DriftMonitor;
  private readonly over: number[] = [];
  private overHead = 0;
  private nextEvalS: number | undefined;
  private latestS = -Infinity;

  constructor(
    private readonly reference: AnomalyReference,
    private readonly o: LiveAnomalyOptions = DEFAULT_LIVE_ANOMALY,
  ) {
    this.drift = new DriftMonitor(reference.stationQuantiles, {
      windowS: o.windowS,
      cAlpha: o.cAlpha,
      minEvents: o.minEvents,
    });
  }

  /**
   * Adds one event; returns the states of the steps its time completed (usually none or one).
   * Events a little out of order are counted in the window they arrive in.
   */
  push(tS: number, score: number, perStation: readonly number[]): LiveAnomalyState[] {
    const out: LiveAnomalyState[] = [];
    this.nextEvalS ??= tS + this.o.stepS;
    while (tS >= this.nextEvalS) {
      out.push(this.evaluate(this.nextEvalS));
      this.nextEvalS += this.o.stepS;
    }
    this.latestS = Math.max(this.latestS, tS);
    this.drift.add(tS, perStation);
    if (score > this.reference.threshold) this.over.push(tS);
    return out;
  }

  /** The state over the window ending at tS (default: the latest event time). */
  evaluate(tS = this.latestS): LiveAnomalyState {
    while (this.overHead < this.over.length && this.over[this.overHead]! <= tS - this.o.windowS)
      this.overHead++;
    if (this.overHead > 4096) {
      this.over.splice(0, this.overHead);
      this.overHead = 0;
    }
    return { tS, rateHz: (this.over.length - this.overHead) / this.o.windowS, drift: this.drift.state() };
  }
}
