import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../domain/index.js';
import { LiveAnomalyMonitor, type LiveAnomalyState } from './live.js';
import type { AnomalyReference } from './scorer.js';

// Reference: each station term uniform on [0, 1] (quantile q at value q); threshold 0.99.
const uniform = [0.01, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99].map((q) => [q, q] as const);
const ref: AnomalyReference = {
  threshold: 0.99,
  budgetHz: 1,
  totalRateHz: 100,
  stationQuantiles: [uniform, uniform, uniform],
};

/** 100 Hz of events for durationS; from faultS on, station 1's term is shifted by `shift`. */
function run(durationS: number, faultS: number, shift: number): LiveAnomalyState[] {
  const rng = new Rng(5);
  const m = new LiveAnomalyMonitor(ref, { windowS: 10, stepS: 1, cAlpha: 1.95, minEvents: 100 });
  const out: LiveAnomalyState[] = [];
  for (let i = 0; i < durationS * 100; i++) {
    const t = i / 100;
    const terms = [rng.uniform(), Math.min(1, rng.uniform() + (t >= faultS ? shift : 0)), rng.uniform()];
    out.push(...m.push(t, Math.max(...terms), terms));
  }
  return out;
}

describe('online anomaly monitor (rate over threshold, per-station drift per step)', () => {
  it('evaluates once per step of event time; ordinary data: drift under the critical distance, rate near the budget', () => {
    const s = run(40, Infinity, 0);
    assert.equal(s.length, 39);
    const full = s.filter((x) => x.tS >= 10);
    for (const x of full) assert.ok(x.drift.distance < x.drift.critical, `t ${x.tS}: ${x.drift.distance}`);
    // 3 uniform terms, max over 0.99: 1 − 0.99³ ≈ 3 % of 100 Hz.
    const mean = full.reduce((a, x) => a + x.rateHz, 0) / full.length;
    assert.ok(mean > 2 && mean < 4, `rate ${mean}`);
  });

  it('a shift of one station moves its distance over the alert limit within seconds, the others stay low', () => {
    const s = run(40, 20, 0.3);
    const cross = s.find((x) => x.tS >= 20 && x.drift.perStation[1]! > 0.1);
    assert.ok(cross !== undefined && cross.tS <= 23, `crossed at ${cross?.tS}`);
    assert.equal(cross.drift.dominantStation, 1);
    for (const x of s) assert.ok(x.drift.perStation[0]! < 0.1 && x.drift.perStation[2]! < 0.1);
    assert.ok(s.at(-1)!.rateHz > 20, `rate ${s.at(-1)!.rateHz}`);
  });

  it('fewer events than minEvents in the window: no verdict (distance 0)', () => {
    const m = new LiveAnomalyMonitor(ref, { windowS: 10, stepS: 1, cAlpha: 1.95, minEvents: 100 });
    const st = [...m.push(0, 1, [1, 1, 1]), ...m.push(5, 1, [1, 1, 1])];
    assert.equal(st.length, 5); // steps at 1, 2, 3, 4 and 5 s
    for (const x of st) assert.deepEqual(x.drift.perStation, [0, 0, 0]);
    // Both events were over the threshold and inside the window ending at 5 s.
    assert.equal(m.evaluate(5).rateHz, 0.2);
    assert.equal(m.evaluate(15.5).rateHz, 0);
  });
});
