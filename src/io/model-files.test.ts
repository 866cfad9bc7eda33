import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SIMULATION } from '../config/index.js';
import { DEFAULT_GEOMETRY, Rng, type Hits } from '../domain/index.js';
import { generateEvent } from '../sim/index.js';
import { attachMetadata, buildEnergyVertexNet, createEnergyVertexModel, loadEnergyVertexModel, metadataFor, selectBackend } from '../reconstruction/index.js';
import { modelDirectory } from './model-files.js';

function blob(rng: Rng, n: number): Hits {
  const station = new Uint8Array(n), ix = new Int32Array(n), iy = new Int32Array(n), count = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    station[i] = i % 3;
    ix[i] = 400 + Math.round(5 * rng.normal());
    iy[i] = 600 + Math.round(5 * rng.normal());
    count[i] = 1 + rng.int(4);
  }
  return { station, ix, iy, count };
}

test('a model saved to a directory (model.json + weights.bin) loads back with identical predictions', async () => {
  await selectBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'showertrig-model-'));
  try {
    const spec = { size: 16, pixelsPerBin: 4, nStations: 3 };
    const arch = { width: 4, blocks: 2, denseUnits: 8 };
    const net = buildEnergyVertexNet(spec, arch, 'files');
    const meta = metadataFor('files', spec, arch);
    attachMetadata(net, meta);
    await net.save(modelDirectory(dir));
    assert.ok(existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'weights.bin')));
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { userDefinedMetadata: { showertrig: { inputSpec: unknown } }; weightsManifest: { paths: string[] }[] };
    assert.deepEqual(json.userDefinedMetadata.showertrig.inputSpec, spec);
    assert.deepEqual(json.weightsManifest[0]!.paths, ['weights.bin']);
    const rng = new Rng(2);
    const showers = [blob(rng, 100), blob(rng, 300)];
    const a = await createEnergyVertexModel(net, meta, DEFAULT_GEOMETRY).predict(showers);
    const loaded = await loadEnergyVertexModel(modelDirectory(dir), DEFAULT_GEOMETRY);
    const b = await loaded.predict(showers);
    assert.deepEqual(Array.from(b.energyGeV), Array.from(a.energyGeV));
    assert.deepEqual(Array.from(b.dCm), Array.from(a.dCm));
    loaded.dispose();
    net.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loading from a directory without model.json fails with a ModelError naming the path', async () => {
  await selectBackend('wasm');
  await assert.rejects(loadEnergyVertexModel(modelDirectory('/nonexistent/showertrig-model'), DEFAULT_GEOMETRY), (e: Error) => e.name === 'ModelError' && e.message.includes('/nonexistent/showertrig-model'));
});

test('the committed default model (models/default) loads and predicts a plausible energy for 10 GeV showers', async () => {
  await selectBackend('wasm');
  const model = await loadEnergyVertexModel(modelDirectory('models/default'), DEFAULT_GEOMETRY);
  const rng = new Rng(424242);
  const showers = Array.from({ length: 9 }, () => generateEvent(DEFAULT_GEOMETRY, DEFAULT_SIMULATION, 'signal', rng, { energyGeV: 10, dCm: -3 }));
  const p = await model.predict(showers.map((s) => s.hits));
  const e = Array.from(p.energyGeV).sort((a, b) => a - b);
  assert.ok(e.every(Number.isFinite) && Array.from(p.dCm).every(Number.isFinite));
  const median = e[4]!;
  assert.ok(median > 6 && median < 16, `median E for 10 GeV showers: ${median.toFixed(2)} GeV (${e.map((v) => v.toFixed(1)).join(', ')})`);
  const dMedian = Array.from(p.dCm).sort((a, b) => a - b)[4]!;
  assert.ok(dMedian > -6 && dMedian < 0, `median d for d = -3 cm: ${dMedian.toFixed(2)} cm`);
  model.dispose();
});
