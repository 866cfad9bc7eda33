/** bench-backends result types and its Markdown report (ratios against Keras at the same thread count and batch). */
import { markdownTable } from '../report/index.js';
import type { InputSpec, NetArchitecture } from '../reconstruction/index.js';
import type { WorkerResult } from './bench-backends-worker.js';

export interface KerasResult {
  readonly threads: number;
  readonly tensorflow: string;
  readonly keras: string;
  readonly matmul_gflops: number;
  readonly inference: readonly { readonly execution: string; readonly batch: number; readonly events_per_second: number }[];
  readonly training: readonly { readonly net: string; readonly events_per_second: number }[];
  /** Scaled outputs [energy, vertex] of the first events, interleaved (compared with tfjs's). */
  readonly outputs_first: readonly number[];
  /** Largest |Keras − tfjs| over outputs_first, scaled units (set by the parent). */
  max_output_difference?: number;
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
}

export interface KerasRatio { readonly backend: string; readonly execution: string; readonly threads: number; readonly batch: number; readonly per_round: readonly number[]; readonly median: number }

type Measured = { readonly threads: number; readonly matmul_gflops: number; readonly inference: readonly { readonly execution: string; readonly batch: number; readonly events_per_second: number }[];
  readonly training: readonly { readonly net: string; readonly events_per_second: number }[] };

const median = (v: readonly number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
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
      inference: r.inference.map((row, j) => ({ ...row, events_per_second: median(same.map((x) => x.inference[j]!.events_per_second)) })),
      training: r.training.map((row, j) => ({ ...row, events_per_second: median(same.map((x) => x.training[j]!.events_per_second)) })),
    };
  });
}

/** Each native row's ratio to Keras's best execution at the same threads and batch, within each round. */
export function kerasRatiosPerRound(runRounds: readonly (readonly WorkerResult[])[], kerasRounds: readonly (readonly KerasResult[])[]): KerasRatio[] {
  const out: KerasRatio[] = [];
  for (const run of runRounds[0] ?? []) {
    if (!run.backend.startsWith('tensorflow')) continue;
    for (const row of run.inference) {
      const per = runRounds.flatMap((rs, i) => {
        const mine = rs.find((x) => x.backend === run.backend && x.threads === run.threads)?.inference.find((x) => x.execution === row.execution && x.batch === row.batch);
        const k = (kerasRounds[i] ?? []).find((x) => x.threads === run.threads)?.inference.filter((x) => x.batch === row.batch) ?? [];
        return mine === undefined || k.length === 0 ? [] : [mine.events_per_second / Math.max(...k.map((x) => x.events_per_second))];
      });
      if (per.length > 0) out.push({ backend: run.backend, execution: row.execution, threads: run.threads, batch: row.batch, per_round: per, median: median(per) });
    }
  }
  return out;
}

const f0 = (x: number): string => x.toFixed(0);
const f2 = (x: number): string => x.toFixed(2);

export function backendsMarkdown(r: BackendsResult, commandLine: string): string {
  const kerasBest = (threads: number, batch: number): number | undefined => {
    const k = r.keras.find((x) => x.threads === threads);
    const rows = k?.inference.filter((i) => i.batch === batch) ?? [];
    return rows.length === 0 ? undefined : Math.max(...rows.map((i) => i.events_per_second));
  };
  const gflops = (evs: number): number => (evs * r.flops_per_event) / 1e9;
  const inf: string[][] = [];
  for (const run of r.runs) {
    for (const i of run.inference) {
      const k = kerasBest(run.threads, i.batch);
      inf.push([`tfjs ${run.backend}`, i.execution, String(run.threads), String(i.batch), f0(i.events_per_second), k === undefined ? '–' : f2(i.events_per_second / k),
        f2(gflops(i.events_per_second)), `${f0((100 * gflops(i.events_per_second)) / run.matmul_gflops)} %`]);
    }
  }
  for (const k of r.keras) {
    for (const i of k.inference) {
      inf.push([`Keras ${k.keras} (TF ${k.tensorflow})`, i.execution, String(k.threads), String(i.batch), f0(i.events_per_second), f2(i.events_per_second / kerasBest(k.threads, i.batch)!),
        f2(gflops(i.events_per_second)), `${f0((100 * gflops(i.events_per_second)) / k.matmul_gflops)} %`]);
    }
  }
  const wasmTrain = (net: string): number | undefined => r.runs.find((x) => x.backend === 'wasm')?.training.find((t) => t.net === net)?.events_per_second;
  const train: string[][] = [];
  for (const run of r.runs) {
    for (const t of run.training) {
      const w = wasmTrain(t.net);
      const k = r.keras.find((x) => x.threads === run.threads)?.training.find((x) => x.net.split(' ')[0] === t.net.split(' ')[0]);
      train.push([`tfjs ${run.backend}`, String(run.threads), t.net, f0(t.flops_per_event), f0(t.events_per_second), w === undefined ? '–' : f2(t.events_per_second / w), k === undefined ? '–' : f2(t.events_per_second / k.events_per_second)]);
    }
  }
  for (const k of r.keras) {
    for (const t of k.training) train.push([`Keras ${k.keras}`, String(k.threads), t.net, '', f0(t.events_per_second), '', '1.00']);
  }
  const peaks = [...r.runs.map((x) => `tfjs ${x.backend} × ${x.threads} thread(s): ${f0(x.matmul_gflops)} GFLOP/s`), ...r.keras.map((k) => `TensorFlow (Python) × ${k.threads}: ${f0(k.matmul_gflops)} GFLOP/s`)];
  const diff = r.keras[0]?.max_output_difference;
  return [
    '# CNN backends: inference and training speed',
    '',
    `\`${commandLine}\` — ${r.measured_at.slice(0, 16)}Z, node ${r.node}. Model ${r.model.split('/').slice(-2).join('/')} (${r.spec.size}×${r.spec.size}×${r.spec.nStations} input, ${JSON.stringify(r.architecture)}), ` +
      `${r.events} prepared signal-shower windows for inference, ${[...r.runs, ...r.keras].some((x) => x.training.length > 0) ? `${r.train_events} for training` : 'no training (--no-training)'}; the same bytes for every engine. Events/s is the median of the timed passes` +
      ((r.rounds ?? 1) > 1 ? `, then the median over ${r.rounds} rounds.` : '.'),
    '',
    `Forward pass: ${f0(r.flops_per_event)} FLOPs per event (convolutions and dense layers, multiply-add = 2). Measured matmul peak (512×512×512): ${peaks.join('; ')}.`,
    r.load_average === undefined ? '' : `Machine: ${r.cores ?? '?'} cores, 1-minute load average ${r.load_average[0].toFixed(1)} at the start and ${r.load_average[1].toFixed(1)} at the end (a load above the core count means the engines were measured while sharing the CPU).`,
    diff === undefined ? '' : `Keras and tfjs outputs on the same windows differ by at most ${diff.toExponential(2)} (scaled targets, log10 E − 1 and d/3.75 cm + 1).`,
    '',
    '## Inference (forward pass on prepared windows, outputs read back)',
    '',
    markdownTable(['engine', 'execution', 'threads', 'batch', 'events/s', '× Keras (same threads, batch)', 'GFLOP/s', 'of matmul peak'], inf),
    '',
    '`layers`: the tfjs layers model as trained; `plan`: the fused inference plan (batch norm folded, CoordConv coordinates as a constant bias map, ReLU fused, heads merged), op by op; ' +
      '`graph`: the same plan as one TensorFlow graph (a SavedModel loaded through tfjs-node), one session call per batch — what the trigger runs on a native backend. ' +
      'The tfjs executions of one process take turns rep by rep. Keras: `tf.function` = the model called in a compiled graph per batch; `predict_on_batch` = Keras\'s own batch predict.',
    ...r.runs.filter((x) => x.backend.startsWith('tensorflow') && x.graph_unavailable !== undefined).map((x) => `No graph row for tfjs ${x.backend} × ${x.threads}: ${x.graph_unavailable}.`),
    '',
    ...(r.keras_ratios === undefined || (r.rounds ?? 1) < 2 ? [] : [
      `### × Keras round by round (${r.rounds} rounds; in each, the native process and Keras ran back to back)`,
      '',
      markdownTable(['engine', 'execution', 'threads', 'batch', '× Keras per round', 'median'],
        r.keras_ratios.map((k) => [`tfjs ${k.backend}`, k.execution, String(k.threads), String(k.batch), k.per_round.map(f2).join(', '), f2(k.median)])),
      '',
    ]),
    '## Training (one epoch after a warm-up epoch, batch 64, Adam, Huber loss)',
    '',
    markdownTable(['engine', 'threads', 'net', 'forward FLOPs/event', 'events/s', '× tfjs wasm', '× Keras (same threads)'], train),
    '',
  ].join('\n');
}
