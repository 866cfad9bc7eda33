import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../domain/index.js';
import { DEFAULT_GBT, predictGbt, trainGbt } from './gbt.js';
import { fitRidge, predictLinear } from './regression.js';

/** y = sin(3 x0) + x1² + step(x2) + noise: non-linear in every feature, plus a useless x3. */
function sample(n: number, seed: number): { x: Float64Array; y: Float64Array } {
  const rng = new Rng(seed);
  const x = new Float64Array(n * 4);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < 4; f++) x[i * 4 + f] = rng.range(-1, 1);
    y[i] = Math.sin(3 * x[i * 4]!) + x[i * 4 + 1]! ** 2 + (x[i * 4 + 2]! > 0.3 ? 1 : 0) + 0.1 * rng.normal();
  }
  return { x, y };
}

function mse(pred: (x: Float64Array, o: number) => number, s: { x: Float64Array; y: Float64Array }): number {
  let e = 0;
  for (let i = 0; i < s.y.length; i++) e += (pred(s.x, i * 4) - s.y[i]!) ** 2;
  return e / s.y.length;
}

test('boosted trees learn a non-linear function to near the noise floor, far better than a linear fit', () => {
  const train = sample(6000, 1);
  const fresh = sample(2000, 2);
  const m = trainGbt(train.x, train.y, 6000, 4);
  const gbt = mse((x, o) => predictGbt(m, x, o), fresh);
  const lin = fitRidge(train.x, train.y, 6000, 4, 1e-6);
  const ridge = mse((x, o) => predictLinear(lin, x, o), fresh);
  assert.ok(gbt < 0.02, `gbt mse ${gbt} (noise variance 0.01)`);
  assert.ok(gbt < ridge / 5, `gbt ${gbt} vs ridge ${ridge}`);
  // Early stopping: the validation loss of the kept model is its minimum.
  assert.ok(m.trees.length < DEFAULT_GBT.maxIter && m.trees.length > 10, `${m.trees.length} trees`);
  assert.ok(m.trees.every((t) => t.feature.filter((f) => f < 0).length <= DEFAULT_GBT.maxLeafNodes));
});

test('boosting is deterministic per seed and refuses too few samples', () => {
  const s = sample(500, 3);
  const a = trainGbt(s.x, s.y, 500, 4, { ...DEFAULT_GBT, maxIter: 20 });
  const b = trainGbt(s.x, s.y, 500, 4, { ...DEFAULT_GBT, maxIter: 20 });
  assert.deepEqual(a, b);
  assert.throws(() => trainGbt(s.x, s.y, 30, 4), RangeError);
});
