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
    eReco.push(e * (1.2 - (0.25 * Math.log10(e)) / 2) * (1 + 0.1 * rng.normal()));
  }
  const c = fitEnergyCalibration(eTrue, eReco);
  assert.equal(energyCalibrationProblem(c), undefined);
  for (const [lo, hi] of [
    [5, 10],
    [20, 30],
    [60, 80],
  ] as const) {
    let s = 0,
      n = 0,
      raw = 0;
    eTrue.forEach((e, i) => {
      if (e < lo || e >= hi) return;
      s += calibrateEnergy(c, eReco[i]!) / e - 1;
      raw += eReco[i]! / e - 1;
      n++;
    });
    assert.ok(Math.abs(s / n) < 0.02, `${lo}–${hi} GeV: bias after ${s / n}, before ${raw / n}`);
  }
});

test('a regressor pulled towards the middle of its range is unbiased per true-energy bin on fresh events', () => {
  // Like a network trained on a uniform 1–100 GeV prior: +12 % at the bottom, −12 % at the top, 20 % spread.
  const sample = (seed: number): { eTrue: number[]; eReco: number[] } => {
    const rng = new Rng(seed);
    const eTrue: number[] = [];
    const eReco: number[] = [];
    for (let i = 0; i < 20000; i++) {
      const e = rng.range(1, 100);
      eTrue.push(e);
      eReco.push(e * (1 + 0.12 * (1 - (2 * (e - 1)) / 99)) * Math.max(0.05, 1 + 0.2 * rng.normal()));
    }
    return { eTrue, eReco };
  };
  const fit = sample(11);
  const c = fitEnergyCalibration(fit.eTrue, fit.eReco);
  assert.equal(energyCalibrationProblem(c), undefined);
  const test = sample(12);
  for (const [lo, hi] of [
    [2, 5],
    [5, 10],
    [20, 30],
    [45, 55],
    [80, 90],
    [90, 100],
  ] as const) {
    let after = 0,
      before = 0,
      n = 0;
    test.eTrue.forEach((e, i) => {
      if (e < lo || e >= hi) return;
      after += calibrateEnergy(c, test.eReco[i]!) / e - 1;
      before += test.eReco[i]! / e - 1;
      n++;
    });
    assert.ok(
      Math.abs(after / n) < 0.03,
      `${lo}–${hi} GeV: bias after ${(after / n).toFixed(4)}, before ${(before / n).toFixed(4)}`,
    );
  }
  // The calibrated scale never reverses.
  for (let e = 1; e < 150; e *= 1.05)
    assert.ok(calibrateEnergy(c, e * 1.05) >= calibrateEnergy(c, e), `monotone at ${e} GeV`);
});

test('calibrations are validated and refuse too small samples', () => {
  assert.throws(() => fitEnergyCalibration([1, 2], [1, 2]), /needs at least 300 events, got 2/);
  assert.match(energyCalibrationProblem({ lnEnergy: [2, 1], factor: [1, 1] }) ?? '', /increasing/);
  assert.match(energyCalibrationProblem({ lnEnergy: [1, 2], factor: [1, -1] }) ?? '', /positive/);
  assert.match(energyCalibrationProblem(null) ?? '', /arrays/);
  assert.equal(calibrateEnergy({ lnEnergy: [0, 1], factor: [2, 4] }, Math.exp(0.5)), Math.exp(0.5) * 3);
});
