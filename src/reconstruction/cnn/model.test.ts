import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_GEOMETRY, Rng, type Hits } from '../../domain/index.js';
import { selectBackend } from './backend.js';
import {
  attachMetadata,
  buildEnergyVertexNet,
  loadEnergyVertexModel,
  metadataFor,
  predictScaled,
} from './model.js';
import { datasetFromDense } from './dataset.js';
import { inputLength, type InputSpec } from './preprocess.js';
import { saveToMemory } from '../../../test/helpers/nets.js';
import { DEFAULT_TRAIN, trainEnergyVertexNet } from './train.js';

const spec: InputSpec = { size: 16, pixelsPerBin: 4, nStations: 3 };
const arch = { width: 4, blocks: 2, denseUnits: 16 };

function randomShower(rng: Rng, n: number): Hits {
  const station = new Uint8Array(n),
    ix = new Int32Array(n),
    iy = new Int32Array(n),
    count = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    station[i] = rng.int(3);
    ix[i] = 900 + Math.round(6 * rng.normal());
    iy[i] = 750 + Math.round(6 * rng.normal());
    count[i] = 1 + rng.int(5);
  }
  return { station, ix, iy, count };
}

test('a CoordConv model saved and loaded back predicts exactly the same, and carries its input spec', async () => {
  await selectBackend('wasm');
  const net = buildEnergyVertexNet(spec, arch, 'roundtrip');
  attachMetadata(net, metadataFor('roundtrip', spec, arch));
  const rng = new Rng(11);
  const showers = Array.from({ length: 5 }, () => randomShower(rng, 200));
  const artifacts = await saveToMemory(net);
  assert.ok(JSON.stringify(artifacts.modelTopology).includes('"class_name":"CoordConv"'));
  const loaded = await loadEnergyVertexModel(tf.io.fromMemory(artifacts), DEFAULT_GEOMETRY);
  const { createEnergyVertexModel } = await import('./model.js');
  const original = createEnergyVertexModel(net, metadataFor('roundtrip', spec, arch), DEFAULT_GEOMETRY);
  const a = await original.predict(showers);
  const b = await loaded.predict(showers);
  assert.deepEqual(Array.from(b.energyGeV), Array.from(a.energyGeV));
  assert.deepEqual(Array.from(b.dCm), Array.from(a.dCm));
  assert.equal(loaded.info.name, 'roundtrip');
  assert.equal(loaded.info.backend, 'wasm');
  original.dispose();
  loaded.dispose();
});

test('a model without showertrig metadata is refused with a ModelError', async () => {
  await selectBackend('wasm');
  const net = buildEnergyVertexNet(spec, arch);
  const artifacts = await saveToMemory(net);
  net.dispose();
  await assert.rejects(loadEnergyVertexModel(tf.io.fromMemory(artifacts), DEFAULT_GEOMETRY), {
    name: 'ModelError',
  });
});

test('a tiny model overfits a tiny dataset on wasm (training loss drops by more than half)', async () => {
  await selectBackend('wasm');
  const rng = new Rng(5);
  const n = 64;
  const per = inputLength(spec);
  const x = new Float32Array(n * per);
  const energyGeV = new Float32Array(n);
  const dCm = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    energyGeV[i] = 1 + 99 * rng.uniform();
    dCm[i] = -7.5 * rng.uniform();
    // Intensity grows with E, the spot size with |d|: learnable from the picture.
    const r = 1 + Math.abs(dCm[i]!);
    for (let by = 0; by < spec.size; by++)
      for (let bx = 0; bx < spec.size; bx++) {
        const q = Math.exp(-((bx - 8) ** 2 + (by - 8) ** 2) / (2 * r * r));
        for (let s = 0; s < 3; s++)
          x[i * per + (by * spec.size + bx) * 3 + s] = Math.log1p(energyGeV[i]! * q * (s + 1));
      }
  }
  const net = buildEnergyVertexNet(spec, arch);
  const data = datasetFromDense(x, energyGeV, dCm, spec);
  const reports = await trainEnergyVertexNet(net, spec, data, data, {
    ...DEFAULT_TRAIN,
    epochs: 25,
    batchSize: 16,
    learningRate: 5e-3,
    l2Initial: 0,
    patience: 100,
  });
  const first = reports[0]!.trainLoss;
  const last = reports[reports.length - 1]!.trainLoss;
  assert.ok(last < 0.5 * first, `train loss ${first} → ${last}`);
  const s = predictScaled(net, x.subarray(0, per), spec);
  assert.ok(Number.isFinite(s.energy[0]) && Number.isFinite(s.vertex[0]));
  net.dispose();
});

test('a two-input model (image + standardised features) round-trips with its calibration; mismatched metadata is refused', async () => {
  await selectBackend('wasm');
  const { featureCount } = await import('../baseline/index.js');
  const { createEnergyVertexModel } = await import('./model.js');
  const q = featureCount('moments+signal', 3);
  const features = {
    set: 'moments+signal' as const,
    mean: new Array<number>(q).fill(1),
    scale: new Array<number>(q).fill(2),
  };
  const energyCalibration = { lnEnergy: [0, 5], factor: [1.5, 1.5] };
  const meta = { ...metadataFor('two', spec, arch, features), energyCalibration };
  const net = buildEnergyVertexNet(spec, arch, 'two', q);
  attachMetadata(net, meta);
  const showers = Array.from({ length: 4 }, (_, i) => randomShower(new Rng(20 + i), 150));
  const loaded = await loadEnergyVertexModel(tf.io.fromMemory(await saveToMemory(net)), DEFAULT_GEOMETRY);
  const b = await loaded.predict(showers);
  const raw = await createEnergyVertexModel(
    net,
    metadataFor('two', spec, arch, features),
    DEFAULT_GEOMETRY,
  ).predict(showers);
  for (let i = 0; i < 4; i++)
    assert.ok(Math.abs(b.energyGeV[i]! / raw.energyGeV[i]! - 1.5) < 1e-5, 'calibration factor applied');
  assert.deepEqual(Array.from(b.dCm), Array.from(raw.dCm));
  loaded.dispose();
  attachMetadata(net, { ...meta, features: { ...features, mean: [1, 2] } });
  await assert.rejects(
    loadEnergyVertexModel(tf.io.fromMemory(await saveToMemory(net)), DEFAULT_GEOMETRY),
    /feature mean\/scale/,
  );
  attachMetadata(net, { ...meta, energyCalibration: { lnEnergy: [0], factor: [-1] } });
  await assert.rejects(
    loadEnergyVertexModel(tf.io.fromMemory(await saveToMemory(net)), DEFAULT_GEOMETRY),
    /energyCalibration/,
  );
  const single = buildEnergyVertexNet(spec, arch, 'one');
  attachMetadata(single, meta);
  await assert.rejects(
    loadEnergyVertexModel(tf.io.fromMemory(await saveToMemory(single)), DEFAULT_GEOMETRY),
    /second input/,
  );
  net.dispose();
});
