import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SIMULATION } from '../config/index.js';
import { DEFAULT_GEOMETRY, Rng, type Hits } from '../domain/index.js';
import { generateEvent } from '../sim/index.js';
import {
  attachMetadata,
  buildEnergyVertexNet,
  createEnergyVertexModel,
  loadEnergyVertexModel,
  metadataFor,
  selectBackend,
} from '../reconstruction/index.js';
import { modelDirectory } from './model-files.js';

function blob(rng: Rng, n: number): Hits {
  const station = new Uint8Array(n),
    ix = new Int32Array(n),
    iy = new Int32Array(n),
    count = new Int32Array(n);
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
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
      userDefinedMetadata: { showertrig: { inputSpec: unknown } };
      weightsManifest: { paths: string[] }[];
    };
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
  await assert.rejects(
    loadEnergyVertexModel(modelDirectory('/nonexistent/showertrig-model'), DEFAULT_GEOMETRY),
    (e: Error) => e.name === 'ModelError' && e.message.includes('/nonexistent/showertrig-model'),
  );
});

test('the committed default model (models/default) loads and predicts a plausible energy for 10 GeV showers', async () => {
  await selectBackend('wasm');
  const model = await loadEnergyVertexModel(modelDirectory('models/default'), DEFAULT_GEOMETRY);
  const rng = new Rng(424242);
  const showers = Array.from({ length: 9 }, () =>
    generateEvent(DEFAULT_GEOMETRY, DEFAULT_SIMULATION, 'signal', rng, { energyGeV: 10, dCm: -3 }),
  );
  const p = await model.predict(showers.map((s) => s.hits));
  const e = Array.from(p.energyGeV).sort((a, b) => a - b);
  assert.ok(e.every(Number.isFinite) && Array.from(p.dCm).every(Number.isFinite));
  const median = e[4]!;
  assert.ok(
    median > 6 && median < 16,
    `median E for 10 GeV showers: ${median.toFixed(2)} GeV (${e.map((v) => v.toFixed(1)).join(', ')})`,
  );
  const dMedian = Array.from(p.dCm).sort((a, b) => a - b)[4]!;
  assert.ok(dMedian > -6 && dMedian < 0, `median d for d = -3 cm: ${dMedian.toFixed(2)} cm`);
  model.dispose();
});

test('the committed default model resolves fresh 1–100 GeV showers far better than a linear fit could', async () => {
  // 300 fresh events of the default (tuned) detector. A linear fit of the paper's features reaches
  // a plain std of about 0.47 in ΔE/E and 1.1 cm in d, boosted trees about 0.18 and 0.83 cm, the
  // paper's Gaussian-fit baseline 0.92 cm; the net trained for the previous detector model (fixed
  // negative-binomial k) gave 0.96 cm here, and a broken one fails these bounds by far.
  await selectBackend('wasm');
  const model = await loadEnergyVertexModel(modelDirectory('models/default'), DEFAULT_GEOMETRY);
  const rng = new Rng(97531);
  // E uniform in 1–100 GeV (the flat spectrum the model is trained and evaluated on).
  const flat = { ...DEFAULT_SIMULATION, signalSpectrum: 'flat' as const };
  const showers = Array.from({ length: 300 }, () => generateEvent(DEFAULT_GEOMETRY, flat, 'signal', rng));
  const p = await model.predict(showers.map((s) => s.hits));
  const rel = showers.map((s, i) => p.energyGeV[i]! / s.truth.energyGeV - 1);
  const dd = showers.map((s, i) => p.dCm[i]! - s.truth.dCm);
  const std = (v: number[]): number =>
    Math.sqrt(v.reduce((a, b) => a + b * b, 0) / v.length - (v.reduce((a, b) => a + b, 0) / v.length) ** 2);
  const mean = rel.reduce((a, b) => a + b, 0) / rel.length;
  assert.ok(std(rel) < 0.3, `std(ΔE/E) ${std(rel).toFixed(3)}`);
  assert.ok(Math.abs(mean) < 0.05, `mean ΔE/E ${mean.toFixed(3)}`);
  assert.ok(std(dd) < 0.92, `std(d) ${std(dd).toFixed(3)} cm`);
  model.dispose();
});
