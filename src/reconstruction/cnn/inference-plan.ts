/**
 * An inference plan: a trained layers model rewritten, once at load, into a short list of fused
 * steps that compute the same function (an exact transformation up to float rounding):
 *   - batch norm after a convolution is folded into its kernel and bias
 *     (W' = W·s, b' = (b − μ)·s + β with s = γ/√(σ² + ε)); a batch norm anywhere else becomes a
 *     per-channel scale and shift;
 *   - CoordConv's coordinate part, conv(coords, Wc), does not depend on the event: it becomes a
 *     constant per-position bias map [1, h, w, filters] (folded with the batch norm as well);
 *   - a ReLU (layer or activation) after a convolution or dense layer is fused into it;
 *   - dense layers reading the same tensor with the same activation (the output heads) become one
 *     matrix product whose columns are the individual outputs.
 * It is generic over layer graphs made of these layer kinds (any depth, widths, several inputs
 * or outputs); anything else yields { plan: undefined, reason } and the caller runs the layers
 * model as it is. The plan owns its folded weights (dispose()).
 */
import * as tf from '@tensorflow/tfjs';
import { LAYER_STEPS, one, Unsupported, weightsByName, type PlanStep } from './plan-steps.js';
import { optimise, tensorsOf } from './plan-optimise.js';

export type { PlanStep } from './plan-steps.js';

export interface InferencePlan {
  readonly inputs: number;
  /** Each input's shape without the batch dimension (e.g. [24, 24, 2]; a graph needs them, graph-def.ts). */
  readonly inputShapes: readonly (readonly number[])[];
  readonly steps: readonly PlanStep[];
  /** Model output k is columns [column, column + width) of value `value` (a 2-D [n, ·] tensor). */
  readonly outputs: readonly { readonly value: number; readonly column: number; readonly width: number }[];
  /** What was rewritten, for logs: e.g. "3 batch norms folded, 4 ReLUs fused, 2 heads merged". */
  readonly summary: string;
  dispose(): void;
}

export type PlanResult =
  | { readonly plan: InferencePlan; readonly reason?: undefined }
  | { readonly plan: undefined; readonly reason: string };

/** Compiles `net` into a plan, or says why it cannot (the caller then uses net.predict). */
export function compileInferencePlan(net: tf.LayersModel): PlanResult {
  const owned: tf.Tensor[] = [];
  try {
    let plan: InferencePlan | undefined;
    tf.tidy(() => {
      plan = compile(net, owned);
    }); // intermediates are freed; the plan's tensors are kept
    return { plan: plan! };
  } catch (e) {
    owned.forEach((t) => t.dispose());
    if (e instanceof Unsupported) return { plan: undefined, reason: e.message };
    throw e;
  }
}

function compile(net: tf.LayersModel, owned: tf.Tensor[]): InferencePlan {
  const valueOf = new Map<number, number>(); // SymbolicTensor id → value index
  net.inputs.forEach((t, i) => valueOf.set(t.id, i));
  const source = (t: tf.SymbolicTensor, name: string): number => {
    const v = valueOf.get(t.id);
    if (v === undefined) throw new Unsupported(`layer ${name}: input not produced by an earlier layer`);
    return v;
  };
  const steps = layerSteps(net, valueOf, source);
  const outputs = net.outputs.map((t) => ({
    value: source(t, 'output'),
    column: 0,
    width: t.shape[t.shape.length - 1] as number,
  }));
  const counts = { folded: 0, fused: 0, merged: 0 };
  const optimised = optimise(steps, outputs, counts);
  for (const s of optimised) for (const t of tensorsOf(s)) owned.push(tf.keep(t));
  const parts = [
    `${counts.folded} batch norms folded`,
    `${counts.fused} ReLUs fused`,
    `${counts.merged} dense layers merged`,
  ];
  const inputShapes = net.inputs.map((t, i) => {
    const dims = t.shape.slice(1);
    if (!dims.every((d): d is number => typeof d === 'number'))
      throw new Unsupported(`input ${i}: shape ${JSON.stringify(t.shape)} not fully known`);
    return dims;
  });
  return {
    inputs: net.inputs.length,
    inputShapes,
    steps: optimised,
    outputs,
    summary: `${optimised.length} steps (${parts.join(', ')})`,
    dispose: () => owned.forEach((t) => t.dispose()),
  };
}

/** One step per layer in order (LAYER_STEPS); value indices: the inputs first, then each layer's output. */
function layerSteps(
  net: tf.LayersModel,
  valueOf: Map<number, number>,
  source: (t: tf.SymbolicTensor, name: string) => number,
): PlanStep[] {
  let next = net.inputs.length;
  const steps: PlanStep[] = [];
  for (const layer of net.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig();
    const name = layer.name;
    if (cls === 'InputLayer') continue;
    if (layer.inboundNodes.length !== 1)
      throw new Unsupported(`layer ${name} is shared (${layer.inboundNodes.length} call sites)`);
    const outT = one(layer.output, name);
    const ins = (Array.isArray(layer.input) ? layer.input : [layer.input]).map((t) => source(t, name));
    const out = next++;
    valueOf.set(outT.id, out);
    const w = weightsByName(layer);
    const translate = LAYER_STEPS[cls];
    if (translate === undefined)
      throw new Unsupported(`layer ${name}: ${cls} is not one the inference plan knows`);
    const step = translate({ layer, cls, cfg, name, outT, ins, out, w });
    if (step === 'identity') valueOf.set(outT.id, ins[0]!);
    else steps.push(step);
  }
  return steps;
}
