import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, type Candidate, type ExcessAlert, type RecoEvent } from '../domain/index.js';
import type { ExcessConfig } from '../config/index.js';
import { createExcessCore, evaluateExcess } from './excess-core.js';
import { createExcessMonitor } from './excess-monitor.js';

const BASE: ExcessConfig = {
  windowS: 10,
  stepS: 1,
  trailingWindowS: 120,
  zThreshold: 5,
  cusumK: 0.5,
  cusumH: 8,
  holdoffS: 30,
  allowedLatenessS: 0,
  idlePartitionS: 5,
  minTrailingS: 30,
  backgroundEstimator: 'clipped-mean',
  backgroundClipSigma: 3,
};

/** Poisson sample by inversion of the cdf (fine for μ up to a few hundred). */
function poisson(rng: Rng, mu: number): number {
  let k = 0;
  let pmf = Math.exp(-mu);
  let cdf = pmf;
  const u = rng.uniform();
  while (u > cdf && k < 10_000) {
    k++;
    pmf *= mu / k;
    cdf += pmf;
  }
  return k;
}

/** The per-evaluation probability that the window test fires under the background alone. */
function nominalAlarmProbability(mu: number, z: number): number {
  let n = 0;
  while (evaluateExcess(n, mu).z < z) n++;
  return evaluateExcess(n, mu).p;
}

test('false alarms on background-only disjoint windows match the threshold nominal rate', () => {
  const cfg: ExcessConfig = {
    ...BASE,
    windowS: 1,
    stepS: 1,
    trailingWindowS: 1,
    backgroundRateHz: 20,
    zThreshold: 3,
    holdoffS: 0,
    cusumH: 1e9,
  };
  const core = createExcessCore(cfg);
  const rng = new Rng(12345);
  const windows = 100_000;
  let alerts = 0;
  for (let i = 0; i < windows; i++)
    alerts += core.closeBin(i, poisson(rng, 20)).alerts.filter((a) => a.method === 'window').length;
  const expected = windows * nominalAlarmProbability(20, 3);
  // discreteness puts the attainable tail below 1.35e-3; the count is Poisson around `expected`
  assert.ok(expected > 30 && expected < 135, `expected ${expected}`);
  assert.ok(
    Math.abs(alerts - expected) <= 4 * Math.sqrt(expected),
    `alerts ${alerts} vs expected ${expected.toFixed(1)}`,
  );
});

test('overlapping windows keep the per-evaluation false-alarm probability but cluster the alarms', () => {
  const cfg: ExcessConfig = {
    ...BASE,
    windowS: 10,
    stepS: 1,
    trailingWindowS: 10,
    backgroundRateHz: 2,
    zThreshold: 3,
    holdoffS: 0,
    cusumH: 1e9,
  };
  const core = createExcessCore(cfg);
  const rng = new Rng(777);
  const bins = 100_000;
  let exceed = 0;
  let episodes = 0;
  let previous = false;
  for (let i = 0; i < bins; i++) {
    const fired = core.closeBin(i, poisson(rng, 2)).alerts.some((a) => a.method === 'window');
    if (fired) exceed++;
    if (fired && !previous) episodes++;
    previous = fired;
  }
  const expected = (bins - 9) * nominalAlarmProbability(20, 3);
  assert.ok(
    exceed > 0.6 * expected && exceed < 1.5 * expected,
    `exceedances ${exceed} vs ${expected.toFixed(1)}`,
  );
  assert.ok(episodes < exceed, `episodes ${episodes} should be fewer than exceedances ${exceed}`);
});

test('the trailing background excludes the window under test', () => {
  const cfg: ExcessConfig = { ...BASE, windowS: 2, stepS: 1, trailingWindowS: 4, holdoffS: 0 };
  const core = createExcessCore(cfg);
  const counts = [3, 5, 2, 6, 40, 50];
  let last;
  for (let i = 0; i < counts.length; i++) last = core.closeBin(i, counts[i]!);
  assert.equal(last?.window?.observed, 90);
  assert.equal(last?.window?.expected, ((3 + 5 + 2 + 6) * 2) / 4);
  assert.equal(last?.window?.windowStartNs, 4_000_000_000n);
  assert.equal(last?.window?.windowEndNs, 6_000_000_000n);
  assert.ok((last?.alerts.length ?? 0) > 0);
});

test('holdoff suppresses a second alert of the same method', () => {
  const cfg: ExcessConfig = {
    ...BASE,
    windowS: 1,
    stepS: 1,
    trailingWindowS: 1,
    backgroundRateHz: 1,
    holdoffS: 5,
    cusumH: 1e9,
  };
  const core = createExcessCore(cfg);
  const fired = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => core.closeBin(i, 30).alerts.length);
  assert.deepEqual(fired, [1, 0, 0, 0, 0, 1, 0, 0]);
});

test('CUSUM flags a small sustained shift before the window test does', () => {
  const core = createExcessCore({ ...BASE, backgroundRateHz: 10 });
  const rng = new Rng(2024);
  const all: ExcessAlert[] = [];
  for (let i = 0; i < 1300; i++) all.push(...core.closeBin(i, poisson(rng, i >= 1000 ? 12 : 10)).alerts);
  const cusum = all.filter((a) => a.method === 'cusum');
  assert.ok(cusum.length >= 1, 'no cusum alert');
  const first = cusum[0]!;
  const firstWindow = all.find((a) => a.method === 'window');
  assert.ok(
    firstWindow === undefined || firstWindow.windowEndNs > first.windowEndNs,
    'window test was first',
  );
  assert.ok(
    first.windowStartNs >= 990_000_000_000n && first.windowEndNs <= 1_100_000_000_000n,
    `window ${first.windowStartNs}..${first.windowEndNs}`,
  );
  assert.ok(first.observed > first.expected);
});

function candidateAt(tsNs: bigint, id: number): Candidate {
  const event: RecoEvent = {
    runId: 'r',
    eventId: `e${id}`,
    timestampNs: tsNs,
    status: 'ok',
    nHits: 50,
    energyGeV: 10,
    dCm: -3,
    xCm: 0,
    yCm: 0,
    fitRmsCm: 0.1,
    stationsUsed: 3,
  };
  return { event, selected: true, reasons: [] };
}

test('an injected x3 excess for 20 s is found with the right window and its candidates are tagged', () => {
  const monitor = createExcessMonitor(BASE);
  const rng = new Rng(99);
  const t0 = 1_700_000_000_000_000_000n;
  const alerts: ExcessAlert[] = [];
  const tagged = new Map<string, bigint>(); // event id → timestamp, for candidates carrying an alert id
  let t = 0;
  let id = 0;
  let batch: Candidate[] = [];
  const drain = (u: ReturnType<typeof monitor.process>): void => {
    alerts.push(...u.alerts);
    for (const c of [...u.candidates, ...u.reissued])
      if (c.alertId) tagged.set(c.event.eventId, c.event.timestampNs);
  };
  while (t < 400) {
    const rate = t >= 300 && t < 320 ? 15 : 5;
    t += rng.exponential(rate);
    batch.push(candidateAt(t0 + BigInt(Math.round(t * 1e9)), id++));
    if (batch.length === 16) {
      drain(monitor.process(batch));
      batch = [];
    }
  }
  drain(monitor.process(batch));
  drain(monitor.flush());
  const window = alerts.filter((a) => a.method === 'window');
  assert.equal(
    window.length,
    1,
    JSON.stringify(alerts, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
  );
  const a = window[0]!;
  const startS = Number(a.windowStartNs - t0) / 1e9;
  const endS = Number(a.windowEndNs - t0) / 1e9;
  assert.ok(startS >= 290 && endS > 300 && endS <= 330, `window ${startS}..${endS} s`);
  assert.ok(
    a.z >= 5 && a.observed > 1.5 * a.expected,
    `observed ${a.observed} expected ${a.expected} z ${a.z}`,
  );
  // a candidate carries the first alert that covers it (here the CUSUM may fire first on part of the excess)
  const inside = [...tagged.values()].filter((ts) => ts >= a.windowStartNs && ts < a.windowEndNs).length;
  assert.equal(inside, a.observed, 'every selected candidate in the window carries an alert id');
});

test('late candidates are passed on uncounted and long gaps reset the statistics', () => {
  const monitor = createExcessMonitor({ ...BASE, backgroundRateHz: 1 });
  const s = 1_000_000_000n;
  monitor.process([candidateAt(0n, 1), candidateAt(5n * s, 2)]);
  const u = monitor.process([candidateAt(1n * s, 3)]);
  assert.equal(monitor.late, 1);
  assert.equal(u.candidates.length, 1);
  const gap = monitor.process([candidateAt(1_000_000n * s, 4)]);
  assert.equal(gap.alerts.length, 0);
  assert.equal(monitor.lastEvaluation?.windowEndNs, 1_000_000n * s);
});
