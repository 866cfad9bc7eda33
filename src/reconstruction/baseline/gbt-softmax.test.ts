import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../domain/index.js';
import { DEFAULT_SOFTMAX_GBT, predictSoftmaxGbt, trainSoftmaxGbt } from './gbt-softmax.js';

/** Three classes in the plane: class = which third of the angle; a fourth feature is noise. */
function sample(n: number, seed: number): { x: Float64Array; y: Int32Array } {
  const rng = new Rng(seed);
  const x = new Float64Array(n * 3);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.range(0, 2 * Math.PI);
    const r = rng.range(0.5, 2);
    x[3 * i] = r * Math.cos(a);
    x[3 * i + 1] = r * Math.sin(a);
    x[3 * i + 2] = rng.normal();
    y[i] = Math.min(2, Math.floor((a / (2 * Math.PI)) * 3));
  }
  return { x, y };
}

test('softmax GBT: separates three classes, probabilities sum to one, early stopping keeps the best round', () => {
  const tr = sample(1500, 1);
  const m = trainSoftmaxGbt(tr.x, tr.y, 1500, 3, ['a', 'b', 'c'], {
    ...DEFAULT_SOFTMAX_GBT,
    maxIter: 40,
    maxBins: 64,
  });
  assert.equal(m.forests.length, 3);
  const te = sample(1000, 2);
  const p = new Float64Array(3);
  let right = 0;
  for (let i = 0; i < 1000; i++) {
    predictSoftmaxGbt(m, te.x, p, 3 * i);
    assert.ok(Math.abs(p[0]! + p[1]! + p[2]! - 1) < 1e-12);
    const best = p.indexOf(Math.max(...p));
    if (best === te.y[i]) right++;
  }
  assert.ok(right > 930, `${right}/1000 right`);
  const losses = m.validationLoss;
  assert.ok(losses[losses.length - 1]! < losses[0]!, 'validation loss fell');
});

test('softmax GBT: sample weights move the decision (a class weighted ×20 wins the overlap)', () => {
  const n = 1000;
  const rng = new Rng(5);
  const x = new Float64Array(n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    x[i] = rng.normal() + (y[i] === 1 ? 0.5 : -0.5);
  }
  const w = Float64Array.from(y, (c) => (c === 1 ? 20 : 1));
  const cfg = { ...DEFAULT_SOFTMAX_GBT, maxIter: 20, maxBins: 64, validationFraction: 0 };
  const plain = trainSoftmaxGbt(x, y, n, 1, ['a', 'b'], cfg);
  const weighted = trainSoftmaxGbt(x, y, n, 1, ['a', 'b'], cfg, w);
  const p = new Float64Array(2);
  const at0 = (m: typeof plain): number => predictSoftmaxGbt(m, [0], p)[1]!;
  assert.ok(Math.abs(at0(plain) - 0.5) < 0.15, String(at0(plain)));
  assert.ok(at0(weighted) > 0.85, String(at0(weighted)));
});
