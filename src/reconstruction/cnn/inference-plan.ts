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
import { coordinateChannels } from './coord-conv.js';

type Padding = 'same' | 'valid';

/** One step writes value `out`; values 0..inputs-1 are the model inputs. */
export type PlanStep =
  | {
      readonly kind: 'conv';
      readonly input: number;
      readonly out: number;
      readonly filter: tf.Tensor4D;
      readonly bias: tf.Tensor1D | undefined;
      /** Position-dependent bias [1, h, w, f] (CoordConv), added before the activation. */
      readonly biasMap: tf.Tensor4D | undefined;
      readonly strides: [number, number];
      readonly dilations: [number, number];
      readonly pad: Padding;
      readonly relu: boolean;
    }
  | {
      readonly kind: 'pool';
      readonly input: number;
      readonly out: number;
      readonly op: 'max' | 'avg';
      readonly size: [number, number];
      readonly strides: [number, number];
      readonly pad: Padding;
    }
  | { readonly kind: 'flatten'; readonly input: number; readonly out: number }
  | {
      readonly kind: 'dense';
      readonly input: number;
      readonly out: number;
      readonly kernel: tf.Tensor2D;
      readonly bias: tf.Tensor1D | undefined;
      readonly relu: boolean;
    }
  | {
      readonly kind: 'affine';
      readonly input: number;
      readonly out: number;
      readonly scale: tf.Tensor1D;
      readonly shift: tf.Tensor1D;
    }
  | { readonly kind: 'relu'; readonly input: number; readonly out: number }
  | { readonly kind: 'add'; readonly inputs: readonly number[]; readonly out: number }
  | { readonly kind: 'concat'; readonly inputs: readonly number[]; readonly out: number };

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

class Unsupported extends Error {}

const pair = (v: unknown, what: string): [number, number] => {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((x) => Number.isInteger(x)))
    throw new Unsupported(`${what} ${JSON.stringify(v)}`);
  return [a[0] as number, a[1] as number];
};

function weightsByName(layer: tf.layers.Layer): Map<string, tf.Tensor> {
  const m = new Map<string, tf.Tensor>();
  // Clones: the plan owns (and disposes) its tensors, never the layer's variables.
  const values = layer.getWeights();
  layer.weights.forEach((w, i) => m.set(w.originalName.split('/').pop()!, tf.clone(values[i]!)));
  return m;
}

function activationOf(cfg: tf.serialization.ConfigDict, layerName: string): 'linear' | 'relu' {
  const a = cfg['activation'] ?? 'linear';
  if (a !== 'linear' && a !== 'relu') throw new Unsupported(`layer ${layerName}: activation ${String(a)}`);
  return a;
}

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
  const keep = <T extends tf.Tensor>(t: T): T => {
    owned.push(tf.keep(t));
    return t;
  };
  const valueOf = new Map<number, number>(); // SymbolicTensor id → value index
  net.inputs.forEach((t, i) => valueOf.set(t.id, i));
  let next = net.inputs.length;
  const steps: (PlanStep & { readonly out: number })[] = [];
  const counts = { folded: 0, fused: 0, merged: 0 };
  const one = (t: tf.SymbolicTensor | tf.SymbolicTensor[], name: string): tf.SymbolicTensor => {
    if (Array.isArray(t)) {
      if (t.length !== 1) throw new Unsupported(`layer ${name}: ${t.length} tensors where one is expected`);
      return t[0]!;
    }
    return t;
  };
  const source = (t: tf.SymbolicTensor, name: string): number => {
    const v = valueOf.get(t.id);
    if (v === undefined) throw new Unsupported(`layer ${name}: input not produced by an earlier layer`);
    return v;
  };

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
    switch (cls) {
      case 'CoordConv':
      case 'Conv2D': {
        if ((cfg['dataFormat'] ?? 'channelsLast') !== 'channelsLast')
          throw new Unsupported(`layer ${name}: dataFormat ${String(cfg['dataFormat'])}`);
        const isCoord = cls === 'CoordConv';
        const k = isCoord
          ? (cfg['kernelSize'] as number)
          : pair(cfg['kernelSize'], `layer ${name}: kernelSize`)[0];
        const pad = isCoord ? 'same' : (cfg['padding'] as string);
        if (pad !== 'same' && pad !== 'valid') throw new Unsupported(`layer ${name}: padding ${pad}`);
        const strides = isCoord
          ? ([1, 1] as [number, number])
          : pair(cfg['strides'] ?? 1, `layer ${name}: strides`);
        const dilations = isCoord
          ? ([1, 1] as [number, number])
          : pair(cfg['dilationRate'] ?? 1, `layer ${name}: dilationRate`);
        const filter = w.get('kernel') as tf.Tensor4D | undefined;
        if (filter === undefined || filter.shape[0] !== k)
          throw new Unsupported(`layer ${name}: no ${k}×${k} kernel`);
        let biasMap: tf.Tensor4D | undefined;
        if (isCoord) {
          const [, h, wd] = one(layer.input, name).shape;
          if (typeof h !== 'number' || typeof wd !== 'number')
            throw new Unsupported(`layer ${name}: spatial size unknown`);
          biasMap = tf.conv2d(coordinateChannels(h, wd), w.get('coord_kernel') as tf.Tensor4D, 1, 'same');
        }
        steps.push({
          kind: 'conv',
          input: ins[0]!,
          out,
          filter,
          bias: w.get('bias') as tf.Tensor1D | undefined,
          biasMap,
          strides,
          dilations,
          pad,
          relu: !isCoord && activationOf(cfg, name) === 'relu',
        });
        break;
      }
      case 'BatchNormalization': {
        const axis = cfg['axis'] as number;
        const rank = outT.shape.length;
        if (axis !== -1 && axis !== rank - 1)
          throw new Unsupported(`layer ${name}: batch norm over axis ${axis}`);
        const mean = w.get('moving_mean')!,
          variance = w.get('moving_variance')!;
        const scale = tf.div(
          w.get('gamma') ?? tf.onesLike(mean),
          tf.sqrt(tf.add(variance, cfg['epsilon'] as number)),
        ) as tf.Tensor1D;
        const shift = tf.sub(w.get('beta') ?? tf.zerosLike(mean), tf.mul(mean, scale)) as tf.Tensor1D;
        steps.push({ kind: 'affine', input: ins[0]!, out, scale, shift });
        break;
      }
      case 'ReLU': {
        const extra = ['maxValue', 'negativeSlope', 'threshold'].filter(
          (f) => cfg[f] != null && cfg[f] !== 0,
        );
        if (extra.length > 0) throw new Unsupported(`layer ${name}: ReLU with ${extra.join(', ')}`);
        steps.push({ kind: 'relu', input: ins[0]!, out });
        break;
      }
      case 'Activation':
        if (activationOf(cfg, name) === 'relu') steps.push({ kind: 'relu', input: ins[0]!, out });
        else valueOf.set(outT.id, ins[0]!);
        break;
      case 'Dropout':
        valueOf.set(outT.id, ins[0]!); // identity at inference
        break;
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        if ((cfg['dataFormat'] ?? 'channelsLast') !== 'channelsLast')
          throw new Unsupported(`layer ${name}: dataFormat ${String(cfg['dataFormat'])}`);
        const size = pair(cfg['poolSize'], `layer ${name}: poolSize`);
        const pad = cfg['padding'] as string;
        if (pad !== 'same' && pad !== 'valid') throw new Unsupported(`layer ${name}: padding ${pad}`);
        steps.push({
          kind: 'pool',
          input: ins[0]!,
          out,
          op: cls === 'MaxPooling2D' ? 'max' : 'avg',
          size,
          strides: pair(cfg['strides'] ?? size, `layer ${name}: strides`),
          pad,
        });
        break;
      }
      case 'Flatten':
        steps.push({ kind: 'flatten', input: ins[0]!, out });
        break;
      case 'Dense':
        if (outT.shape.length !== 2)
          throw new Unsupported(`layer ${name}: dense on a rank-${outT.shape.length} tensor`);
        steps.push({
          kind: 'dense',
          input: ins[0]!,
          out,
          kernel: w.get('kernel') as tf.Tensor2D,
          bias: w.get('bias') as tf.Tensor1D | undefined,
          relu: activationOf(cfg, name) === 'relu',
        });
        break;
      case 'Add':
        steps.push({ kind: 'add', inputs: ins, out });
        break;
      case 'Concatenate':
        if (cfg['axis'] !== -1 && cfg['axis'] !== outT.shape.length - 1)
          throw new Unsupported(`layer ${name}: concatenation over axis ${String(cfg['axis'])}`);
        steps.push({ kind: 'concat', inputs: ins, out });
        break;
      default:
        throw new Unsupported(`layer ${name}: ${cls} is not one the inference plan knows`);
    }
  }
  const outputs = net.outputs.map((t) => ({
    value: source(t, 'output'),
    column: 0,
    width: t.shape[t.shape.length - 1] as number,
  }));
  const optimised = optimise(steps, outputs, counts);
  for (const s of optimised) {
    for (const t of tensorsOf(s)) keep(t);
  }
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

function tensorsOf(s: PlanStep): tf.Tensor[] {
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
function optimise(
  steps: PlanStep[],
  outputs: { value: number; column: number; width: number }[],
  counts: { folded: number; fused: number; merged: number },
): PlanStep[] {
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
  // Batch norm (affine) and ReLU into the conv or dense step that feeds them alone.
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
  // Dense layers on the same input with the same activation, each read only as a model output.
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
  // A conv with a bias map takes its per-channel bias into the map: one add per call.
  steps.forEach((s, i) => {
    if (s.kind === 'conv' && s.biasMap !== undefined && s.bias !== undefined)
      steps[i] = { ...s, biasMap: tf.add(s.biasMap, s.bias) as tf.Tensor4D, bias: undefined };
  });
  return steps;
}
