import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_GEOMETRY, Rng } from '../../domain/index.js';
import { selectBackend } from './backend.js';
import { compileInferencePlan } from './inference-plan.js';
import { runPlan } from './inference-run.js';
import { buildEnergyVertexNet, createEnergyVertexModel, metadataFor } from './model.js';
import type { InputSpec } from './preprocess.js';

const spec: InputSpec = { size: 16, pixelsPerBin: 4, nStations: 3 };

/** Gives every weight (batch-norm statistics included) random values, so folding is really exercised. */
function randomiseWeights(net: tf.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  net.setWeights(net.getWeights().map((w) => {
    const v = Float32Array.from({ length: w.size }, () => rng.normal() * 0.5);
    if (/moving_variance|gamma/.test(net.weights[net.getWeights().indexOf(w)]!.originalName)) v.forEach((x, i) => { v[i] = 0.3 + Math.abs(x); });
    return tf.tensor(v, w.shape);
  }));
}

function randomInputs(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.max(0, rng.normal())), shape);
}

/** Largest |a − b| / (1 + |a|) between the layers model's outputs and the plan's. */
function planVsLayers(net: tf.LayersModel, inputs: tf.Tensor[]): number {
  const r = compileInferencePlan(net);
  assert.ok(r.plan, r.reason);
  const plan = r.plan!;
  const ref = ([] as tf.Tensor[]).concat(net.predict(inputs.length === 1 ? inputs[0]! : inputs) as tf.Tensor | tf.Tensor[]);
  const outs = runPlan(plan, inputs);
  const values = [...new Set(plan.outputs.map((o) => o.value))];
  let worst = 0;
  plan.outputs.forEach((o, k) => {
    const got = outs[values.indexOf(o.value)]!;
    const cols = got.shape[1]!;
    const a = ref[k]!.dataSync(), b = got.dataSync();
    const n = a.length / o.width;
    for (let i = 0; i < n; i++) for (let j = 0; j < o.width; j++) {
      worst = Math.max(worst, Math.abs(a[i * o.width + j]! - b[i * cols + o.column + j]!) / (1 + Math.abs(a[i * o.width + j]!)));
    }
  });
  outs.forEach((t) => t.dispose());
  plan.dispose();
  return worst;
}

test('the fused plan of the CoordConv net folds every batch norm, fuses every ReLU, merges the heads and computes the same', async () => {
  await selectBackend('wasm');
  const net = buildEnergyVertexNet(spec, { width: 4, blocks: 3, denseUnits: 16 });
  randomiseWeights(net, 1);
  const r = compileInferencePlan(net);
  assert.equal(r.plan?.summary, '9 steps (3 batch norms folded, 3 ReLUs fused, 2 dense layers merged)');
  r.plan?.dispose();
  assert.ok(planVsLayers(net, [randomInputs([32, 16, 16, 3], 2)]) < 1e-5);
  // The plan owns copies: disposing it leaves the model usable.
  assert.equal((net.predict(randomInputs([1, 16, 16, 3], 3)) as tf.Tensor[]).length, 2);
  net.dispose();
});

test('the plan is generic: Conv2D with bias, strides and valid padding, shared batch-norm input, average pooling, a second input, dropout', async () => {
  await selectBackend('wasm');
  const img = tf.input({ shape: [12, 12, 2] });
  const feat = tf.input({ shape: [5] });
  let x = tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu' }).apply(img) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor; // after a ReLU: a scale and shift, not folded
  const y = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization().apply(y) as tf.SymbolicTensor;
  let z = tf.layers.add().apply([bn, tf.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(x) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  z = tf.layers.activation({ activation: 'relu' }).apply(z) as tf.SymbolicTensor;
  z = tf.layers.averagePooling2d({ poolSize: 2 }).apply(z) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(z) as tf.SymbolicTensor;
  let h = tf.layers.concatenate().apply([flat, feat]) as tf.SymbolicTensor;
  h = tf.layers.dropout({ rate: 0.5 }).apply(tf.layers.dense({ units: 8, activation: 'relu' }).apply(h)) as tf.SymbolicTensor;
  const outs = [tf.layers.dense({ units: 2 }).apply(h), tf.layers.dense({ units: 1 }).apply(h)] as tf.SymbolicTensor[];
  const net = tf.model({ inputs: [img, feat], outputs: outs });
  randomiseWeights(net, 4);
  const r = compileInferencePlan(net);
  assert.match(r.plan?.summary ?? '', /1 batch norms folded, 0 ReLUs fused, 2 dense layers merged/);
  r.plan?.dispose();
  assert.ok(planVsLayers(net, [randomInputs([16, 12, 12, 2], 5), randomInputs([16, 5], 6)]) < 1e-5);
  net.dispose();
});

test('a layer the plan does not know means no plan, with the reason, and the model runs as a layers model', async () => {
  await selectBackend('wasm');
  const input = tf.input({ shape: [spec.size, spec.size, spec.nStations] });
  const flat = tf.layers.flatten().apply(tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'sigmoid' }).apply(input)) as tf.SymbolicTensor;
  const net = tf.model({ inputs: input, outputs: [tf.layers.dense({ units: 1 }).apply(flat), tf.layers.dense({ units: 1 }).apply(flat)] as tf.SymbolicTensor[] });
  assert.deepEqual(compileInferencePlan(net), { plan: undefined, reason: `layer ${net.layers[1]!.name}: activation sigmoid` });
  const model = createEnergyVertexModel(net, metadataFor('sig', spec, { width: 2, blocks: 1, denseUnits: 1 }), DEFAULT_GEOMETRY);
  assert.match(model.info.execution ?? '', /^layers model \(no fused plan: layer .*: activation sigmoid\)$/);
  const hits = { station: new Uint8Array([0, 1, 2]), ix: new Int32Array([900, 901, 902]), iy: new Int32Array([750, 750, 751]), count: new Int32Array([1, 2, 3]) };
  const out = await model.predict([hits, hits]);
  assert.equal(out.energyGeV.length, 2);
  assert.ok(Number.isFinite(out.energyGeV[0]) && out.energyGeV[0] === out.energyGeV[1]);
  model.dispose();
});

test('the model through its plan and through its layers gives the same E and d', async () => {
  await selectBackend('wasm');
  const arch = { width: 4, blocks: 2, denseUnits: 16 };
  const net = buildEnergyVertexNet(spec, arch);
  randomiseWeights(net, 7);
  const meta = metadataFor('p', spec, arch);
  const viaPlan = createEnergyVertexModel(net, meta, DEFAULT_GEOMETRY);
  const viaLayers = createEnergyVertexModel(net, meta, DEFAULT_GEOMETRY, { execution: 'layers' });
  assert.match(viaPlan.info.execution ?? '', /^fused plan: /);
  assert.equal(viaLayers.info.execution, 'layers model');
  const rng = new Rng(8);
  const showers = Array.from({ length: 20 }, () => {
    const n = 50 + rng.int(100);
    return { station: Uint8Array.from({ length: n }, () => rng.int(3)), ix: Int32Array.from({ length: n }, () => 900 + Math.round(5 * rng.normal())),
      iy: Int32Array.from({ length: n }, () => 750 + Math.round(5 * rng.normal())), count: Int32Array.from({ length: n }, () => 1 + rng.int(4)) };
  });
  const a = await viaPlan.predict(showers), b = await viaLayers.predict(showers);
  for (let i = 0; i < showers.length; i++) {
    // Random weights put E anywhere over many decades: compare the net's output, log10 E.
    const la = Math.log10(a.energyGeV[i]!), lb = Math.log10(b.energyGeV[i]!);
    assert.ok(Math.abs(la - lb) <= 1e-5 * (1 + Math.abs(lb)), `log10 E ${la} vs ${lb}`);
    assert.ok(Math.abs(a.dCm[i]! - b.dCm[i]!) <= 1e-5 * 7.5, `d ${a.dCm[i]} vs ${b.dCm[i]}`);
  }
  viaPlan.dispose();
});
