/**
 * The native training kernels (native-training.ts) against tfjs's own: the gradients of ReLU, batch
 * norm and mean, and the same-shape Reshape / same-dtype Cast shortcuts. Needs the native binding
 * (`npm run tf:native`); skipped, loudly, only where it is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../domain/index.js';
import { nativeBindingStatus, selectBackend } from './backend.js';
import { installNativeGradients, setNativeGradients } from './native-training.js';

const status = nativeBindingStatus('@tensorflow/tfjs-node');
const skip = status.built
  ? false
  : `NATIVE BACKEND ABSENT, native training kernels not tested: ${status.reason}`;
if (skip !== false) process.stderr.write(`\n*** ${skip} ***\n\n`);

const random = (shape: number[], seed: number): tf.Tensor => {
  const rng = new Rng(seed);
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform() * 2 - 1),
    shape,
  );
};

/** Largest |a − b| / max(1e-3, |a|) over the elements. */
function worst(a: tf.Tensor, b: tf.Tensor): number {
  assert.deepEqual(b.shape, a.shape);
  const u = a.dataSync(),
    v = b.dataSync();
  let w = 0;
  for (let i = 0; i < u.length; i++)
    w = Math.max(w, Math.abs(u[i]! - v[i]!) / Math.max(1e-3, Math.abs(u[i]!)));
  return w;
}

test(
  "native ReLU, batch-norm (in training: batch statistics) and mean gradients equal tfjs's to float noise",
  { skip },
  async () => {
    await selectBackend('tensorflow');
    installNativeGradients();
    const x = random([8, 6, 6, 4], 1);
    const gamma = tf.add(random([4], 2), 1.5),
      beta = random([4], 3);
    const weights = random([8, 6, 6, 4], 4);
    // What a batch-norm layer does in training, then ReLU, then a weighted mean: every overridden gradient on the path.
    const f = (...xs: tf.Tensor[]): tf.Scalar => {
      const [xi, g, b] = xs as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
      const { mean, variance } = tf.moments(xi, [0, 1, 2]);
      const y = tf.relu(tf.batchNorm(xi, mean, variance, b, g, 1e-3));
      return tf.mean(tf.mul(y, weights));
    };
    const grads = (native: boolean): tf.Tensor[] => {
      setNativeGradients(native);
      try {
        return tf.grads(f)([x, gamma, beta]);
      } finally {
        setNativeGradients(true);
      }
    };
    const reference = grads(false);
    const fast = grads(true);
    const names = ['x', 'gamma', 'beta'];
    reference.forEach((r, i) => {
      const w = worst(r, fast[i]!);
      assert.ok(w <= 1e-4, `d/d${names[i]}: largest relative difference ${w}`);
      assert.ok(r.abs().max().dataSync()[0]! > 1e-4, `d/d${names[i]} is not trivially zero`);
    });
    tf.dispose([x, gamma, beta, weights, ...reference, ...fast]);
  },
);

test(
  'a Reshape to the same shape and a Cast to the same dtype are references on native, and stay correct when either side is disposed',
  { skip },
  async () => {
    await selectBackend('tensorflow');
    installNativeGradients();
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const same = tf.reshape(x, [2, 3]);
    const other = tf.reshape(x, [3, 2]);
    const cast = tf.cast(x, 'float32');
    const floats = tf.tensor1d([1.7, -2.2]);
    const toInt = tf.cast(floats, 'int32');
    x.dispose();
    assert.deepEqual(same.arraySync(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual(other.arraySync(), [
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    assert.deepEqual(cast.arraySync(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.equal(toInt.dtype, 'int32');
    assert.deepEqual(toInt.arraySync(), [1, -2]);
    tf.dispose([same, other, cast, floats, toInt]);
    assert.equal(tf.memory().numTensors, before);
  },
);
