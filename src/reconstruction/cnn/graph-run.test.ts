/**
 * The fused plan as one TensorFlow graph (graph-def.ts, graph-run.ts). The graph's structure is
 * checked everywhere; running it needs the native binding (`npm run tf:native`): those tests skip,
 * loudly, only when the binding is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_GEOMETRY } from '../../domain/index.js';
import { liveSavedModelDirs, temporarySavedModelStore } from '../../io/index.js';
import {
  assertSameEnergyVertex,
  genericTwoInputNet,
  randomInputs,
  randomiseWeights,
  randomShowers,
  saveToMemory,
} from '../../../test/helpers/nets.js';
import { featureCount } from '../baseline/index.js';
import { nativeBindingStatus, nativeSavedModelApi, selectBackend } from './backend.js';
import { planGraph } from './graph-def.js';
import { loadPlanGraph, type SavedModelStore } from './graph-run.js';
import { compileInferencePlan } from './inference-plan.js';
import { attachMetadata, buildEnergyVertexNet, loadEnergyVertexModel, metadataFor } from './model.js';
import type { InputSpec } from './preprocess.js';
import { readVarint } from './protobuf.js';

const status = nativeBindingStatus('@tensorflow/tfjs-node');
const skip = status.built ? false : `NATIVE BACKEND ABSENT, graph execution not tested: ${status.reason}`;
if (skip !== false) process.stderr.write(`\n*** ${skip} ***\n\n`);

const spec: InputSpec = { size: 16, pixelsPerBin: 4, nStations: 3 };
const arch = { width: 4, blocks: 2, denseUnits: 16 };

/** The length-delimited fields `field` of a message (enough to walk SavedModel → GraphDef → NodeDef). */
function fields(msg: Uint8Array, field: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < msg.length;) {
    const tag = readVarint(msg, o);
    const wire = tag.value & 7;
    o = tag.next;
    if (wire === 0) o = readVarint(msg, o).next;
    else if (wire === 5) o += 4;
    else if (wire === 2) {
      const len = readVarint(msg, o);
      if (tag.value >> 3 === field) out.push(msg.subarray(len.next, len.next + len.value));
      o = len.next + len.value;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

test('the plan of the CoordConv net becomes a graph of its steps: every input defined, conv → bias map → ReLU → pool per block', async () => {
  await selectBackend('wasm');
  const net = buildEnergyVertexNet(spec, arch, 'g', 4);
  const plan = compileInferencePlan(net).plan!;
  const g = planGraph(plan);
  const [meta] = fields(g.savedModel, 2);
  const [graph] = fields(meta!, 2);
  const nodes = fields(graph!, 1).map((n) => ({
    name: text(fields(n, 1)[0]!),
    op: text(fields(n, 2)[0]!),
    inputs: fields(n, 3).map(text),
  }));
  assert.equal(nodes.length, g.nodes);
  const names = new Set(nodes.map((n) => n.name));
  assert.equal(names.size, nodes.length, 'node names are unique');
  for (const n of nodes)
    for (const i of n.inputs) assert.ok(names.has(i), `${n.name} reads ${i}, which no node defines`);
  const ops = nodes.filter((n) => n.op !== 'Const').map((n) => n.op);
  assert.deepEqual(ops, [
    'Placeholder',
    'Placeholder',
    'Conv2D',
    'AddV2',
    'Relu',
    'MaxPool',
    'Conv2D',
    'AddV2',
    'Relu',
    'MaxPool',
    'Reshape',
    'MatMul',
    'BiasAdd',
    'Relu',
    'ConcatV2',
    'MatMul',
    'BiasAdd',
    'Relu',
    'MatMul',
    'BiasAdd',
    'Relu',
    'MatMul',
    'BiasAdd',
    'Slice',
    'Identity',
    'Slice',
    'Identity',
  ]);
  assert.deepEqual(fields(fields(meta!, 1)[0]!, 4).map(text), ['serve'], 'MetaInfoDef tags');
  assert.deepEqual(
    [g.inputKeys, g.outputKeys],
    [
      ['input_0', 'input_1'],
      ['output_0', 'output_1'],
    ],
  );
  plan.dispose();
  net.dispose();
});

test('off the native backend the model runs its fused plan and says why not the graph; the store is not touched', async () => {
  await selectBackend('wasm');
  const net = buildEnergyVertexNet(spec, arch, 'w');
  attachMetadata(net, metadataFor('w', spec, arch));
  const untouched: SavedModelStore = {
    create: () => assert.fail('no SavedModel is written off the native backend'),
  };
  const model = await loadEnergyVertexModel(tf.io.fromMemory(await saveToMemory(net)), DEFAULT_GEOMETRY, {
    savedModels: untouched,
  });
  assert.match(
    model.info.execution ?? '',
    /^fused plan: .* \(no graph: backend wasm is not native TensorFlow\)$/,
  );
  await assert.rejects(
    loadEnergyVertexModel(tf.io.fromMemory(await saveToMemory(net)), DEFAULT_GEOMETRY, {
      execution: 'graph',
      savedModels: untouched,
    }),
    { name: 'ModelError', message: /no graph: backend wasm/ },
  );
  model.dispose();
  net.dispose();
});

test(
  'native: the generic two-input net gives the same outputs as a graph as through its layers',
  { skip },
  async () => {
    await selectBackend('tensorflow');
    const net = genericTwoInputNet(4);
    const plan = compileInferencePlan(net).plan!;
    const { graph, reason } = await loadPlanGraph(plan, temporarySavedModelStore());
    assert.ok(graph, reason);
    const inputs = [randomInputs([16, 12, 12, 2], 5), randomInputs([16, 5], 6)];
    const ref = net.predict(inputs) as tf.Tensor[];
    const got = graph!.run(inputs);
    assert.deepEqual(
      got.map((t) => t.shape),
      [
        [16, 2],
        [16, 1],
      ],
    );
    let worst = 0;
    got.forEach((t, k) => {
      const a = ref[k]!.dataSync(),
        b = t.dataSync();
      for (let i = 0; i < a.length; i++)
        worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(a[i]!)));
    });
    assert.ok(worst < 1e-5, `largest relative difference graph vs layers ${worst}`);
    graph!.dispose();
    assert.throws(() => graph!.run(inputs), /after dispose/);
    tf.dispose([...inputs, ...ref, ...got]);
    plan.dispose();
    net.dispose();
  },
);

test(
  'native: a loaded model runs as a graph, equal to its layers model with the calibration applied; no temporary directory outlives the load; dispose frees the session',
  { skip },
  async () => {
    await selectBackend('tensorflow');
    const api = nativeSavedModelApi().api!;
    const q = featureCount('moments+signal', 3);
    const features = {
      set: 'moments+signal' as const,
      mean: new Array<number>(q).fill(1),
      scale: new Array<number>(q).fill(2),
    };
    const meta = {
      ...metadataFor('two', spec, arch, features),
      energyCalibration: { lnEnergy: [0, 5], factor: [1.5, 1.2] },
    };
    const net = buildEnergyVertexNet(spec, arch, 'two', q);
    randomiseWeights(net, 9);
    attachMetadata(net, meta);
    const artifacts = await saveToMemory(net);
    const written: string[] = [];
    const store = temporarySavedModelStore();
    const sessions = api.getNumOfSavedModels();
    const graph = await loadEnergyVertexModel(tf.io.fromMemory(artifacts), DEFAULT_GEOMETRY, {
      savedModels: {
        create: (f) => {
          const d = store.create(f);
          written.push(d.path);
          return d;
        },
      },
    });
    assert.match(graph.info.execution ?? '', /^graph: \d+ nodes, one session call per batch; fused plan: /);
    assert.equal(written.length, 1);
    assert.ok(!existsSync(written[0]!), 'the SavedModel directory is removed once loaded');
    assert.deepEqual(liveSavedModelDirs(), []);
    assert.equal(api.getNumOfSavedModels(), sessions + 1);
    const layers = await loadEnergyVertexModel(tf.io.fromMemory(artifacts), DEFAULT_GEOMETRY, {
      execution: 'layers',
    });
    const showers = randomShowers(40, 10);
    const a = await graph.predict(showers),
      b = await layers.predict(showers);
    assertSameEnergyVertex(a, b, 1e-5);
    graph.dispose();
    layers.dispose();
    assert.equal(api.getNumOfSavedModels(), sessions);
    net.dispose();
  },
);

test(
  'native: a graph TensorFlow cannot load falls back to the plan with the reason; asked for explicitly it is an error',
  { skip },
  async () => {
    await selectBackend('tensorflow');
    const net = buildEnergyVertexNet(spec, arch, 'bad');
    attachMetadata(net, metadataFor('bad', spec, arch));
    const store = temporarySavedModelStore();
    // A saved_model.pb cut short: TensorFlow's loader cannot parse it.
    const truncating: SavedModelStore = {
      create: (f) => store.create({ 'saved_model.pb': f['saved_model.pb']!.subarray(0, 100) }),
    };
    const model = await loadEnergyVertexModel(tf.io.fromMemory(await saveToMemory(net)), DEFAULT_GEOMETRY, {
      savedModels: truncating,
    });
    assert.match(
      model.info.execution ?? '',
      /^fused plan: .* \(no graph: TensorFlow did not load the graph: .+\)$/,
    );
    assert.equal((await model.predict(randomShowers(3, 1))).energyGeV.length, 3);
    model.dispose();
    await assert.rejects(
      loadEnergyVertexModel(tf.io.fromMemory(await saveToMemory(net)), DEFAULT_GEOMETRY, {
        execution: 'graph',
        savedModels: truncating,
      }),
      { name: 'ModelError', message: /no graph: TensorFlow did not load/ },
    );
    assert.deepEqual(liveSavedModelDirs(), []);
    // A layer the plan does not know: no plan, so no graph either; the layers model runs.
    const input = tf.input({ shape: [spec.size, spec.size, spec.nStations] });
    const flat = tf.layers
      .flatten()
      .apply(
        tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'sigmoid' }).apply(input),
      ) as tf.SymbolicTensor;
    const odd = tf.model({
      inputs: input,
      outputs: [
        tf.layers.dense({ units: 1 }).apply(flat),
        tf.layers.dense({ units: 1 }).apply(flat),
      ] as tf.SymbolicTensor[],
    });
    attachMetadata(odd, metadataFor('odd', spec, { width: 2, blocks: 1, denseUnits: 1 }));
    const fallback = await loadEnergyVertexModel(
      tf.io.fromMemory(await saveToMemory(odd)),
      DEFAULT_GEOMETRY,
      { savedModels: store },
    );
    assert.match(
      fallback.info.execution ?? '',
      /^layers model \(no fused plan: layer .*: activation sigmoid\)$/,
    );
    fallback.dispose();
    net.dispose();
  },
);
