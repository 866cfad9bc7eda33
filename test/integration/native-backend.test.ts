/**
 * The native TensorFlow backend (tfjs-node built by `npm run tf:native`) against wasm: the shipped
 * model's outputs on the same batch (native: the fused plan op by op, and as one graph), and a short
 * training run on native. Skipped, loudly, only when the native binding is genuinely absent; a
 * binding that is there but fails to load or disagrees fails the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SIMULATION } from '../../src/config/index.js';
import { DEFAULT_GEOMETRY, Rng, type Hits } from '../../src/domain/index.js';
import { modelDirectory, temporarySavedModelStore } from '../../src/io/index.js';
import {
  buildEnergyVertexNet,
  datasetFrom,
  DEFAULT_ARCHITECTURE,
  DEFAULT_INPUT_SPEC,
  DEFAULT_TRAIN,
  evaluateEnergyVertexNet,
  loadEnergyVertexModel,
  nativeBindingStatus,
  selectBackend,
  trainEnergyVertexNet,
} from '../../src/reconstruction/index.js';
import { generateEvent } from '../../src/sim/index.js';

const status = nativeBindingStatus('@tensorflow/tfjs-node');
const skip = status.built ? false : `NATIVE BACKEND ABSENT, parity not tested: ${status.reason}`;
if (skip !== false) process.stderr.write(`\n*** ${skip} ***\n\n`);

function signalShowers(n: number, seed: number): { hits: Hits; energyGeV: number; dCm: number }[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const ev = generateEvent(DEFAULT_GEOMETRY, DEFAULT_SIMULATION, 'signal', rng);
    return { hits: ev.hits, energyGeV: ev.truth.energyGeV, dCm: ev.truth.dCm };
  });
}

test(
  'the default model gives the same E and d on wasm (layers model) and on native TensorFlow (fused plan, and the plan as one graph), 1e-4 relative',
  { skip },
  async () => {
    const hits = signalShowers(256, 101).map((e) => e.hits);
    const run = async (backend: 'wasm' | 'tensorflow', execution: 'layers' | 'plan' | 'graph') => {
      assert.equal((await selectBackend(backend)).backend, backend);
      const model = await loadEnergyVertexModel(modelDirectory('models/default'), DEFAULT_GEOMETRY, {
        execution,
        savedModels: temporarySavedModelStore(),
      });
      assert.equal(model.info.backend, backend);
      assert.match(
        model.info.execution ?? '',
        { layers: /^layers model$/, plan: /^fused plan: /, graph: /^graph: / }[execution],
      );
      const out = await model.predict(hits);
      model.dispose();
      return out;
    };
    const wasm = await run('wasm', 'layers');
    for (const execution of ['plan', 'graph'] as const) {
      const native = await run('tensorflow', execution);
      let worst = 0;
      for (let i = 0; i < hits.length; i++) {
        // d is compared relative to the 7.5 cm range it lives in (d itself crosses zero).
        const pairs = [
          [wasm.energyGeV[i]!, native.energyGeV[i]!, Math.abs(wasm.energyGeV[i]!)],
          [wasm.dCm[i]!, native.dCm[i]!, 7.5],
        ] as const;
        for (const [a, b, scale] of pairs) {
          assert.ok(Number.isFinite(a) && Number.isFinite(b), `${execution}, event ${i}: ${a} vs ${b}`);
          worst = Math.max(worst, Math.abs(a - b) / scale);
        }
      }
      assert.ok(worst <= 1e-4, `largest relative difference wasm vs native ${execution} ${worst}`);
      process.stderr.write(
        `wasm layers vs native ${execution}: largest relative difference ${worst.toExponential(2)} over ${hits.length} events\n`,
      );
    }
  },
);

test('a short training run of the default net converges on native TensorFlow', { skip }, async () => {
  assert.equal((await selectBackend('tensorflow')).backend, 'tensorflow');
  const spec = DEFAULT_INPUT_SPEC;
  const train = datasetFrom(signalShowers(1536, 202), DEFAULT_GEOMETRY, spec);
  const val = datasetFrom(signalShowers(512, 303), DEFAULT_GEOMETRY, spec);
  const net = buildEnergyVertexNet(spec, DEFAULT_ARCHITECTURE);
  const before = evaluateEnergyVertexNet(net, val, spec);
  const reports = await trainEnergyVertexNet(net, spec, train, val, {
    ...DEFAULT_TRAIN,
    epochs: 3,
    patience: 10,
  });
  const after = reports.at(-1)!;
  net.dispose();
  assert.ok(after.valLoss < 0.3 * before.loss, `validation loss ${before.loss} → ${after.valLoss}`);
  assert.ok(after.val.sigmaERel < 0.7, `σ(ΔE/E) after 3 epochs ${after.val.sigmaERel}`);
  process.stderr.write(
    `native training: ${after.eventsPerSecond.toFixed(0)} events/s, val loss ${before.loss.toFixed(3)} → ${after.valLoss.toFixed(3)}, σ(ΔE/E) ${after.val.sigmaERel.toFixed(3)}\n`,
  );
});
