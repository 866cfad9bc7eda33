import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../domain/index.js';
import { selectBackend } from './backend.js';

/** Gradient of Σ(conv2d(x, w) · g) w.r.t. x and w on the active backend, as plain arrays. */
function convGrads(
  x: Float32Array,
  xs: number[],
  w: Float32Array,
  ws: number[],
  g: Float32Array,
  stride: number,
  pad: 'same' | 'valid',
) {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, xs as [number, number, number, number]);
    const wt = tf.tensor4d(w, ws as [number, number, number, number]);
    const f = (a: tf.Tensor4D, b: tf.Tensor4D) => {
      const y = tf.conv2d(a, b, stride, pad);
      return tf.sum(tf.mul(y, tf.tensor(g.subarray(0, y.size), y.shape)));
    };
    const [dx, dw] = tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([xt, wt]);
    return { dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array };
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('wasm Conv2DBackpropFilter (registered by us) matches the cpu backend on random shapes, strides and paddings', async () => {
  const rng = new Rng(7);
  const cases: { xs: number[]; ws: number[]; stride: number; pad: 'same' | 'valid' }[] = [
    { xs: [4, 32, 32, 3], ws: [3, 3, 3, 8], stride: 1, pad: 'same' },
    { xs: [3, 16, 16, 11], ws: [3, 3, 11, 16], stride: 1, pad: 'same' },
    { xs: [2, 9, 7, 5], ws: [3, 3, 5, 4], stride: 2, pad: 'same' },
    { xs: [2, 10, 11, 4], ws: [3, 3, 4, 6], stride: 2, pad: 'valid' },
    { xs: [1, 12, 12, 3], ws: [5, 3, 3, 2], stride: 1, pad: 'valid' },
    { xs: [5, 8, 8, 2], ws: [1, 1, 2, 3], stride: 3, pad: 'valid' },
    { xs: [2, 8, 10, 3], ws: [3, 3, 3, 4], stride: 2, pad: 'same' }, // asymmetric padding: top 0, bottom 1
  ];
  for (const c of cases) {
    const x = Float32Array.from({ length: c.xs.reduce((a, b) => a * b) }, () => rng.normal());
    const w = Float32Array.from({ length: c.ws.reduce((a, b) => a * b) }, () => rng.normal());
    const g = Float32Array.from({ length: x.length * 4 }, () => rng.normal());
    await selectBackend('cpu');
    const ref = convGrads(x, c.xs, w, c.ws, g, c.stride, c.pad);
    await selectBackend('wasm');
    const got = convGrads(x, c.xs, w, c.ws, g, c.stride, c.pad);
    const scale = Math.max(1, ...Array.from(ref.dw, Math.abs));
    assert.ok(
      maxAbsDiff(ref.dw, got.dw) / scale < 1e-5,
      `dW differs for ${JSON.stringify(c)}: ${maxAbsDiff(ref.dw, got.dw)}`,
    );
    assert.ok(
      maxAbsDiff(ref.dx, got.dx) < 1e-4,
      `dX differs for ${JSON.stringify(c)}: ${maxAbsDiff(ref.dx, got.dx)}`,
    );
  }
});

test('wasm max-pool and batch-norm gradients match the cpu backend', async () => {
  const rng = new Rng(3);
  const shape: [number, number, number, number] = [4, 8, 8, 6];
  const x = Float32Array.from({ length: 4 * 8 * 8 * 6 }, () => rng.normal());
  const f = (t: tf.Tensor) => {
    const [mean, variance] = (() => {
      const m = tf.moments(t, [0, 1, 2]);
      return [m.mean, m.variance];
    })();
    const bn = tf.batchNorm(t, mean!, variance!, tf.fill([6], 0.1), tf.fill([6], 1.5), 1e-3);
    return tf.sum(
      tf.mul(
        tf.maxPool(tf.relu(bn) as tf.Tensor4D, 2, 2, 'valid'),
        tf.range(0, 4 * 4 * 4 * 6).reshape([4, 4, 4, 6]),
      ),
    );
  };
  const run = () => tf.tidy(() => tf.grad(f)(tf.tensor4d(x, shape)).dataSync() as Float32Array);
  await selectBackend('cpu');
  const ref = run();
  await selectBackend('wasm');
  const got = run();
  const scale = Math.max(1, ...Array.from(ref, Math.abs));
  assert.ok(maxAbsDiff(ref, got) / scale < 1e-4, `max rel diff ${maxAbsDiff(ref, got) / scale}`);
});
