/**
 * Independent check of the CNN's graph SavedModel: the shipped model's fused plan written by
 * graph-def.ts is loaded by Python TensorFlow (scripts/check_graph_savedmodel.py in the venv that
 * `npm run tf:native` makes), run on simulated showers, and compared with the tfjs layers model.
 * Needs no tfjs-node binding (the graph is built on wasm); exits 1 above 1e-4 relative.
 *   node --import tsx scripts/check-graph-python.ts [--model DIR] [--python PATH] [--events N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_SIMULATION } from '../src/config/index.js';
import { DEFAULT_GEOMETRY, Rng } from '../src/domain/index.js';
import { modelDirectory } from '../src/io/index.js';
import {
  buildInputs,
  compileInferencePlan,
  featureInputs,
  inputLength,
  planGraph,
  readMetadata,
  registerCoordConv,
  selectBackend,
} from '../src/reconstruction/index.js';
import { generateEvent } from '../src/sim/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/default' },
    python: { type: 'string', default: '.venv-tf/bin/python' },
    events: { type: 'string', default: '64' },
  },
});
const n = Number(values.events);
await selectBackend('wasm');
registerCoordConv();
const net = await tf.loadLayersModel(modelDirectory(values.model!));
const meta = readMetadata(net);
const spec = meta.inputSpec;
const rng = new Rng(3);
const hits = Array.from(
  { length: n },
  () => generateEvent(DEFAULT_GEOMETRY, DEFAULT_SIMULATION, 'signal', rng).hits,
);
const inputs: tf.Tensor[] = [
  tf.tensor4d(buildInputs(hits, DEFAULT_GEOMETRY, spec, new Float32Array(n * inputLength(spec))), [
    n,
    spec.size,
    spec.size,
    spec.nStations,
  ]),
];
if (meta.features !== undefined)
  inputs.push(
    tf.tensor2d(featureInputs(hits, DEFAULT_GEOMETRY, meta.features), [n, net.inputs[1]!.shape[1]!]),
  );
const compiled = compileInferencePlan(net);
if (compiled.plan === undefined) throw new Error(`no fused plan: ${compiled.reason}`);
const graph = planGraph(compiled.plan);
const dir = mkdtempSync(join(tmpdir(), 'showertrig-graph-check-'));
try {
  writeFileSync(join(dir, 'saved_model.pb'), graph.savedModel);
  writeFileSync(
    join(dir, 'inputs.json'),
    JSON.stringify(inputs.map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) }))),
  );
  const r = spawnSync(values.python!, ['scripts/check_graph_savedmodel.py', dir], {
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('GRAPH-CHECK '));
  if (r.status !== 0 || line === undefined)
    throw new Error(
      `Python TensorFlow failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  const py = JSON.parse(line.slice('GRAPH-CHECK '.length)) as {
    tensorflow: string;
    outputs: Record<string, number[]>;
  };
  const ref = (net.predict(inputs) as tf.Tensor[]).map((t) => t.dataSync());
  let worst = 0;
  graph.outputKeys.forEach((k, i) => {
    const got = py.outputs[k]!;
    if (got.length !== ref[i]!.length)
      throw new Error(`${k}: ${got.length} values from Python, ${ref[i]!.length} from tfjs`);
    got.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - ref[i]![j]!) / (1 + Math.abs(ref[i]![j]!)));
    });
  });
  console.log(
    `${values.model}: ${graph.nodes}-node graph loaded by Python TensorFlow ${py.tensorflow}; ${n} events, largest |TF − tfjs layers| / (1 + |tfjs|) = ${worst.toExponential(2)}`,
  );
  process.exitCode = worst <= 1e-4 ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
