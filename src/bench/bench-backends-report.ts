/** bench-backends result types and its Markdown report (ratios against Keras and PyTorch at the same thread count and batch). */
import { markdownTable } from '../report/index.js';
import { median } from '../numerics/index.js';
import type { InputSpec, NetArchitecture } from '../reconstruction/index.js';
import type { WorkerResult } from './bench-backends-worker.js';

/** A reference engine's result line (scripts/bench_keras.py, scripts/bench_torch.py): the same net and weights, the same inputs. */
export interface ReferenceResult {
  readonly threads: number;
  readonly matmul_gflops: number;
  readonly inference: readonly {
    readonly execution: string;
    readonly batch: number;
    readonly events_per_second: number;
  }[];
  readonly training: readonly { readonly net: string; readonly events_per_second: number }[];
  /** Scaled outputs [energy, vertex] of the first events, interleaved (compared with tfjs's). */
  readonly outputs_first: readonly number[];
  /** Largest |reference − tfjs| over outputs_first, scaled units (set by the parent). */
  max_output_difference?: number;
}

/** Keras (tf.function and predict_on_batch executions). */
export interface KerasResult extends ReferenceResult {
  readonly tensorflow: string;
  readonly keras: string;
}

/** PyTorch (eager and jit.trace executions). */
export interface TorchResult extends ReferenceResult {
  readonly torch: string;
}

export interface BackendsResult {
  readonly command: 'bench-backends';
  readonly model: string;
  readonly spec: InputSpec;
  readonly architecture: NetArchitecture;
  readonly flops_per_event: number;
  readonly events: number;
  readonly train_events: number;
  readonly node: string;
  readonly measured_at: string;
  /** 1-minute load average at the start and the end: other work on the machine skews every figure. */
  readonly load_average?: readonly [number, number];
  readonly cores?: number;
  /** Measurement rounds (--rounds): runs and keras hold each figure's median over them. */
  readonly rounds?: number;
  readonly runs: readonly WorkerResult[];
  readonly keras: readonly KerasResult[];
  /** Native tfjs events/s over Keras's best at the same threads and batch, round by round (same round = nearest in time). */
  readonly keras_ratios?: readonly KerasRatio[];
  /** PyTorch runs (scripts/bench_torch.py), absent when no torch venv was found. */
  readonly torch?: readonly TorchResult[];
  /** Why there are no PyTorch rows (no venv, or --torch none). */
  readonly torch_skipped?: string;
  /** Native tfjs events/s over PyTorch's best at the same threads and batch, round by round. */
  readonly torch_ratios?: readonly KerasRatio[];
}

export interface KerasRatio {
  readonly backend: string;
  readonly execution: string;
  readonly threads: number;
  readonly batch: number;
  readonly per_round: readonly number[];
  readonly median: number;
}

type Measured = {
  readonly threads: number;
  readonly matmul_gflops: number;
  readonly inference: readonly {
    readonly execution: string;
    readonly batch: number;
    readonly events_per_second: number;
  }[];
  readonly training: readonly { readonly net: string; readonly events_per_second: number }[];
};

/**
 * One result per process of a round (the rounds list the same processes in the same order): each
 * events/s and matmul figure the median over the rounds; everything else from the first round.
 */
export function medianOverRounds<T extends Measured>(rounds: readonly (readonly T[])[]): T[] {
  const first = rounds[0] ?? [];
  return first.map((r, k) => {
    const same = rounds.map((rs) => rs[k]!);
    return {
      ...r,
      matmul_gflops: median(same.map((x) => x.matmul_gflops)),
      inference: r.inference.map((row, j) => ({
        ...row,
        events_per_second: median(same.map((x) => x.inference[j]!.events_per_second)),
      })),
      training: r.training.map((row, j) => ({
        ...row,
        events_per_second: median(same.map((x) => x.training[j]!.events_per_second)),
      })),
    };
  });
}

/** Each native row's ratio to a reference engine's (Keras's, PyTorch's) best execution at the same threads and batch, within each round. */
export function ratiosPerRound(
  runRounds: readonly (readonly WorkerResult[])[],
  refRounds: readonly (readonly Measured[])[],
): KerasRatio[] {
  const out: KerasRatio[] = [];
  for (const run of runRounds[0] ?? []) {
    if (!run.backend.startsWith('tensorflow')) continue;
    for (const row of run.inference) {
      const per = runRounds.flatMap((rs, i) => {
        const mine = rs
          .find((x) => x.backend === run.backend && x.threads === run.threads)
          ?.inference.find((x) => x.execution === row.execution && x.batch === row.batch);
        const k =
          (refRounds[i] ?? [])
            .find((x) => x.threads === run.threads)
            ?.inference.filter((x) => x.batch === row.batch) ?? [];
        return mine === undefined || k.length === 0
          ? []
          : [mine.events_per_second / Math.max(...k.map((x) => x.events_per_second))];
      });
      if (per.length > 0)
        out.push({
          backend: run.backend,
          execution: row.execution,
          threads: run.threads,
          batch: row.batch,
          per_round: per,
          median: median(per),
        });
    }
  }
  return out;
}

const f0 = (x: number): string => x.toFixed(0);
const f2 = (x: number): string => x.toFixed(2);

export function backendsMarkdown(r: BackendsResult, commandLine: string): string {
  const best = (refs: readonly Measured[], threads: number, batch: number): number | undefined => {
    const rows = refs.find((x) => x.threads === threads)?.inference.filter((i) => i.batch === batch) ?? [];
    return rows.length === 0 ? undefined : Math.max(...rows.map((i) => i.events_per_second));
  };
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
  const wasmRow = (net: string) =>
    r.runs.find((x) => x.backend === 'wasm')?.training.find((t) => t.net === net);
  const train: string[][] = [];
  for (const run of r.runs) {
    for (const t of run.training) {
      const w = wasmRow(t.net);
      const k = r.keras
        .find((x) => x.threads === run.threads)
        ?.training.find((x) => x.net.split(' ')[0] === t.net.split(' ')[0]);
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
  for (const p of torch) {
    for (const t of p.training) {
      const k = r.keras
        .find((x) => x.threads === p.threads)
        ?.training.find((x) => x.net.split(' ')[0] === t.net.split(' ')[0]);
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
  const peaks = [
    ...r.runs.map((x) => `tfjs ${x.backend} × ${x.threads} thread(s): ${f0(x.matmul_gflops)} GFLOP/s`),
    ...r.keras.map((k) => `TensorFlow (Python) × ${k.threads}: ${f0(k.matmul_gflops)} GFLOP/s`),
    ...torch.map((t) => `PyTorch × ${t.threads}: ${f0(t.matmul_gflops)} GFLOP/s`),
  ];
  const diff = r.keras[0]?.max_output_difference;
  const torchDiff = torch[0]?.max_output_difference;
  const perRound = (name: string, ratios: readonly KerasRatio[] | undefined): string[] =>
    ratios === undefined || ratios.length === 0 || (r.rounds ?? 1) < 2
      ? []
      : [
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
      inf,
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
    ...perRound('Keras', r.keras_ratios),
    ...perRound('PyTorch', r.torch_ratios),
    ...(train.length === 0
      ? []
      : [
          // --no-training: no section
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
        ]),
  ].join('\n');
}
