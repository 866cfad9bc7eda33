/**
 * `showertrig bench-backends`: CNN inference and training speed per tfjs backend and thread count,
 * side by side with the same architecture and weights in Keras (TensorFlow) — scripts/bench_keras.py
 * in the tensorflow venv that `npm run tf:native` makes — and in PyTorch — scripts/bench_torch.py in
 * the venv that scripts/torch-venv.sh makes. Inputs are the model's prepared windows of simulated
 * signal showers, the same bytes for every engine; Keras's and PyTorch's outputs on them are
 * compared with tfjs's. Each (backend, threads) runs in its own process (TensorFlow reads its thread counts
 * at load). Writes <out>/backends.json and backends.md.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { modelDirectory, temporarySavedModelStore } from '../io/index.js';
import { loadConfig } from '../config-file/index.js';
import { Rng } from '../domain/index.js';
import {
  buildInputs,
  featureInputs,
  forwardFlopsPerEvent,
  inputChannels,
  inputLength,
  predictScaled,
  nativeBindingStatus,
  readMetadata,
  registerCoordConv,
  selectBackend,
  SparseInputs,
  type BackendName,
  type InputSpec,
} from '../reconstruction/index.js';
import { generateEvent } from '../sim/index.js';
import { intFlag, parseFlags, UsageError, type Command } from '../cli/index.js';
import { runWorker, type WorkerRequest } from './bench-backends-worker.js';
import { measureAll, RESULT_MARK, type Shared } from './bench-backends-rounds.js';
import { type ShowertrigConfig } from '../config/index.js';
import { benchOutDir } from './bench-results.js';
import { backendsMarkdown } from './bench-backends-markdown.js';
import { type BackendsResult, type KerasResult, type TorchResult } from './bench-backends-report.js';

const USAGE = `usage: showertrig bench-backends [--model DIR] [--events N] [--train-events N] [--batches 64,256] [--threads 1,2] [--backends wasm,tensorflow] [--python PATH] [--torch PATH] [--reps R] [--rounds N] [--no-training] [--json] [--out DIR]
  --model DIR      the CNN model to time (default: config reconstruction.modelDir)
  --events N       events per inference measurement (default 2048)
  --train-events N events per training measurement (default 1024)
  --batches L      inference batch sizes (default 64,256)
  --reps N         timed repetitions per row (default 5)
  --json           print the result as JSON instead of text
  --backends B,..  tfjs backends (default: wasm, and tensorflow when npm run tf:native has built it)
  --threads T,..   thread counts for TensorFlow, Keras and PyTorch (wasm in Node runs one thread); per
                   count, the native backends, Keras and PyTorch run back to back
  --rounds N       repeat the native/Keras measurements N times (default 1): each figure is the median over
                   the rounds, and the × Keras ratios are also given per round (robust to a drifting load)
  --no-training    inference only (layers, plan, graph and Keras; the training rows take most of the time)
  --python PATH    Python with tensorflow for the Keras comparison (default .venv-tf/bin/python; 'none' skips it)
  --torch PATH     Python with torch for the PyTorch comparison (default $TORCH_VENV/bin/python, else
                   .venv-torch/bin/python, which scripts/torch-venv.sh makes; 'none' skips it); it runs
                   beside Keras, per thread count back to back with the native backends
  --out DIR        where backends.json and backends.md go (default: the scratch directory $TMPDIR/showertrig-bench;
                   --out bench/results updates the committed results)`;

const FLAGS = {
  model: { type: 'string' },
  events: { type: 'string' },
  'train-events': { type: 'string' },
  batches: { type: 'string' },
  threads: { type: 'string' },
  backends: { type: 'string' },
  python: { type: 'string' },
  torch: { type: 'string' },
  reps: { type: 'string' },
  rounds: { type: 'string' },
  'no-training': { type: 'boolean' },
  json: { type: 'boolean' },
  out: { type: 'string' },
  worker: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseFlags<typeof FLAGS>>['values'];

/** The measuring flags, checked. */
function parseOptions(values: Values, modelDirDefault: string) {
  const n = intFlag(values.events, 'events', 2048, 64, 1_000_000);
  const backends = (values.backends?.split(',') ?? [
    'wasm',
    ...(nativeBindingStatus('@tensorflow/tfjs-node').built ? ['tensorflow'] : []),
  ]) as BackendName[];
  for (const b of backends)
    if (!['wasm', 'tensorflow', 'tensorflow-gpu', 'cpu'].includes(b))
      throw new UsageError(`--backends: unknown backend ${JSON.stringify(b)}`);
  return {
    modelDir: resolve(values.model ?? modelDirDefault),
    n,
    nTrain: intFlag(values['train-events'], 'train-events', 1024, 64, 1_000_000),
    reps: intFlag(values.reps, 'reps', 5, 1, 100),
    rounds: intFlag(values.rounds, 'rounds', 1, 1, 50),
    batches: (values.batches ?? '64,256').split(',').map((b) => intFlag(b, 'batches', 64, 1, n)),
    threads: (values.threads ?? '1,2').split(',').map((t) => intFlag(t, 'threads', 1, 1, 256)),
    backends,
    python: values.python ?? '.venv-tf/bin/python',
    torchPython:
      values.torch ??
      (process.env['TORCH_VENV']
        ? join(process.env['TORCH_VENV'], 'bin', 'python')
        : '.venv-torch/bin/python'),
    skipTraining: values['no-training'] === true,
  };
}
type Options = ReturnType<typeof parseOptions>;

const log = (m: string): void => void process.stderr.write(`${m}\n`);

export const command: Command = {
  name: 'bench-backends',
  summary: 'CNN inference and training speed per backend and thread count, against Keras',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS);
    if (values.worker !== undefined) return worker(JSON.parse(values.worker) as WorkerRequest & Shared);
    const cfg = loadConfig([]);
    const o = parseOptions(values, cfg.reconstruction.modelDir);
    const outDir = benchOutDir(values.out);
    const loadBefore = loadavg()[0]!;

    // The model's own input spec; the same prepared windows go to every engine. (wasm here: the
    // parent only reads the model and checks Keras's outputs.)
    await selectBackend('wasm');
    registerCoordConv();
    const probe = await tf.loadLayersModel(modelDirectory(o.modelDir));
    const meta = readMetadata(probe);
    const flopsPerEvent = forwardFlopsPerEvent(probe);
    const dir = mkdtempSync(join(tmpdir(), 'showertrig-backends-'));
    const data = writeSharedInputs(cfg, o, meta, dir);
    const m = measureAll(o, data.shared);
    // Keras's and PyTorch's outputs against tfjs's layers model (the same weights, the same inputs;
    // the net's scaled outputs, before any energy calibration).
    for (const refs of [m.keras, m.torch]) markOutputDifference(refs, probe, data, o.n);
    probe.dispose();
    rmSync(dir, { recursive: true, force: true });
    const result: BackendsResult = {
      command: 'bench-backends',
      model: o.modelDir,
      spec: meta.inputSpec,
      architecture: meta.architecture,
      flops_per_event: flopsPerEvent,
      events: o.n,
      train_events: o.nTrain,
      node: process.version,
      measured_at: new Date().toISOString(),
      load_average: [loadBefore, loadavg()[0]!],
      cores: cpus().length,
      rounds: o.rounds,
      runs: m.runs,
      keras: m.keras,
      ...(m.ratios.length > 0 ? { keras_ratios: m.ratios } : {}),
      ...(m.torchSkipped === undefined
        ? { torch: m.torch, ...(m.torchRatios.length > 0 ? { torch_ratios: m.torchRatios } : {}) }
        : { torch_skipped: m.torchSkipped }),
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'backends.json'), JSON.stringify(result, null, 2) + '\n');
    const md = backendsMarkdown(result, `showertrig bench-backends ${argv.join(' ')}`.trim());
    writeFileSync(join(outDir, 'backends.md'), md);
    process.stdout.write(values.json ? JSON.stringify(result, null, 2) + '\n' : md);
    return 0;
  },
};

interface SharedInputs {
  shared: Shared;
  inputs: Float32Array;
  features: Float32Array | undefined;
  spec: InputSpec;
}

/**
 * Simulated signal showers prepared as the model's windows (and feature rows), written to `dir` for
 * every engine: n for inference, nTrain with their targets for training.
 */
function writeSharedInputs(
  cfg: ShowertrigConfig,
  o: Options,
  meta: ReturnType<typeof readMetadata>,
  dir: string,
): SharedInputs {
  const { n, nTrain } = o;
  const spec = meta.inputSpec;
  const g = cfg.detector;
  const rng = new Rng(11);
  const hits = Array.from({ length: n }, () => generateEvent(g, cfg.simulation, 'signal', rng).hits);
  const inputs = buildInputs(hits, g, spec, new Float32Array(n * inputLength(spec)));
  const trainEvents = Array.from({ length: nTrain }, () => {
    const ev = generateEvent(g, cfg.simulation, 'signal', rng);
    return { hits: ev.hits, energyGeV: ev.truth.energyGeV, dCm: ev.truth.dCm };
  });
  const trainX = buildInputs(
    trainEvents.map((e) => e.hits),
    g,
    spec,
    new Float32Array(nTrain * inputLength(spec)),
  );
  const shared: Shared = {
    model: o.modelDir,
    inputs: join(dir, 'inputs.f32'),
    train: join(dir, 'train.f32'),
    targets: join(dir, 'targets.f32'),
    spec,
    arch: meta.architecture,
    ...(meta.features === undefined ? {} : { features: join(dir, 'features.f32') }),
  };
  writeFileSync(shared.inputs, inputs);
  const features = meta.features === undefined ? undefined : featureInputs(hits, g, meta.features);
  if (features !== undefined) writeFileSync(shared.features!, features);
  writeFileSync(shared.train, trainX);
  writeFileSync(shared.targets, Float32Array.from(trainEvents.flatMap((e) => [e.energyGeV, e.dCm])));
  log(
    `${n} signal showers for inference, ${nTrain} for training; ${spec.size}×${spec.size}×${inputChannels(spec)} windows`,
  );
  return { shared, inputs, features, spec };
}

/** The largest |difference| between a reference's first outputs and tfjs's layers model, set on every row of it. */
function markOutputDifference(
  refs: readonly (KerasResult | TorchResult)[],
  probe: tf.LayersModel,
  d: SharedInputs,
  n: number,
): void {
  if (refs.length === 0) return;
  const first = refs[0]!.outputs_first;
  const m = first.length / 2;
  const out = predictScaled(
    probe,
    d.inputs.subarray(0, m * inputLength(d.spec)),
    d.spec,
    d.features?.subarray(0, (m * d.features.length) / n),
  );
  let worst = 0;
  for (let i = 0; i < m; i++)
    worst = Math.max(
      worst,
      Math.abs(out.energy[i]! - first[2 * i]!),
      Math.abs(out.vertex[i]! - first[2 * i + 1]!),
    );
  refs.forEach((k) => {
    k.max_output_difference = worst;
  });
}

async function worker(req: WorkerRequest & Shared): Promise<number> {
  const per = inputLength(req.spec);
  const f32 = (p: string): Float32Array => new Float32Array(new Uint8Array(readFileSync(p)).buffer);
  const x = f32(req.train),
    targets = f32(req.targets);
  const inputs = new SparseInputs(req.spec);
  const m = x.length / per;
  for (let i = 0; i < m; i++) inputs.push(x.subarray(i * per, (i + 1) * per));
  const train = {
    inputs,
    energyGeV: targets.filter((_, i) => i % 2 === 0),
    dCm: targets.filter((_, i) => i % 2 === 1),
  };
  // The per-epoch validation is not timed; 64 events keep it short.
  const val = {
    inputs: new SparseInputs(req.spec),
    energyGeV: train.energyGeV.subarray(0, 64),
    dCm: train.dCm.subarray(0, 64),
  };
  for (let i = 0; i < val.energyGeV.length; i++) val.inputs.push(x.subarray(i * per, (i + 1) * per));
  const result = await runWorker(
    req,
    async () => {
      registerCoordConv();
      return tf.loadLayersModel(modelDirectory(req.model));
    },
    req.arch,
    req.spec,
    f32(req.inputs),
    req.features === undefined ? undefined : f32(req.features),
    train,
    temporarySavedModelStore(),
    val,
  );
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
  return 0;
}
