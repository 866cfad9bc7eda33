/**
 * Small nets for the CNN execution tests (inference plan, graph): random weights, random inputs,
 * a generic two-input net with every layer kind the plan knows, and random showers.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng, type Hits } from '../../src/domain/index.js';

/** Gives every weight (batch-norm statistics included) random values, so folding is really exercised. */
export function randomiseWeights(net: tf.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  net.setWeights(
    net.getWeights().map((w) => {
      const v = Float32Array.from({ length: w.size }, () => rng.normal() * 0.5);
      if (/moving_variance|gamma/.test(net.weights[net.getWeights().indexOf(w)]!.originalName))
        v.forEach((x, i) => {
          v[i] = 0.3 + Math.abs(x);
        });
      return tf.tensor(v, w.shape);
    }),
  );
}

export function randomInputs(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.max(0, rng.normal())),
    shape,
  );
}

/**
 * Conv2D with bias, strides and valid padding, a batch norm after a ReLU (not foldable) feeding
 * two branches, an add, average pooling, a second input joined by concatenation, dropout, and two
 * heads (2 and 1 wide) on one tensor. Inputs [12, 12, 2] and [5]; weights random.
 */
export function genericTwoInputNet(seed: number): tf.LayersModel {
  const img = tf.input({ shape: [12, 12, 2] });
  const feat = tf.input({ shape: [5] });
  let x = tf.layers
    .conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu' })
    .apply(img) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor; // after a ReLU: a scale and shift, not folded
  const y = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization().apply(y) as tf.SymbolicTensor;
  let z = tf.layers
    .add()
    .apply([
      bn,
      tf.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(x) as tf.SymbolicTensor,
    ]) as tf.SymbolicTensor;
  z = tf.layers.activation({ activation: 'relu' }).apply(z) as tf.SymbolicTensor;
  z = tf.layers.averagePooling2d({ poolSize: 2 }).apply(z) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(z) as tf.SymbolicTensor;
  let h = tf.layers.concatenate().apply([flat, feat]) as tf.SymbolicTensor;
  h = tf.layers
    .dropout({ rate: 0.5 })
    .apply(tf.layers.dense({ units: 8, activation: 'relu' }).apply(h)) as tf.SymbolicTensor;
  const outs = [
    tf.layers.dense({ units: 2 }).apply(h),
    tf.layers.dense({ units: 1 }).apply(h),
  ] as tf.SymbolicTensor[];
  const net = tf.model({ inputs: [img, feat], outputs: outs });
  randomiseWeights(net, seed);
  return net;
}

/** n showers of 50–150 random hits around pixel (900, 750) on 3 stations. */
export function randomShowers(n: number, seed: number): Hits[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const k = 50 + rng.int(100);
    return {
      station: Uint8Array.from({ length: k }, () => rng.int(3)),
      ix: Int32Array.from({ length: k }, () => 900 + Math.round(5 * rng.normal())),
      iy: Int32Array.from({ length: k }, () => 750 + Math.round(5 * rng.normal())),
      count: Int32Array.from({ length: k }, () => 1 + rng.int(4)),
    };
  });
}

/** The net's save artifacts, in memory (load them back with tf.io.fromMemory). */
export async function saveToMemory(net: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await net.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}

/**
 * Two models' E and d agree within `rel`: random weights put E anywhere over many decades, so E is
 * compared as the net's output, log10 E (relative to 1 + |log10 E|); d relative to its 7.5 cm range.
 */
export function assertSameEnergyVertex(
  a: { energyGeV: Float32Array; dCm: Float32Array },
  b: { energyGeV: Float32Array; dCm: Float32Array },
  rel: number,
): void {
  assert.equal(a.energyGeV.length, b.energyGeV.length);
  for (let i = 0; i < a.energyGeV.length; i++) {
    const la = Math.log10(a.energyGeV[i]!),
      lb = Math.log10(b.energyGeV[i]!);
    assert.ok(Math.abs(la - lb) <= rel * (1 + Math.abs(lb)), `event ${i}: log10 E ${la} vs ${lb}`);
    assert.ok(Math.abs(a.dCm[i]! - b.dCm[i]!) <= rel * 7.5, `event ${i}: d ${a.dCm[i]} vs ${b.dCm[i]}`);
  }
}
