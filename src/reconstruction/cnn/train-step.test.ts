/**
 * The fused training step against the textbook one it replaces: optimizer.minimize with
 * tf.train.adam on huberLoss(e) + huberLoss(d) + λ Σ‖W‖² (autodiff through the penalty). Same
 * starting weights, same batches: the weights (trainable and batch-norm statistics) and the losses
 * must follow the same trajectory, on wasm and (where built) on native TensorFlow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../domain/index.js';
import { nativeBindingStatus, selectBackend } from './backend.js';
import { buildEnergyVertexNet } from './model.js';
import { setNativeGradients } from './native-training.js';
import type { InputSpec } from './preprocess.js';
import { FusedTrainStep, penalisedWeights } from './train-step.js';

const status = nativeBindingStatus('@tensorflow/tfjs-node');
const skipNative = status.built
  ? false
  : `NATIVE BACKEND ABSENT, fused training step not tested on native: ${status.reason}`;
if (skipNative !== false) process.stderr.write(`\n*** ${skipNative} ***\n\n`);

const spec: InputSpec = { size: 12, pixelsPerBin: 4, nStations: 3 };
const arch = { width: 4, blocks: 2, denseUnits: 16 };

interface Batch {
  x: Float32Array;
  f: Float32Array;
  y: Float32Array;
}

function batches(n: number, rows: number, q: number, seed: number): Batch[] {
  const rng = new Rng(seed);
  const per = spec.size * spec.size * spec.nStations;
  return Array.from({ length: n }, () => ({
    x: Float32Array.from({ length: rows * per }, () =>
      rng.uniform() < 0.2 ? Math.log1p(10 * rng.uniform()) : 0,
    ),
    f: Float32Array.from({ length: rows * q }, () => rng.uniform() * 2 - 1),
    // Targets far enough from the start that both Huber branches (|r| < 1 and ≥ 1) occur.
    y: Float32Array.from({ length: rows * 2 }, () => rng.uniform() * 4 - 2),
  }));
}

/** The step train.ts ran before (optimizer.minimize over the loss with the penalty differentiated). */
function referenceStep(
  net: tf.LayersModel,
  opt: tf.Optimizer,
  x: tf.Tensor | tf.Tensor[],
  y: tf.Tensor2D,
  l2: number,
): number {
  const loss = tf.tidy(() =>
    opt.minimize(() => {
      const [pe, pd] = net.apply(x, { training: true }) as tf.Tensor[];
      const [ye, yd] = tf.split(y, 2, 1);
      let l = tf.add(
        tf.losses.huberLoss(ye!, pe!, undefined, 1.0),
        tf.losses.huberLoss(yd!, pd!, undefined, 1.0),
      );
      if (l2 > 0)
        l = tf.add(l, tf.mul(l2, tf.addN(penalisedWeights(net).map((w) => tf.sum(tf.square(w.read()))))));
      return l as tf.Scalar;
    }, true)!,
  );
  const v = loss.dataSync()[0]!;
  loss.dispose();
  return v;
}

/**
 * Runs 12 steps both ways from the same weights. nativeGrads: whether the fused step uses the native
 * ReLU / batch-norm gradient kernels (native-grads.ts; they reduce in another order, so the weights
 * then agree to float noise amplified by Adam instead of exactly).
 */
async function compare(
  backend: 'wasm' | 'tensorflow',
  nFeatures: number,
  nativeGrads: boolean,
  tolerance: number,
): Promise<void> {
  assert.equal((await selectBackend(backend)).backend, backend);
  const rows = 16;
  const ref = buildEnergyVertexNet(spec, arch, 'ref', nFeatures);
  const fused = buildEnergyVertexNet(spec, arch, 'fused', nFeatures);
  fused.setWeights(ref.getWeights());
  const opt = tf.train.adam(3e-3);
  const step = new FusedTrainStep(fused, penalisedWeights(fused), 3e-3);
  const data = batches(12, rows, nFeatures, 7 + nFeatures);
  data.forEach((b, i) => {
    // The schedule of train.ts: the learning rate decays and the penalty halves (and ends at 0).
    const lr = 3e-3 * 0.9 ** Math.floor(i / 4);
    const l2 = i < 8 ? 0.02 * 0.5 ** Math.floor(i / 4) : 0;
    (opt as unknown as { learningRate: number }).learningRate = lr;
    step.learningRate = lr;
    const image = tf.tensor4d(b.x, [rows, spec.size, spec.size, spec.nStations]);
    const x = nFeatures > 0 ? [image, tf.tensor2d(b.f, [rows, nFeatures])] : image;
    const y = tf.tensor2d(b.y, [rows, 2]);
    // The reference differentiates with tfjs's own gradients throughout.
    setNativeGradients(false);
    const expected = referenceStep(ref, opt, x, y, l2);
    setNativeGradients(nativeGrads);
    const before = tf.memory().numTensors;
    const got = step.run({ x, y }, l2);
    const value = got.dataSync()[0]!;
    got.dispose();
    assert.equal(tf.memory().numTensors, before, 'the fused step leaks no tensors');
    tf.dispose([x, y]);
    assert.ok(
      Math.abs(value - expected) <= 1e-5 * Math.max(1, Math.abs(expected)),
      `${backend}, step ${i}: loss ${value} vs reference ${expected}`,
    );
  });
  // Every weight (trainable ones and the batch-norm moving statistics) after 12 steps.
  const a = ref.getWeights(),
    b = fused.getWeights();
  let worst = 0;
  a.forEach((w, k) => {
    const u = w.dataSync(),
      v = b[k]!.dataSync();
    for (let j = 0; j < u.length; j++)
      worst = Math.max(worst, Math.abs(u[j]! - v[j]!) / Math.max(1e-3, Math.abs(u[j]!)));
  });
  // The weights did move: the comparison is not between two untouched nets.
  const start = buildEnergyVertexNet(spec, arch, 'start', nFeatures);
  assert.ok(
    ref.weights.some((w) => w.name.includes('moving_mean')),
    'batch-norm statistics compared',
  );
  assert.notDeepEqual(Array.from(a[0]!.dataSync()), Array.from(start.getWeights()[0]!.dataSync()));
  assert.ok(worst <= tolerance, `${backend}: largest relative weight difference after 12 steps ${worst}`);
  process.stderr.write(
    `${backend}${nFeatures > 0 ? ' (two inputs)' : ''}${nativeGrads && backend === 'tensorflow' ? ' (native gradients)' : ''}: fused vs reference step, largest relative weight difference ${worst.toExponential(2)}\n`,
  );
  setNativeGradients(true);
  step.dispose();
  opt.dispose();
  [ref, fused, start].forEach((n) => n.dispose());
}

test('the fused step trains like optimizer.minimize with Adam and the L2 penalty on wasm (image-only and two-input nets)', async () => {
  // wasm has no native gradients: the fused step is exact there.
  await compare('wasm', 0, true, 1e-6);
  await compare('wasm', 5, true, 1e-6);
});

test(
  "the fused step trains like optimizer.minimize with Adam and the L2 penalty on native TensorFlow (exactly with tfjs's gradients, to float noise with the native ReLU and batch-norm gradients)",
  { skip: skipNative },
  async () => {
    await compare('tensorflow', 0, false, 1e-6);
    await compare('tensorflow', 0, true, 1e-4);
    await compare('tensorflow', 5, true, 1e-4);
  },
);

test("the fused step refuses a penalised weight that is not the net's and a net without two outputs", async () => {
  await selectBackend('wasm');
  const net = buildEnergyVertexNet(spec, arch, 'a');
  const other = buildEnergyVertexNet(spec, arch, 'b');
  // Both nets' conv kernels (x and coordinates, per block) and dense kernels (dense, energy, vertex),
  // also for the second net, whose variables carry unique names (dense/kernel_1).
  for (const n of [net, other])
    assert.deepEqual(
      penalisedWeights(n)
        .map((w) => w.originalName)
        .sort(),
      [
        'coordconv_0/coord_kernel',
        'coordconv_0/kernel',
        'coordconv_1/coord_kernel',
        'coordconv_1/kernel',
        'dense/kernel',
        'energy/kernel',
        'vertex/kernel',
      ],
    );
  assert.throws(
    () => new FusedTrainStep(net, penalisedWeights(other), 1e-3),
    /not a trainable weight of the net/,
  );
  const input = tf.input({ shape: [4] });
  const single = tf.model({
    inputs: input,
    outputs: tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor,
  });
  const step = new FusedTrainStep(single, [], 1e-3);
  const [x, y] = [tf.zeros([2, 4]), tf.zeros([2, 2]) as tf.Tensor2D];
  assert.throws(() => step.run({ x, y }, 0), /1 outputs, expected 2/);
  tf.dispose([x, y]);
  step.dispose();
  [net, other, single].forEach((n) => n.dispose());
});
