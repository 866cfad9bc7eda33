/**
 * The steps of an inference plan, and the translation of one Keras layer into its step: a table
 * with one entry per layer class the plan knows (a new layer kind is a new entry).
 */
import * as tf from '@tensorflow/tfjs';
import { coordinateChannels } from './coord-conv.js';

export type Padding = 'same' | 'valid';

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

/** A model the plan cannot express; the caller then runs the layers model. */
export class Unsupported extends Error {}

export const pair = (v: unknown, what: string): [number, number] => {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((x) => Number.isInteger(x)))
    throw new Unsupported(`${what} ${JSON.stringify(v)}`);
  return [a[0] as number, a[1] as number];
};

export function weightsByName(layer: tf.layers.Layer): Map<string, tf.Tensor> {
  const m = new Map<string, tf.Tensor>();
  // Clones: the plan owns (and disposes) its tensors, never the layer's variables.
  const values = layer.getWeights();
  layer.weights.forEach((w, i) => m.set(w.originalName.split('/').pop()!, tf.clone(values[i]!)));
  return m;
}

export function activationOf(cfg: tf.serialization.ConfigDict, layerName: string): 'linear' | 'relu' {
  const a = cfg['activation'] ?? 'linear';
  if (a !== 'linear' && a !== 'relu') throw new Unsupported(`layer ${layerName}: activation ${String(a)}`);
  return a;
}

/** What a layer's translation sees: its config, weights, input value indices and output value index. */
export interface LayerInput {
  readonly layer: tf.layers.Layer;
  readonly cls: string;
  readonly cfg: tf.serialization.ConfigDict;
  readonly name: string;
  readonly outT: tf.SymbolicTensor;
  readonly ins: readonly number[];
  readonly out: number;
  readonly w: Map<string, tf.Tensor>;
}

/** The layer's step; 'identity' when the layer passes its input through at inference. */
type Translate = (l: LayerInput) => PlanStep | 'identity';

export const one = (t: tf.SymbolicTensor | tf.SymbolicTensor[], name: string): tf.SymbolicTensor => {
  if (Array.isArray(t)) {
    if (t.length !== 1) throw new Unsupported(`layer ${name}: ${t.length} tensors where one is expected`);
    return t[0]!;
  }
  return t;
};

const channelsLast = ({ cfg, name }: LayerInput): void => {
  if ((cfg['dataFormat'] ?? 'channelsLast') !== 'channelsLast')
    throw new Unsupported(`layer ${name}: dataFormat ${String(cfg['dataFormat'])}`);
};

const conv: Translate = (l) => {
  const { cls, cfg, name, w } = l;
  channelsLast(l);
  const isCoord = cls === 'CoordConv';
  const k = isCoord ? (cfg['kernelSize'] as number) : pair(cfg['kernelSize'], `layer ${name}: kernelSize`)[0];
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
    const [, h, wd] = one(l.layer.input, name).shape;
    if (typeof h !== 'number' || typeof wd !== 'number')
      throw new Unsupported(`layer ${name}: spatial size unknown`);
    biasMap = tf.conv2d(coordinateChannels(h, wd), w.get('coord_kernel') as tf.Tensor4D, 1, 'same');
  }
  return {
    kind: 'conv',
    input: l.ins[0]!,
    out: l.out,
    filter,
    bias: w.get('bias') as tf.Tensor1D | undefined,
    biasMap,
    strides,
    dilations,
    pad,
    relu: !isCoord && activationOf(cfg, name) === 'relu',
  };
};

const batchNorm: Translate = ({ cfg, name, outT, w, ins, out }) => {
  const axis = cfg['axis'] as number;
  const rank = outT.shape.length;
  if (axis !== -1 && axis !== rank - 1) throw new Unsupported(`layer ${name}: batch norm over axis ${axis}`);
  const mean = w.get('moving_mean')!,
    variance = w.get('moving_variance')!;
  const scale = tf.div(
    w.get('gamma') ?? tf.onesLike(mean),
    tf.sqrt(tf.add(variance, cfg['epsilon'] as number)),
  ) as tf.Tensor1D;
  const shift = tf.sub(w.get('beta') ?? tf.zerosLike(mean), tf.mul(mean, scale)) as tf.Tensor1D;
  return { kind: 'affine', input: ins[0]!, out, scale, shift };
};

const relu: Translate = ({ cfg, name, ins, out }) => {
  const extra = ['maxValue', 'negativeSlope', 'threshold'].filter((f) => cfg[f] != null && cfg[f] !== 0);
  if (extra.length > 0) throw new Unsupported(`layer ${name}: ReLU with ${extra.join(', ')}`);
  return { kind: 'relu', input: ins[0]!, out };
};

const pool: Translate = (l) => {
  const { cls, cfg, name } = l;
  channelsLast(l);
  const size = pair(cfg['poolSize'], `layer ${name}: poolSize`);
  const pad = cfg['padding'] as string;
  if (pad !== 'same' && pad !== 'valid') throw new Unsupported(`layer ${name}: padding ${pad}`);
  return {
    kind: 'pool',
    input: l.ins[0]!,
    out: l.out,
    op: cls === 'MaxPooling2D' ? 'max' : 'avg',
    size,
    strides: pair(cfg['strides'] ?? size, `layer ${name}: strides`),
    pad,
  };
};

const dense: Translate = ({ cfg, name, outT, w, ins, out }) => {
  if (outT.shape.length !== 2)
    throw new Unsupported(`layer ${name}: dense on a rank-${outT.shape.length} tensor`);
  return {
    kind: 'dense',
    input: ins[0]!,
    out,
    kernel: w.get('kernel') as tf.Tensor2D,
    bias: w.get('bias') as tf.Tensor1D | undefined,
    relu: activationOf(cfg, name) === 'relu',
  };
};

/** Each layer class the plan knows, and its step. */
export const LAYER_STEPS: Readonly<Record<string, Translate>> = {
  CoordConv: conv,
  Conv2D: conv,
  BatchNormalization: batchNorm,
  ReLU: relu,
  Activation: (l) =>
    activationOf(l.cfg, l.name) === 'relu' ? { kind: 'relu', input: l.ins[0]!, out: l.out } : 'identity',
  Dropout: () => 'identity', // identity at inference
  MaxPooling2D: pool,
  AveragePooling2D: pool,
  Flatten: ({ ins, out }) => ({ kind: 'flatten', input: ins[0]!, out }),
  Dense: dense,
  Add: ({ ins, out }) => ({ kind: 'add', inputs: ins, out }),
  Concatenate: ({ cfg, name, outT, ins, out }) => {
    if (cfg['axis'] !== -1 && cfg['axis'] !== outT.shape.length - 1)
      throw new Unsupported(`layer ${name}: concatenation over axis ${String(cfg['axis'])}`);
    return { kind: 'concat', inputs: ins, out };
  },
};
