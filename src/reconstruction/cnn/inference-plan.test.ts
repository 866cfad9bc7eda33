import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_GEOMETRY } from '../../domain/index.js';
import {
  assertSameEnergyVertex,
  genericTwoInputNet,
  randomInputs,
  randomiseWeights,
  randomShowers,
} from '../../../test/helpers/nets.js';
import { selectBackend } from './backend.js';
import { compileInferencePlan } from './inference-plan.js';
import { runPlan } from './inference-run.js';
import { buildEnergyVertexNet, createEnergyVertexModel, metadataFor } from './model.js';
import type { InputSpec } from './preprocess.js';

const spec: InputSpec = { size: 16, pixelsPerBin: 4, nStations: 3 };

/** Largest |a − b| / (1 + |a|) between the layers model's outputs and the plan's. */
function planVsLayers(net: tf.LayersModel, inputs: tf.Tensor[]): number {
  const r = compileInferencePlan(net);
  assert.ok(r.plan, r.reason);
  const plan = r.plan!;
  const ref = ([] as tf.Tensor[]).concat(
    net.predict(inputs.length === 1 ? inputs[0]! : inputs) as tf.Tensor | tf.Tensor[],
  );
  const outs = runPlan(plan, inputs);
  const values = [...new Set(plan.outputs.map((o) => o.value))];
  let worst = 0;
  plan.outputs.forEach((o, k) => {
    const got = outs[values.indexOf(o.value)]!;
    const cols = got.shape[1]!;
    const a = ref[k]!.dataSync(),
      b = got.dataSync();
    const n = a.length / o.width;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < o.width; j++) {
        worst = Math.max(
          worst,
          Math.abs(a[i * o.width + j]! - b[i * cols + o.column + j]!) / (1 + Math.abs(a[i * o.width + j]!)),
        );
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
  const net = genericTwoInputNet(4);
  const r = compileInferencePlan(net);
  assert.match(r.plan?.summary ?? '', /1 batch norms folded, 0 ReLUs fused, 2 dense layers merged/);
  r.plan?.dispose();
  assert.ok(planVsLayers(net, [randomInputs([16, 12, 12, 2], 5), randomInputs([16, 5], 6)]) < 1e-5);
  net.dispose();
});

test('a layer the plan does not know means no plan, with the reason, and the model runs as a layers model', async () => {
  await selectBackend('wasm');
  const input = tf.input({ shape: [spec.size, spec.size, spec.nStations] });
  const flat = tf.layers
    .flatten()
    .apply(
      tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'sigmoid' }).apply(input),
    ) as tf.SymbolicTensor;
  const net = tf.model({
    inputs: input,
    outputs: [
      tf.layers.dense({ units: 1 }).apply(flat),
      tf.layers.dense({ units: 1 }).apply(flat),
    ] as tf.SymbolicTensor[],
  });
  assert.deepEqual(compileInferencePlan(net), {
    plan: undefined,
    reason: `layer ${net.layers[1]!.name}: activation sigmoid`,
  });
  const model = createEnergyVertexModel(
    net,
    metadataFor('sig', spec, { width: 2, blocks: 1, denseUnits: 1 }),
    DEFAULT_GEOMETRY,
  );
  assert.match(model.info.execution ?? '', /^layers model \(no fused plan: layer .*: activation sigmoid\)$/);
  const hits = {
    station: new Uint8Array([0, 1, 2]),
    ix: new Int32Array([900, 901, 902]),
    iy: new Int32Array([750, 750, 751]),
    count: new Int32Array([1, 2, 3]),
  };
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
  const showers = randomShowers(20, 8);
  const a = await viaPlan.predict(showers),
    b = await viaLayers.predict(showers);
  assertSameEnergyVertex(a, b, 1e-5);
  viaPlan.dispose();
});
