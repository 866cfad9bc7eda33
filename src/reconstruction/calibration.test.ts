import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../domain/index.js';
import { calibrateEnergy, energyCalibrationProblem, fitEnergyCalibration } from './calibration.js';

test('the calibration removes an energy-dependent multiplicative bias', () => {
  const rng = new Rng(3);
  const eTrue: number[] = [];
  const eReco: number[] = [];
  // Reconstructed energies 20 % high at 1 GeV falling to 5 % low at 100 GeV, with 10 % noise.
  for (let i = 0; i < 20000; i++) {
    const e = rng.range(1, 100);
    eTrue.push(e);
    eReco.push(e * (1.2 - 0.25 * Math.log10(e) / 2) * (1 + 0.1 * rng.normal()));
  }
  const c = fitEnergyCalibration(eTrue, eReco);
  assert.equal(energyCalibrationProblem(c), undefined);
  for (const [lo, hi] of [[5, 10], [20, 30], [60, 80]] as const) {
    let s = 0, n = 0, raw = 0;
    eTrue.forEach((e, i) => {
      if (e < lo || e >= hi) return;
      s += calibrateEnergy(c, eReco[i]!) / e - 1;
      raw += eReco[i]! / e - 1;
      n++;
    });
    assert.ok(Math.abs(s / n) < 0.02, `${lo}–${hi} GeV: bias after ${s / n}, before ${raw / n}`);
  }
});

test('calibrations are validated and refuse too small samples', () => {
  assert.throws(() => fitEnergyCalibration([1, 2], [1, 2]), RangeError);
  assert.match(energyCalibrationProblem({ lnEnergy: [2, 1], factor: [1, 1] }) ?? '', /increasing/);
  assert.match(energyCalibrationProblem({ lnEnergy: [1, 2], factor: [1, -1] }) ?? '', /positive/);
  assert.match(energyCalibrationProblem(null) ?? '', /arrays/);
  assert.equal(calibrateEnergy({ lnEnergy: [0, 1], factor: [2, 4] }, Math.exp(0.5)), Math.exp(0.5) * 3);
});
