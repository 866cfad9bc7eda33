/**
 * bench-backends' Markdown report: the header (model, machine, output agreement), the inference
 * table, the per-round ratios and the training table, each section its own function.
 */
import { markdownTable } from '../report/index.js';
import type { BackendsResult, KerasRatio, Measured } from './bench-backends-report.js';

const f0 = (x: number): string => x.toFixed(0);
const f2 = (x: number): string => x.toFixed(2);

/** A reference engine's fastest execution at these threads and batch, events/s. */
function best(refs: readonly Measured[], threads: number, batch: number): number | undefined {
  const rows = refs.find((x) => x.threads === threads)?.inference.filter((i) => i.batch === batch) ?? [];
  return rows.length === 0 ? undefined : Math.max(...rows.map((i) => i.events_per_second));
}

/** The inference table's rows: tfjs runs, then Keras, then PyTorch. */
function inferenceRows(r: BackendsResult): string[][] {
  const torch = r.torch ?? [];
  const ratio = (evs: number, ref: number | undefined): string => (ref === undefined ? '–' : f2(evs / ref));
  const gflops = (evs: number): number => (evs * r.flops_per_event) / 1e9;
  const inf: string[][] = [];
  const row = (engine: string, x: Measured, i: Measured['inference'][number]): string[] => [
    engine,
    i.execution,
    String(x.threads),
    String(i.batch),
    f0(i.events_per_second),
    ratio(i.events_per_second, best(r.keras, x.threads, i.batch)),
    ratio(i.events_per_second, best(torch, x.threads, i.batch)),
    f2(gflops(i.events_per_second)),
    `${f0((100 * gflops(i.events_per_second)) / x.matmul_gflops)} %`,
  ];
  for (const run of r.runs) for (const i of run.inference) inf.push(row(`tfjs ${run.backend}`, run, i));
  for (const k of r.keras)
    for (const i of k.inference) inf.push(row(`Keras ${k.keras} (TF ${k.tensorflow})`, k, i));
  for (const t of torch) for (const i of t.inference) inf.push(row(`PyTorch ${t.torch}`, t, i));
  return inf;
}

/** Keras's training row for the same net (by its name) at these threads. */
function kerasTraining(r: BackendsResult, threads: number, net: string) {
  return r.keras
    .find((x) => x.threads === threads)
    ?.training.find((x) => x.net.split(' ')[0] === net.split(' ')[0]);
}

/** The training table's rows: tfjs runs (with their ratios to wasm and Keras), Keras, PyTorch. */
function trainingRows(r: BackendsResult): string[][] {
  const wasmRow = (net: string) =>
    r.runs.find((x) => x.backend === 'wasm')?.training.find((t) => t.net === net);
  const train: string[][] = [];
  for (const run of r.runs) {
    for (const t of run.training) {
      const w = wasmRow(t.net);
      const k = kerasTraining(r, run.threads, t.net);
      const cpu = t.events_per_cpu_second,
        wCpu = w?.events_per_cpu_second;
      train.push([
        `tfjs ${run.backend}`,
        String(run.threads),
        t.net,
        f0(t.flops_per_event),
        f0(t.events_per_second),
        w === undefined ? '–' : f2(t.events_per_second / w.events_per_second),
        cpu === undefined ? '–' : f0(cpu),
        cpu === undefined || wCpu === undefined ? '–' : f2(cpu / wCpu),
        k === undefined ? '–' : f2(t.events_per_second / k.events_per_second),
      ]);
    }
  }
  for (const k of r.keras) {
    for (const t of k.training)
      train.push([
        `Keras ${k.keras}`,
        String(k.threads),
        t.net,
        '',
        f0(t.events_per_second),
        '',
        '',
        '',
        '1.00',
      ]);
  }
  for (const p of r.torch ?? []) {
    for (const t of p.training) {
      const k = kerasTraining(r, p.threads, t.net);
      train.push([
        `PyTorch ${p.torch}`,
        String(p.threads),
        t.net,
        '',
        f0(t.events_per_second),
        '',
        '',
        '',
        k === undefined ? '–' : f2(t.events_per_second / k.events_per_second),
      ]);
    }
  }
  return train;
}

/** The lines above the tables: command, model, inputs, FLOPs and peaks, machine load, output agreement. */
function headerLines(r: BackendsResult, commandLine: string): string[] {
  const torch = r.torch ?? [];
  const peaks = [
    ...r.runs.map((x) => `tfjs ${x.backend} × ${x.threads} thread(s): ${f0(x.matmul_gflops)} GFLOP/s`),
    ...r.keras.map((k) => `TensorFlow (Python) × ${k.threads}: ${f0(k.matmul_gflops)} GFLOP/s`),
    ...torch.map((t) => `PyTorch × ${t.threads}: ${f0(t.matmul_gflops)} GFLOP/s`),
  ];
  const diff = r.keras[0]?.max_output_difference;
  const torchDiff = torch[0]?.max_output_difference;
  return [
    '# CNN backends: inference and training speed',
    '',
    `\`${commandLine}\` — ${r.measured_at.slice(0, 16)}Z, node ${r.node}. Model ${r.model.split('/').slice(-2).join('/')} (${r.spec.size}×${r.spec.size}×${r.spec.nStations} input, ${JSON.stringify(r.architecture)}), ` +
      `${r.events} prepared signal-shower windows for inference, ${[...r.runs, ...r.keras, ...torch].some((x) => x.training.length > 0) ? `${r.train_events} for training` : 'no training (--no-training)'}; the same bytes for every engine. Events/s is the median of the timed passes` +
      ((r.rounds ?? 1) > 1 ? `, then the median over ${r.rounds} rounds.` : '.'),
    '',
    `Forward pass: ${f0(r.flops_per_event)} FLOPs per event (convolutions and dense layers, multiply-add = 2). Measured matmul peak (512×512×512): ${peaks.join('; ')}.`,
    r.load_average === undefined
      ? ''
      : `Machine: ${r.cores ?? '?'} cores, 1-minute load average ${r.load_average[0].toFixed(1)} at the start and ${r.load_average[1].toFixed(1)} at the end (a load above the core count means the engines were measured while sharing the CPU).`,
    diff === undefined
      ? ''
      : `Keras and tfjs outputs on the same windows differ by at most ${diff.toExponential(2)} (scaled targets, log10 E − 1 and d/3.75 cm + 1).`,
    torchDiff === undefined
      ? ''
      : `PyTorch and tfjs outputs on the same windows differ by at most ${torchDiff.toExponential(2)} (the same scaled targets).`,
    r.torch_skipped === undefined ? '' : `PyTorch skipped: ${r.torch_skipped}.`,
    '',
  ];
}

function inferenceSection(r: BackendsResult): string[] {
  return [
    '## Inference (forward pass on prepared windows, outputs read back)',
    '',
    markdownTable(
      [
        'engine',
        'execution',
        'threads',
        'batch',
        'events/s',
        '× Keras (same threads, batch)',
        '× PyTorch (same threads, batch)',
        'GFLOP/s',
        'of matmul peak',
      ],
      inferenceRows(r),
    ),
    '',
    '`layers`: the tfjs layers model as trained; `plan`: the fused inference plan (batch norm folded, CoordConv coordinates as a constant bias map, ReLU fused, heads merged), op by op; ' +
      '`graph`: the same plan as one TensorFlow graph (a SavedModel loaded through tfjs-node), one session call per batch — what the trigger runs on a native backend. ' +
      "The tfjs executions of one process take turns rep by rep. Keras: `tf.function` = the model called in a compiled graph per batch; `predict_on_batch` = Keras's own batch predict. " +
      'PyTorch (batch norm unfolded, as Keras): `eager` = the nn.Module op by op under torch.inference_mode; `jit.trace` = torch.jit.trace per batch size, then torch.jit.freeze (no torch.compile). The NHWC windows go to PyTorch as a channels_last view, without a copy.',
    ...r.runs
      .filter((x) => x.backend.startsWith('tensorflow') && x.graph_unavailable !== undefined)
      .map((x) => `No graph row for tfjs ${x.backend} × ${x.threads}: ${x.graph_unavailable}.`),
    '',
  ];
}

/** The × reference ratios round by round (only with --rounds ≥ 2). */
function perRoundSection(
  r: BackendsResult,
  name: string,
  ratios: readonly KerasRatio[] | undefined,
): string[] {
  if (ratios === undefined || ratios.length === 0 || (r.rounds ?? 1) < 2) return [];
  return [
    `### × ${name} round by round (${r.rounds} rounds; in each, the native process and ${name} ran back to back)`,
    '',
    markdownTable(
      ['engine', 'execution', 'threads', 'batch', `× ${name} per round`, 'median'],
      ratios.map((k) => [
        `tfjs ${k.backend}`,
        k.execution,
        String(k.threads),
        String(k.batch),
        k.per_round.map(f2).join(', '),
        f2(k.median),
      ]),
    ),
    '',
  ];
}

/** The training section; none with --no-training. */
function trainingSection(r: BackendsResult): string[] {
  const train = trainingRows(r);
  if (train.length === 0) return [];
  return [
    '## Training (one epoch after a warm-up epoch, batch 64, Adam, Huber loss)',
    '',
    markdownTable(
      [
        'engine',
        'threads',
        'net',
        'forward FLOPs/event',
        'events/s',
        '× tfjs wasm',
        'events per CPU-second',
        '× tfjs wasm (CPU time)',
        '× Keras (same threads)',
      ],
      train,
    ),
    '',
    "Events per CPU-second: the epoch's events over the CPU time of the measuring process (all its threads) during the epoch. With one thread it is the steadier speed figure on a machine shared with other work " +
      '(time spent waiting for a core is not counted); with more threads it measures work, not speed.',
    '',
  ];
}

export function backendsMarkdown(r: BackendsResult, commandLine: string): string {
  return [
    ...headerLines(r, commandLine),
    ...inferenceSection(r),
    ...perRoundSection(r, 'Keras', r.keras_ratios),
    ...perRoundSection(r, 'PyTorch', r.torch_ratios),
    ...trainingSection(r),
  ].join('\n');
}
