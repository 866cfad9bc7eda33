/** The default neutrino-class rates are the physics ratios (nu-flux.ts) to the DIS class's rate. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SIMULATION } from '../config/index.js';
import { neutrinoClassYields } from './nu-flux.js';

test('default rates of nuElastic, nueCCQE and ncPi0 follow the cited yields relative to the DIS rate (within 2 %)', (t) => {
  const y = neutrinoClassYields(DEFAULT_SIMULATION.physics);
  const r = DEFAULT_SIMULATION.ratesHz;
  t.diagnostic(
    `per 2e20 pot: DIS ${y.dis.toExponential(3)}, ν–e elastic ${y.nuElastic.toFixed(0)}, νe CCQE ${y.nueCCQE.toFixed(0)}, NC π⁰ ${y.ncPi0.toFixed(0)}`,
  );
  for (const c of ['nuElastic', 'nueCCQE', 'ncPi0'] as const) {
    const want = (r.neutrino * y[c]) / y.dis;
    assert.ok(Math.abs(r[c] / want - 1) < 0.02, `${c}: ${r[c]} Hz vs ${want.toPrecision(3)} Hz`);
  }
});
