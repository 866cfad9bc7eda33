import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, DEFAULT_SIMULATION, type SimulationConfig } from '../config/index.js';
import { DEFAULT_GEOMETRY, EVENT_CLASSES, type EventClass } from '../domain/index.js';
import { createSimulator, nextArrivalS, totalRateHz } from './simulator.js';

const g = DEFAULT_GEOMETRY;
const base: SimulationConfig = {
  ...DEFAULT_SIMULATION,
  startTimeNs: 1_700_000_000_000_000_000,
  darkHitsPerStation: 1,
};

test('arrivals are Poisson with the summed class rates, classes in proportion to their rates', () => {
  const cfg: SimulationConfig = {
    ...base,
    ratesHz: { signal: 100, neutrino: 200, muon: 600, noise: 100, nuElastic: 0, nueCCQE: 0, ncPi0: 0 },
  };
  const sim = createSimulator(g, cfg, 'run-a');
  const n = 3000;
  const byClass = new Map<EventClass, number>();
  let prev = -1n;
  for (let i = 0; i < n; i++) {
    const f = sim.next();
    assert.ok(f.timestampNs > prev, 'timestamps increase');
    prev = f.timestampNs;
    byClass.set(f.truth!.eventClass, (byClass.get(f.truth!.eventClass) ?? 0) + 1);
  }
  const rate = n / sim.elapsedS;
  assert.ok(Math.abs(rate - 1000) < 5 * Math.sqrt(1000 / sim.elapsedS) * 1, `rate ${rate} Hz`);
  for (const c of EVENT_CLASSES) {
    const p = cfg.ratesHz[c] / 1000;
    const got = (byClass.get(c) ?? 0) / n;
    assert.ok(Math.abs(got - p) <= 5 * Math.sqrt((p * (1 - p)) / n), `${c}: ${got} vs ${p}`);
  }
});

test('an injected excess multiplies its class rate only inside its window', () => {
  const cfg: SimulationConfig = {
    ...base,
    ratesHz: { signal: 20, neutrino: 0, muon: 80, noise: 0, nuElastic: 0, nueCCQE: 0, ncPi0: 0 },
    excess: { eventClass: 'signal', rateFactor: 5, startS: 20, durationS: 20 },
  };
  const sim = createSimulator(g, cfg, 'run-x');
  const inWin = { signal: 0, muon: 0 };
  const outWin = { signal: 0, muon: 0 };
  while (sim.elapsedS < 60) {
    const f = sim.next();
    if (sim.elapsedS >= 60) break;
    const c = f.truth!.eventClass as 'signal' | 'muon';
    if (sim.elapsedS >= 20 && sim.elapsedS < 40) inWin[c]++;
    else outWin[c]++;
  }
  // Expected: signal 100 Hz × 20 s inside, 20 Hz × 40 s outside; muons 80 Hz throughout.
  assert.ok(Math.abs(inWin.signal - 2000) < 5 * Math.sqrt(2000), `signal in window ${inWin.signal}`);
  assert.ok(Math.abs(outWin.signal - 800) < 5 * Math.sqrt(800), `signal outside ${outWin.signal}`);
  assert.ok(Math.abs(inWin.muon - 1600) < 5 * Math.sqrt(1600), `muons in window ${inWin.muon}`);
});

test('the arrival clock integrates the rate across the excess window edges', () => {
  const cfg: SimulationConfig = {
    ...base,
    ratesHz: { signal: 10, neutrino: 0, muon: 0, noise: 0, nuElastic: 0, nueCCQE: 0, ncPi0: 0 },
    excess: { eventClass: 'signal', rateFactor: 3, startS: 1, durationS: 1 },
  };
  assert.equal(totalRateHz(cfg, 0.5), 10);
  assert.equal(totalRateHz(cfg, 1.5), 30);
  // Hazard 5 from t=0: 10 by t=1 would need 0.5 s → 0.5.
  assert.ok(Math.abs(nextArrivalS(cfg, 0, 5) - 0.5) < 1e-12);
  // Hazard 25 from t=0: 10 used by t=1, the remaining 15 at 30 Hz → 1.5 s.
  assert.ok(Math.abs(nextArrivalS(cfg, 0, 25) - 1.5) < 1e-12);
  // Hazard 50: 10 + 30 by t=2, the remaining 10 at 10 Hz → 3 s.
  assert.ok(Math.abs(nextArrivalS(cfg, 0, 50) - 3) < 1e-12);
});

test('two simulators with the same seed emit identical frames', () => {
  const a = createSimulator(g, base, 'r');
  const b = createSimulator(g, base, 'r');
  for (let i = 0; i < 50; i++) {
    const fa = a.next();
    const fb = b.next();
    assert.deepEqual(fa, fb);
  }
  const c = createSimulator(g, { ...base, seed: 2 }, 'r');
  assert.notDeepEqual(c.next(), createSimulator(g, base, 'r').next());
});

test('event ids are unique within a run and carry the run id', () => {
  const sim = createSimulator(g, base, 'run-7');
  const ids = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const f = sim.next();
    assert.equal(f.runId, 'run-7');
    assert.ok(f.eventId.startsWith('run-7'));
    ids.add(f.eventId);
  }
  assert.equal(ids.size, 100);
});

test('a configuration where no event can ever arrive is rejected with the field named', () => {
  const cfg: SimulationConfig = {
    ...base,
    ratesHz: { signal: 0, neutrino: 0, muon: 0, noise: 0, nuElastic: 0, nueCCQE: 0, ncPi0: 0 },
  };
  assert.throws(
    () => createSimulator(g, cfg, 'r'),
    (e: unknown) => e instanceof ConfigError && e.field === 'simulation.ratesHz',
  );
});
