/**
 * bench-backends' measuring schedule: which child process measures what, in which order, over
 * --rounds rounds — the single-threaded backends once, then per thread count the native backends,
 * Keras and PyTorch back to back — and the medians and per-round ratios over the rounds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type BackendName, type InputSpec, type NetArchitecture } from '../reconstruction/index.js';
import { type WorkerRequest, type WorkerResult } from './bench-backends-worker.js';
import {
  medianOverRounds,
  ratiosPerRound,
  type KerasResult,
  type TorchResult,
} from './bench-backends-report.js';

/** The larger net of the training rows. */
export const LARGER: NetArchitecture = { width: 32, blocks: 3, denseUnits: 128 };
/** The prefix of a measuring child's result line on stdout. */
export const RESULT_MARK = 'BENCH-BACKENDS-RESULT ';

/** The input files every engine reads, and the model they belong to. */
export interface Shared {
  readonly model: string;
  readonly inputs: string;
  readonly train: string;
  readonly targets: string;
  readonly spec: InputSpec;
  readonly arch: NetArchitecture;
  /** The inference events' standardised feature rows (two-input models): float32, n × q. */
  readonly features?: string;
}

/** What the schedule needs from the flags. */
export interface ScheduleOptions {
  modelDir: string;
  rounds: number;
  reps: number;
  batches: number[];
  threads: number[];
  backends: BackendName[];
  nTrain: number;
  python: string;
  torchPython: string;
  skipTraining: boolean;
}

const log = (m: string): void => void process.stderr.write(`${m}\n`);

/** Why PyTorch is not compared, or undefined when its Python is there. */
function torchSkipReason(torchPython: string): string | undefined {
  if (torchPython === 'none') return '--torch none';
  if (existsSync(torchPython)) return undefined;
  return `${torchPython} not found (run scripts/torch-venv.sh, or set TORCH_VENV / pass --torch)`;
}

/** The reference scripts take the same arguments: the shared input files, batches, threads, reps. */
function refArgs(script: string, t: number, o: ScheduleOptions, shared: Shared): string[] {
  return [
    script,
    '--model',
    o.modelDir,
    '--inputs',
    shared.inputs,
    '--train',
    shared.train,
    '--targets',
    shared.targets,
    '--batches',
    o.batches.join(','),
    '--threads',
    String(t),
    '--reps',
    String(o.reps),
    '--larger',
    JSON.stringify(LARGER),
    ...(shared.features === undefined ? [] : ['--features', shared.features]),
    ...(o.skipTraining ? ['--no-training'] : []),
  ];
}

/** One tfjs measurement: this command again, as a --worker child. */
function measureTfjs(o: ScheduleOptions, shared: Shared, backend: BackendName, t: number, label: string) {
  const req: WorkerRequest & Shared = {
    ...shared,
    backend,
    threads: t,
    batches: o.batches,
    trainEvents: o.nTrain,
    largerNet: LARGER,
    reps: o.reps,
    skipTraining: o.skipTraining,
  };
  const args = [
    ...process.execArgv,
    process.argv[1] ?? 'bin/showertrig.js',
    'bench-backends',
    '--worker',
    JSON.stringify(req),
  ];
  return spawnMeasured(process.execPath, args, t, label, log) as WorkerResult;
}

/** Runs every measurement of every round; the tfjs rows, Keras's and PyTorch's, medians and ratios. */
export function measureAll(o: ScheduleOptions, shared: Shared) {
  const runRounds: WorkerResult[][] = [];
  const kerasRounds: KerasResult[][] = [];
  const torchRounds: TorchResult[][] = [];
  const withKeras = o.python !== 'none' && existsSync(o.python);
  if (o.python !== 'none' && !withKeras)
    log(
      `Keras comparison skipped: ${o.python} not found (npm run tf:native makes .venv-tf, or pass --python)`,
    );
  const torchSkipped = torchSkipReason(o.torchPython);
  if (torchSkipped !== undefined && o.torchPython !== 'none')
    log(`PyTorch comparison skipped: ${torchSkipped}`);
  const single: BackendName[] = o.backends.filter((b) => b === 'wasm' || b === 'cpu');
  for (let round = 0; round < o.rounds; round++) {
    const ofRound = o.rounds > 1 ? `, round ${round + 1}/${o.rounds}` : '';
    const tfjs = (b: BackendName, t: number): number =>
      (runRounds[round] ??= []).push(measureTfjs(o, shared, b, t, `${b} × ${t}${ofRound}`));
    if (round === 0) for (const b of single) tfjs(b, 1); // once: wasm and cpu are not compared with Keras
    // Per thread count, the native backends, Keras and PyTorch back to back: their ratios are what matter,
    // and on a shared machine the load drifts between runs minutes apart.
    for (const t of o.threads) {
      for (const b of o.backends.filter((x) => !single.includes(x))) tfjs(b, t);
      const ref = (python: string, script: string, name: string): unknown =>
        spawnMeasured(python, refArgs(script, t, o, shared), t, `${name} × ${t}${ofRound}`, log);
      if (withKeras)
        (kerasRounds[round] ??= []).push(ref(o.python, 'scripts/bench_keras.py', 'keras') as KerasResult);
      if (torchSkipped === undefined)
        (torchRounds[round] ??= []).push(
          ref(o.torchPython, 'scripts/bench_torch.py', 'pytorch') as TorchResult,
        );
    }
  }
  return {
    runs: [
      ...(runRounds[0] ?? []).filter((r) => single.includes(r.backend as BackendName)),
      ...medianOverRounds(
        runRounds.map((rs) => rs.filter((r) => !single.includes(r.backend as BackendName))),
      ),
    ],
    keras: medianOverRounds(kerasRounds),
    torch: medianOverRounds(torchRounds),
    ratios: ratiosPerRound(runRounds, kerasRounds),
    torchRatios: ratiosPerRound(runRounds, torchRounds),
    torchSkipped,
  };
}

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
