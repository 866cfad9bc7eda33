/**
 * The inference plan's rewrites, in place of the straightforward steps: batch norm and ReLU into
 * the conv or dense step that feeds them alone, dense heads on one input merged into one product,
 * and a conv's per-channel bias taken into its bias map.
 */
import * as tf from '@tensorflow/tfjs';
import { type PlanStep } from './plan-steps.js';

export interface PlanOutput {
  value: number;
  column: number;
  width: number;
}
export interface RewriteCounts {
  folded: number;
  fused: number;
  merged: number;
}

export function tensorsOf(s: PlanStep): tf.Tensor[] {
  switch (s.kind) {
    case 'conv':
      return ([s.filter, s.bias, s.biasMap] as (tf.Tensor | undefined)[]).filter(
        (t): t is tf.Tensor => t !== undefined,
      );
    case 'dense':
      return ([s.kernel, s.bias] as (tf.Tensor | undefined)[]).filter((t): t is tf.Tensor => t !== undefined);
    case 'affine':
      return [s.scale, s.shift];
    default:
      return [];
  }
}

const inputsOf = (s: PlanStep): readonly number[] => ('inputs' in s ? s.inputs : [s.input]);

/** Folds, fuses and merges in place of the straightforward steps; outputs are updated to match. */
export function optimise(steps: PlanStep[], outputs: PlanOutput[], counts: RewriteCounts): PlanStep[] {
  foldAndFuse(steps, outputs, counts);
  mergeDenseHeads(steps, outputs, counts);
  // A conv with a bias map takes its per-channel bias into the map: one add per call.
  steps.forEach((s, i) => {
    if (s.kind === 'conv' && s.biasMap !== undefined && s.bias !== undefined)
      steps[i] = { ...s, biasMap: tf.add(s.biasMap, s.bias) as tf.Tensor4D, bias: undefined };
  });
  return steps;
}

/** Batch norm (affine) and ReLU into the conv or dense step that feeds them alone. */
function foldAndFuse(steps: PlanStep[], outputs: PlanOutput[], counts: RewriteCounts): void {
  const consumers = (v: number): number =>
    steps.filter((s) => inputsOf(s).includes(v)).length + outputs.filter((o) => o.value === v).length;
  const producer = (v: number): number => steps.findIndex((s) => s.out === v);
  const rename = (from: number, to: number): void => {
    steps.forEach((s, i) => {
      if ('inputs' in s) steps[i] = { ...s, inputs: s.inputs.map((x) => (x === from ? to : x)) };
      else if (s.input === from) steps[i] = { ...s, input: to };
    });
    outputs.forEach((o) => {
      if (o.value === from) o.value = to;
    });
  };
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    if (s.kind !== 'affine' && s.kind !== 'relu') continue;
    const p = producer(s.input);
    const prev = p >= 0 ? steps[p]! : undefined;
    if (prev === undefined || consumers(s.input) !== 1) continue;
    if (s.kind === 'affine' && prev.kind === 'conv' && !prev.relu) {
      const b = tf.add(
        tf.mul(prev.bias ?? tf.zeros([prev.filter.shape[3]]), s.scale),
        s.shift,
      ) as tf.Tensor1D;
      const biasMap = prev.biasMap === undefined ? undefined : (tf.mul(prev.biasMap, s.scale) as tf.Tensor4D);
      steps[p] = { ...prev, filter: tf.mul(prev.filter, s.scale), bias: b, biasMap };
      counts.folded++;
    } else if (s.kind === 'relu' && (prev.kind === 'conv' || prev.kind === 'dense') && !prev.relu) {
      steps[p] = { ...prev, relu: true };
      counts.fused++;
    } else continue;
    steps.splice(i, 1);
    rename(s.out, prev.out);
    i = p;
  }
}

/** Dense layers on the same input with the same activation, each read only as a model output: one product. */
function mergeDenseHeads(steps: PlanStep[], outputs: PlanOutput[], counts: RewriteCounts): void {
  for (let i = 0; i < steps.length; i++) {
    const a = steps[i]!;
    if (a.kind !== 'dense') continue;
    const group = steps.filter(
      (s): s is Extract<PlanStep, { kind: 'dense' }> =>
        s.kind === 'dense' &&
        s.input === a.input &&
        s.relu === a.relu &&
        (s.bias === undefined) === (a.bias === undefined) &&
        steps.every((t) => !inputsOf(t).includes(s.out)),
    );
    if (group.length < 2 || !group.includes(a as Extract<PlanStep, { kind: 'dense' }>)) continue;
    const merged: PlanStep = {
      kind: 'dense',
      input: a.input,
      out: group[0]!.out,
      relu: a.relu,
      kernel: tf.concat(
        group.map((g) => g.kernel),
        1,
      ),
      bias: a.bias === undefined ? undefined : tf.concat(group.map((g) => g.bias!)),
    };
    let column = 0;
    for (const g of group) {
      for (const o of outputs)
        if (o.value === g.out) {
          o.value = merged.out;
          o.column += column;
        }
      column += g.kernel.shape[1];
    }
    counts.merged += group.length;
    const first = steps.indexOf(group[0]!);
    for (const g of group) steps.splice(steps.indexOf(g), 1);
    steps.splice(first, 0, merged);
  }
}
