/** bench-backends result types, and the medians and ratios over rounds (against Keras and PyTorch at the same thread count and batch); the Markdown report is bench-backends-markdown.ts. */
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

export type Measured = {
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
