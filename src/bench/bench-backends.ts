/**
 * `showertrig bench-backends`: CNN inference and training speed per tfjs backend and thread count,
 * side by side with the same architecture and weights in Keras (TensorFlow) — scripts/bench_keras.py
 * in the tensorflow venv that `npm run tf:native` makes — and in PyTorch — scripts/bench_torch.py in
 * the venv that scripts/torch-venv.sh makes. Inputs are the model's prepared windows of simulated
 * signal showers, the same bytes for every engine; Keras's and PyTorch's outputs on them are
 * compared with tfjs's. Each (backend, threads) runs in its own process (TensorFlow reads its thread counts
 * at load). Writes <out>/backends.json and backends.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  type NetArchitecture,
} from '../reconstruction/index.js';
import { generateEvent } from '../sim/index.js';
import { intFlag, parseFlags, UsageError, type Command } from '../cli/index.js';
import { runWorker, type WorkerRequest, type WorkerResult } from './bench-backends-worker.js';
import { benchOutDir } from './bench-results.js';
import {
  backendsMarkdown,
  medianOverRounds,
  ratiosPerRound,
  type BackendsResult,
  type KerasResult,
  type TorchResult,
} from './bench-backends-report.js';

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

const LARGER: NetArchitecture = { width: 32, blocks: 3, denseUnits: 128 };
const RESULT_MARK = 'BENCH-BACKENDS-RESULT ';

interface Shared {
  readonly model: string;
  readonly inputs: string;
  readonly train: string;
  readonly targets: string;
  readonly spec: InputSpec;
  readonly arch: NetArchitecture;
  /** The inference events' standardised feature rows (two-input models): float32, n × q. */
  readonly features?: string;
}

export const command: Command = {
  name: 'bench-backends',
  summary: 'CNN inference and training speed per backend and thread count, against Keras',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
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
    });
    if (values.worker !== undefined) return worker(JSON.parse(values.worker) as WorkerRequest & Shared);
    const cfg = loadConfig([]);
    const modelDir = resolve(values.model ?? cfg.reconstruction.modelDir);
    const n = intFlag(values.events, 'events', 2048, 64, 1_000_000);
    const nTrain = intFlag(values['train-events'], 'train-events', 1024, 64, 1_000_000);
    const reps = intFlag(values.reps, 'reps', 5, 1, 100);
    const rounds = intFlag(values.rounds, 'rounds', 1, 1, 50);
    const batches = (values.batches ?? '64,256').split(',').map((b) => intFlag(b, 'batches', 64, 1, n));
    const threads = (values.threads ?? '1,2').split(',').map((t) => intFlag(t, 'threads', 1, 1, 256));
    const backends = (values.backends?.split(',') ?? [
      'wasm',
      ...(nativeBindingStatus('@tensorflow/tfjs-node').built ? ['tensorflow'] : []),
    ]) as BackendName[];
    for (const b of backends)
      if (!['wasm', 'tensorflow', 'tensorflow-gpu', 'cpu'].includes(b))
        throw new UsageError(`--backends: unknown backend ${JSON.stringify(b)}`);
    const python = values.python ?? '.venv-tf/bin/python';
    const torchPython =
      values.torch ??
      (process.env['TORCH_VENV']
        ? join(process.env['TORCH_VENV'], 'bin', 'python')
        : '.venv-torch/bin/python');
    const outDir = benchOutDir(values.out);
    const log = (m: string): boolean => process.stderr.write(`${m}\n`);
    const loadBefore = loadavg()[0]!;

    // The model's own input spec; the same prepared windows go to every engine. (wasm here: the
    // parent only reads the model and checks Keras's outputs.)
    await selectBackend('wasm');
    registerCoordConv();
    const probe = await tf.loadLayersModel(modelDirectory(modelDir));
    const meta = readMetadata(probe);
    const flopsPerEvent = forwardFlopsPerEvent(probe);
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
    const dir = mkdtempSync(join(tmpdir(), 'showertrig-backends-'));
    const shared: Shared = {
      model: modelDir,
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

    const skipTraining = values['no-training'] === true;
    const runRounds: WorkerResult[][] = [];
    const kerasRounds: KerasResult[][] = [];
    const torchRounds: TorchResult[][] = [];
    let round = 0;
    const ofRound = (): string => (rounds > 1 ? `, round ${round + 1}/${rounds}` : '');
    const tfjs = (backend: BackendName, t: number): void => {
      const req: WorkerRequest & Shared = {
        ...shared,
        backend,
        threads: t,
        batches,
        trainEvents: nTrain,
        largerNet: LARGER,
        reps,
        skipTraining,
      };
      const label = `${backend} × ${t}${ofRound()}`;
      (runRounds[round] ??= []).push(
        spawnMeasured(
          process.execPath,
          [
            ...process.execArgv,
            process.argv[1] ?? 'bin/showertrig.js',
            'bench-backends',
            '--worker',
            JSON.stringify(req),
          ],
          t,
          label,
          log,
        ) as WorkerResult,
      );
    };
    const withKeras = python !== 'none' && existsSync(python);
    if (python !== 'none' && !withKeras)
      log(
        `Keras comparison skipped: ${python} not found (npm run tf:native makes .venv-tf, or pass --python)`,
      );
    const torchSkipped =
      torchPython === 'none'
        ? '--torch none'
        : existsSync(torchPython)
          ? undefined
          : `${torchPython} not found (run scripts/torch-venv.sh, or set TORCH_VENV / pass --torch)`;
    if (torchSkipped !== undefined && torchPython !== 'none')
      log(`PyTorch comparison skipped: ${torchSkipped}`);
    // The reference scripts take the same arguments: the shared input files, batches, threads, reps.
    const refArgs = (script: string, t: number): string[] => [
      script,
      '--model',
      modelDir,
      '--inputs',
      shared.inputs,
      '--train',
      shared.train,
      '--targets',
      shared.targets,
      '--batches',
      batches.join(','),
      '--threads',
      String(t),
      '--reps',
      String(reps),
      '--larger',
      JSON.stringify(LARGER),
      ...(shared.features === undefined ? [] : ['--features', shared.features]),
      ...(skipTraining ? ['--no-training'] : []),
    ];
    const single: BackendName[] = backends.filter((b) => b === 'wasm' || b === 'cpu');
    for (; round < rounds; round++) {
      if (round === 0) for (const b of single) tfjs(b, 1); // once: wasm and cpu are not compared with Keras
      // Per thread count, the native backends, Keras and PyTorch back to back: their ratios are what matter,
      // and on a shared machine the load drifts between runs minutes apart.
      for (const t of threads) {
        for (const b of backends.filter((x) => !single.includes(x))) tfjs(b, t);
        if (withKeras)
          (kerasRounds[round] ??= []).push(
            spawnMeasured(
              python,
              refArgs('scripts/bench_keras.py', t),
              t,
              `keras × ${t}${ofRound()}`,
              log,
            ) as KerasResult,
          );
        if (torchSkipped === undefined)
          (torchRounds[round] ??= []).push(
            spawnMeasured(
              torchPython,
              refArgs('scripts/bench_torch.py', t),
              t,
              `pytorch × ${t}${ofRound()}`,
              log,
            ) as TorchResult,
          );
      }
    }
    const ratios = ratiosPerRound(runRounds, kerasRounds);
    const torchRatios = ratiosPerRound(runRounds, torchRounds);
    const runs = [
      ...(runRounds[0] ?? []).filter((r) => single.includes(r.backend as BackendName)),
      ...medianOverRounds(
        runRounds.map((rs) => rs.filter((r) => !single.includes(r.backend as BackendName))),
      ),
    ];
    const keras = medianOverRounds(kerasRounds);
    const torch = medianOverRounds(torchRounds);
    // Keras's and PyTorch's outputs against tfjs's layers model (the same weights, the same inputs;
    // the net's scaled outputs, before any energy calibration).
    for (const refs of [keras, torch]) {
      if (refs.length === 0) continue;
      const first = refs[0]!.outputs_first;
      const m = first.length / 2;
      const out = predictScaled(
        probe,
        inputs.subarray(0, m * inputLength(spec)),
        spec,
        features?.subarray(0, (m * features.length) / n),
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
    probe.dispose();
    rmSync(dir, { recursive: true, force: true });
    const result: BackendsResult = {
      command: 'bench-backends',
      model: modelDir,
      spec,
      architecture: meta.architecture,
      flops_per_event: flopsPerEvent,
      events: n,
      train_events: nTrain,
      node: process.version,
      measured_at: new Date().toISOString(),
      load_average: [loadBefore, loadavg()[0]!],
      cores: cpus().length,
      rounds,
      runs,
      keras,
      ...(ratios.length > 0 ? { keras_ratios: ratios } : {}),
      ...(torchSkipped === undefined
        ? { torch, ...(torchRatios.length > 0 ? { torch_ratios: torchRatios } : {}) }
        : { torch_skipped: torchSkipped }),
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'backends.json'), JSON.stringify(result, null, 2) + '\n');
    const md = backendsMarkdown(result, `showertrig bench-backends ${argv.join(' ')}`.trim());
    writeFileSync(join(outDir, 'backends.md'), md);
    process.stdout.write(values.json ? JSON.stringify(result, null, 2) + '\n' : md);
    return 0;
  },
};

/** Runs a measuring child with the thread-count environment and returns its JSON result line. */
function spawnMeasured(
  cmd: string,
  args: string[],
  threads: number,
  label: string,
  log: (m: string) => void,
): unknown {
  log(`measuring ${label} ...`);
  const t = String(threads);
  const env = {
    ...process.env,
    TF_NUM_INTRAOP_THREADS: t,
    TF_NUM_INTEROP_THREADS: '1',
    OMP_NUM_THREADS: t,
    TF_CPP_MIN_LOG_LEVEL: '2',
  };
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (r.status !== 0 || line === undefined)
    throw new Error(
      `bench-backends: ${label} failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-5).join(' | ')}`,
    );
  return JSON.parse(line.slice(RESULT_MARK.length));
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
