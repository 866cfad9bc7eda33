import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeBindingStatus } from '../reconstruction/index.js';
import {
  ratiosPerRound,
  medianOverRounds,
  type BackendsResult,
  type KerasResult,
} from './bench-backends-report.js';
import type { WorkerResult } from './bench-backends-worker.js';

const cli = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', 'bench-backends', ...args], {
    encoding: 'utf8',
  });

// The PyTorch comparison runs where a torch venv is (scripts/torch-venv.sh; about 4 s more);
// elsewhere (CI) the same test checks that its absence is a skip with the way to make one.
const torchPython = join(process.env['TORCH_VENV'] ?? '.venv-torch', 'bin', 'python');
const withTorch = existsSync(torchPython);
if (!withTorch)
  process.stderr.write(
    `\n*** NO PYTORCH VENV (${torchPython}): bench-backends PyTorch rows not tested, only the skip (bash scripts/torch-venv.sh, or set TORCH_VENV) ***\n\n`,
  );

test(`bench-backends measures inference (layers and fused plan) and training per backend and writes its results; PyTorch ${withTorch ? 'rows' : 'skipped'}`, () => {
  const out = mkdtempSync(join(tmpdir(), 'showertrig-bb-'));
  try {
    const r = cli([
      '--events',
      '64',
      '--train-events',
      '64',
      '--reps',
      '1',
      '--batches',
      '32',
      '--backends',
      'wasm',
      '--threads',
      '1',
      '--python',
      'none',
      '--torch',
      withTorch ? torchPython : '/nonexistent/bin/python',
      '--json',
      '--out',
      out,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout) as BackendsResult;
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'backends.json'), 'utf8')), res);
    assert.equal(res.runs.length, 1);
    const run = res.runs[0]!;
    assert.equal(run.backend, 'wasm');
    assert.deepEqual(
      run.inference.map((i) => [i.execution, i.batch]),
      [
        ['layers', 32],
        ['plan', 32],
      ],
    );
    for (const i of run.inference) assert.ok(i.events_per_second > 0);
    assert.deepEqual(
      run.training.map((t) => t.net.split(' ')[0]),
      ['default', 'larger'],
    );
    assert.ok(run.training[1]!.flops_per_event > run.training[0]!.flops_per_event);
    // CPU time and wall time measure the same epoch: wasm runs one thread (plus the runtime's helpers, e.g. GC).
    for (const t of run.training)
      assert.ok(
        t.events_per_cpu_second! > 0 && t.events_per_cpu_second! >= 0.5 * t.events_per_second,
        JSON.stringify(t),
      );
    assert.ok(res.flops_per_event > 0 && run.matmul_gflops > 0);
    const md = readFileSync(join(out, 'backends.md'), 'utf8');
    assert.match(md, /\| tfjs wasm \| plan \| 1 \| 32 \|/);
    if (!withTorch) {
      assert.equal(res.torch, undefined);
      assert.match(
        res.torch_skipped ?? '',
        /\/nonexistent\/bin\/python not found \(run scripts\/torch-venv\.sh/,
      );
      assert.match(md, /PyTorch skipped: .*torch-venv\.sh/);
      return;
    }
    const t = res.torch?.[0];
    assert.ok(t !== undefined && res.torch_skipped === undefined);
    assert.deepEqual(
      t.inference.map((i) => [i.execution, i.batch]),
      [
        ['eager', 32],
        ['jit.trace', 32],
      ],
    );
    for (const i of t.inference) assert.ok(i.events_per_second > 0);
    assert.deepEqual(
      t.training.map((x) => x.net.split(' ')[0]),
      ['default', 'larger'],
    );
    assert.equal(t.outputs_first.length, 2 * 64);
    // The same weights in NCHW/OIHW with the first dense layer's rows reordered: float32 rounding only.
    assert.ok(
      t.max_output_difference !== undefined && t.max_output_difference < 1e-5,
      `max |PyTorch − tfjs| ${t.max_output_difference}`,
    );
    assert.match(md, /\| PyTorch [\d.]+\S* \| jit\.trace \| 1 \| 32 \| \d+ \| – \| \d\.\d\d \|/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('bench-backends refuses an unknown backend by name', () => {
  const r = cli(['--backends', 'tpu']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--backends: unknown backend "tpu"/);
});

const native = nativeBindingStatus('@tensorflow/tfjs-node');
const noNative = native.built
  ? false
  : `NATIVE BACKEND ABSENT, bench-backends graph rows not tested: ${native.reason}`;
if (noNative !== false) process.stderr.write(`\n*** ${noNative} ***\n\n`);

test(
  'bench-backends on native TensorFlow times layers, plan and graph in turn; --no-training leaves the training rows out',
  { skip: noNative },
  () => {
    const out = mkdtempSync(join(tmpdir(), 'showertrig-bb-'));
    try {
      const r = cli([
        '--events',
        '64',
        '--reps',
        '1',
        '--batches',
        '32',
        '--backends',
        'tensorflow',
        '--threads',
        '1',
        '--no-training',
        '--python',
        'none',
        '--json',
        '--out',
        out,
      ]);
      assert.equal(r.status, 0, r.stderr);
      const run = (JSON.parse(r.stdout) as BackendsResult).runs[0]!;
      assert.equal(run.backend, 'tensorflow');
      assert.equal(run.graph_unavailable, undefined);
      assert.deepEqual(
        run.inference.map((i) => [i.execution, i.batch]),
        [
          ['layers', 32],
          ['plan', 32],
          ['graph', 32],
        ],
      );
      for (const i of run.inference) assert.ok(i.events_per_second > 0);
      assert.deepEqual(run.training, []);
      const md = readFileSync(join(out, 'backends.md'), 'utf8');
      assert.match(md, /\| tfjs tensorflow \| graph \| 1 \| 32 \|/);
      assert.doesNotMatch(md, /## Training/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
);

test('rounds: each figure is the median over the rounds; the × Keras ratios are taken within each round', () => {
  const tfjs = (graph: number, plan: number): WorkerResult => ({
    backend: 'tensorflow',
    threads: 1,
    matmul_gflops: graph / 1000,
    training: [],
    inference: [
      { execution: 'plan', batch: 64, events_per_second: plan },
      { execution: 'graph', batch: 64, events_per_second: graph },
    ],
  });
  const keras = (best: number): KerasResult => ({
    threads: 1,
    tensorflow: '2',
    keras: '3',
    matmul_gflops: 1,
    training: [],
    outputs_first: [],
    inference: [
      { execution: 'tf.function', batch: 64, events_per_second: best },
      { execution: 'predict_on_batch', batch: 64, events_per_second: best / 2 },
    ],
  });
  // Round 2 ran while the machine was busy: both engines slowed, their ratio did not.
  const runs = [[tfjs(30_000, 10_000)], [tfjs(10_000, 3_000)], [tfjs(28_000, 9_000)]];
  const ks = [[keras(15_000)], [keras(5_000)], [keras(14_000)]];
  const merged = medianOverRounds(runs)[0]!;
  assert.deepEqual(
    merged.inference.map((i) => i.events_per_second),
    [9_000, 28_000],
  );
  assert.equal(merged.matmul_gflops, 28);
  assert.deepEqual(
    medianOverRounds(ks)[0]!.inference.map((i) => i.events_per_second),
    [14_000, 7_000],
  );
  const ratios = ratiosPerRound(runs, ks);
  assert.deepEqual(
    ratios.map((r) => [r.execution, r.per_round.map((x) => +x.toFixed(3)), +r.median.toFixed(3)]),
    [
      ['plan', [0.667, 0.6, 0.643], 0.643],
      ['graph', [2, 2, 2], 2],
    ],
  );
  assert.deepEqual(ratiosPerRound(runs, []), [], 'no Keras, no ratios');
});
