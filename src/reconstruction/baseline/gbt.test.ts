import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../domain/index.js';
import { DEFAULT_GBT, predictGbt, trainGbt, type GbtModel } from './gbt.js';
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

test('predictGbt (the flat forest) equals walking the trees node by node, to the bit', async () => {
  const { readFileSync } = await import('node:fs');
  /** The reference: each tree's own arrays, children by index (the model's JSON form). */
  const walk = (m: GbtModel, x: ArrayLike<number>, o: number): number => {
    let s = m.baseline;
    for (const t of m.trees) {
      let node = 0;
      while (t.feature[node]! >= 0)
        node = x[o + t.feature[node]!]! <= t.threshold[node]! ? t.left[node]! : t.right[node]!;
      s += t.value[node]!;
    }
    return s;
  };
  const train = sample(3000, 5);
  const fresh = sample(1000, 6);
  const trained = trainGbt(train.x, train.y, 3000, 4);
  for (let i = 0; i < 1000; i++)
    assert.equal(predictGbt(trained, fresh.x, i * 4), walk(trained, fresh.x, i * 4));
  // Rows exactly on the thresholds take the left branch in both.
  const t0 = trained.trees[0]!;
  const onSplit = new Float64Array(4).fill(0);
  onSplit[t0.feature[0]!] = t0.threshold[0]!;
  assert.equal(predictGbt(trained, onSplit), walk(trained, onSplit, 0));
  // The shipped model's stacked trees (320 of them, leaf-wise, uneven depths).
  const meta = JSON.parse(
    readFileSync(new URL('../../../models/default/model.json', import.meta.url), 'utf8'),
  ) as { userDefinedMetadata: { showertrig: { features: { boosted: { energy: GbtModel; d: GbtModel } } } } };
  const { energy, d } = meta.userDefinedMetadata.showertrig.features.boosted;
  const rng = new Rng(7);
  const row = new Float64Array(energy.nFeatures);
  for (let k = 0; k < 500; k++) {
    for (let f = 0; f < row.length; f++) row[f] = rng.range(-1, 1) * 10 ** rng.range(-2, 2);
    assert.equal(predictGbt(energy, row), walk(energy, row, 0));
    assert.equal(predictGbt(d, row), walk(d, row, 0));
  }
});
