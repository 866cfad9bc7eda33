/**
 * An inference plan (inference-plan.ts) as a TensorFlow graph: its folded weights become Const
 * nodes, each step one to three ops (Conv2D → BiasAdd/AddV2 → Relu, MatMul → BiasAdd → Relu, …),
 * written as a SavedModel (saved_model.pb: one MetaGraphDef tagged "serve" with a
 * "serving_default" signature). There are no variables, so the SavedModel has no variables/
 * directory: TensorFlow's loader then restores nothing. One session call runs the whole net,
 * and TensorFlow's graph optimiser may fuse conv + bias + ReLU further.
 * Field numbers are those of tensorflow/core/framework/*.proto and protobuf/{meta_graph,saved_model}.proto.
 */
import type * as tf from '@tensorflow/tfjs';
import type { InferencePlan, PlanStep } from './inference-plan.js';
import { ProtoWriter } from './protobuf.js';

/** tensorflow.DataType */
const DT_FLOAT = 1;
const DT_INT32 = 3;
/**
 * The GraphDef version (producer) written. TensorFlow accepts any producer ≥ its minimum (0 in 2.21,
 * whose own is 2474); every op used here is far older than version 1645, which is what we claim.
 */
const GRAPH_PRODUCER = 1645;

export const SERVE_TAG = 'serve';
export const SIGNATURE = 'serving_default';

type Attr =
  | { readonly type: number }
  | { readonly shape: readonly number[] }
  | { readonly ints: readonly number[] }
  | { readonly s: string }
  | { readonly b: boolean }
  | { readonly i: number }
  | {
      readonly tensor: {
        readonly dtype: number;
        readonly dims: readonly number[];
        readonly data: Float32Array | Int32Array;
      };
    };

interface Node {
  readonly name: string;
  readonly op: string;
  readonly inputs: readonly string[];
  readonly attrs: Readonly<Record<string, Attr>>;
}

export interface PlanGraph {
  /** saved_model.pb */
  readonly savedModel: Uint8Array;
  /** Signature keys of the inputs (plan input order) and of the outputs (plan.outputs order). */
  readonly inputKeys: readonly string[];
  readonly outputKeys: readonly string[];
  readonly nodes: number;
}

const T = { T: { type: DT_FLOAT } };

/** Builds the graph of `plan` (its weights are read once, here). */
export function planGraph(plan: InferencePlan): PlanGraph {
  const nodes: Node[] = [];
  const add = (
    name: string,
    op: string,
    inputs: readonly string[],
    attrs: Record<string, Attr> = {},
  ): string => {
    nodes.push({ name, op, inputs, attrs });
    return name;
  };
  const constant = (name: string, data: Float32Array | Int32Array, dims: readonly number[]): string => {
    const dtype = data instanceof Float32Array ? DT_FLOAT : DT_INT32;
    return add(name, 'Const', [], { dtype: { type: dtype }, value: { tensor: { dtype, dims, data } } });
  };
  const weights = (name: string, t: tf.Tensor): string =>
    constant(name, t.dataSync() as Float32Array, t.shape);
  const value: string[] = [];
  const shape: (readonly number[])[] = [];
  const inputKeys = plan.inputShapes.map((dims, i) => {
    value[i] = add(`input_${i}`, 'Placeholder', [], {
      dtype: { type: DT_FLOAT },
      shape: { shape: [-1, ...dims] },
    });
    shape[i] = dims;
    return `input_${i}`;
  });
  plan.steps.forEach((s, k) => {
    const x = 'input' in s ? value[s.input]! : '';
    const xs = 'input' in s ? shape[s.input]! : [];
    const c = { p: `step_${k}`, x, xs, value, shape, add, weights, constant };
    [value[s.out], shape[s.out]] = stepNodes(s, c);
  });
  const outputKeys = plan.outputs.map((o, k) => {
    const width = shape[o.value]![0]!;
    const src =
      o.column === 0 && o.width === width
        ? value[o.value]!
        : add(
            `output_${k}/slice`,
            'Slice',
            [
              value[o.value]!,
              constant(`output_${k}/begin`, Int32Array.of(0, o.column), [2]),
              constant(`output_${k}/size`, Int32Array.of(-1, o.width), [2]),
            ],
            { ...T, Index: { type: DT_INT32 } },
          );
    add(`output_${k}`, 'Identity', [src], T);
    return `output_${k}`;
  });
  const signature = {
    inputs: inputKeys.map((key, i) => ({ key, dims: [-1, ...plan.inputShapes[i]!] })),
    outputs: outputKeys.map((key, k) => ({ key, dims: [-1, plan.outputs[k]!.width] })),
  };
  return { savedModel: writeSavedModel(nodes, signature), inputKeys, outputKeys, nodes: nodes.length };
}

type AddNode = (name: string, op: string, inputs: readonly string[], attrs?: Record<string, Attr>) => string;

/** What a step's nodes are built from: its name prefix, its input, and the graph so far. */
interface StepContext {
  /** Node name prefix of the step. */
  readonly p: string;
  /** The step's input node and shape (without the batch dimension); '' and [] for multi-input steps. */
  readonly x: string;
  readonly xs: readonly number[];
  /** Node name and shape of every plan value built so far. */
  readonly value: readonly string[];
  readonly shape: readonly (readonly number[])[];
  readonly add: AddNode;
  readonly weights: (name: string, t: tf.Tensor) => string;
  readonly constant: (name: string, d: Int32Array, dims: readonly number[]) => string;
}

type StepOut = [string, readonly number[]];
type StepOf<K extends PlanStep['kind']> = Extract<PlanStep, { kind: K }>;

const relu = (c: StepContext, y: string, on: boolean): string =>
  on ? c.add(`${c.p}/relu`, 'Relu', [y], T) : y;

const bias = (c: StepContext, y: string, b: tf.Tensor | undefined): string =>
  b === undefined
    ? y
    : c.add(`${c.p}/bias`, 'BiasAdd', [y, c.weights(`${c.p}/b`, b)], { ...T, data_format: { s: 'NHWC' } });

function convNodes(s: StepOf<'conv'>, c: StepContext): StepOut {
  const { p, x, xs, add } = c;
  const [kh, kw, , f] = s.filter.shape;
  let y = add(`${p}/conv`, 'Conv2D', [x, c.weights(`${p}/filter`, s.filter)], {
    ...T,
    strides: { ints: [1, ...s.strides, 1] },
    dilations: { ints: [1, ...s.dilations, 1] },
    padding: { s: s.pad.toUpperCase() },
    data_format: { s: 'NHWC' },
    use_cudnn_on_gpu: { b: true },
    explicit_paddings: { ints: [] },
  });
  y = bias(c, y, s.bias);
  if (s.biasMap !== undefined) y = add(`${p}/bias_map`, 'AddV2', [y, c.weights(`${p}/map`, s.biasMap)], T);
  const size = (d: number): number => outSize(xs[d]!, [kh, kw][d]!, s.strides[d]!, s.dilations[d]!, s.pad);
  return [relu(c, y, s.relu), [size(0), size(1), f]];
}

function poolNodes(s: StepOf<'pool'>, { p, x, xs, add }: StepContext): StepOut {
  const y = add(`${p}/pool`, s.op === 'max' ? 'MaxPool' : 'AvgPool', [x], {
    ...T,
    ksize: { ints: [1, ...s.size, 1] },
    strides: { ints: [1, ...s.strides, 1] },
    padding: { s: s.pad.toUpperCase() },
    data_format: { s: 'NHWC' },
  });
  const size = (d: number): number => outSize(xs[d]!, s.size[d]!, s.strides[d]!, 1, s.pad);
  return [y, [size(0), size(1), xs[2]!]];
}

function flattenNodes({ p, x, xs, add, constant }: StepContext): StepOut {
  const size = xs.reduce((a, b) => a * b, 1);
  const target = constant(`${p}/shape`, Int32Array.of(-1, size), [2]);
  return [add(`${p}/flatten`, 'Reshape', [x, target], { ...T, Tshape: { type: DT_INT32 } }), [size]];
}

function denseNodes(s: StepOf<'dense'>, c: StepContext): StepOut {
  const y = c.add(`${c.p}/matmul`, 'MatMul', [c.x, c.weights(`${c.p}/kernel`, s.kernel)], {
    ...T,
    transpose_a: { b: false },
    transpose_b: { b: false },
  });
  return [relu(c, bias(c, y, s.bias), s.relu), [s.kernel.shape[1]]];
}

function affineNodes(s: StepOf<'affine'>, { p, x, xs, add, weights }: StepContext): StepOut {
  const scaled = add(`${p}/scale`, 'Mul', [x, weights(`${p}/s`, s.scale)], T);
  return [add(`${p}/shift`, 'AddV2', [scaled, weights(`${p}/t`, s.shift)], T), xs];
}

function addNodes(s: StepOf<'add'>, { p, value, shape, add }: StepContext): StepOut {
  const inputs = s.inputs.map((i) => value[i]!);
  return [add(`${p}/add`, 'AddN', inputs, { ...T, N: { i: s.inputs.length } }), shape[s.inputs[0]!]!];
}

function concatNodes(s: StepOf<'concat'>, { p, value, shape, add, constant }: StepContext): StepOut {
  const parts = s.inputs.map((i) => shape[i]!);
  const last = parts.reduce((a, d) => a + d[d.length - 1]!, 0);
  const inputs = [...s.inputs.map((i) => value[i]!), constant(`${p}/axis`, Int32Array.of(-1), [])];
  const y = add(`${p}/concat`, 'ConcatV2', inputs, {
    ...T,
    N: { i: s.inputs.length },
    Tidx: { type: DT_INT32 },
  });
  return [y, [...parts[0]!.slice(0, -1), last]];
}

/** The nodes of one step: returns its output's node name and shape (without the batch dimension). */
function stepNodes(s: PlanStep, c: StepContext): StepOut {
  switch (s.kind) {
    case 'conv':
      return convNodes(s, c);
    case 'pool':
      return poolNodes(s, c);
    case 'flatten':
      return flattenNodes(c);
    case 'dense':
      return denseNodes(s, c);
    case 'affine':
      return affineNodes(s, c);
    case 'relu':
      return [relu(c, c.x, true), c.xs];
    case 'add':
      return addNodes(s, c);
    case 'concat':
      return concatNodes(s, c);
  }
}

/** Output size of a convolution or pooling window along one axis (TensorFlow's SAME/VALID rules). */
export function outSize(
  n: number,
  k: number,
  stride: number,
  dilation: number,
  pad: 'same' | 'valid',
): number {
  return pad === 'same' ? Math.ceil(n / stride) : Math.ceil((n - (k - 1) * dilation) / stride);
}

function writeShape(w: ProtoWriter, dims: readonly number[]): void {
  for (const d of dims) w.message(2, (dim) => dim.varint(1, d)); // TensorShapeProto.dim { size }
}

function writeAttr(w: ProtoWriter, a: Attr): void {
  // AttrValue: list = 1 (ListValue.i = 3), s = 2, i = 3, b = 5, type = 6, shape = 7, tensor = 8
  if ('type' in a) w.varint(6, a.type);
  else if ('shape' in a) w.message(7, (s) => writeShape(s, a.shape));
  else if ('ints' in a)
    w.message(1, (l) => {
      if (a.ints.length > 0) l.packedVarints(3, a.ints);
    });
  else if ('s' in a) w.string(2, a.s);
  else if ('b' in a) w.bool(5, a.b);
  else if ('i' in a) w.varint(3, a.i);
  else {
    // TensorProto: dtype = 1, tensor_shape = 2, tensor_content = 4 (raw little-endian values)
    const { dtype, dims, data } = a.tensor;
    const raw = new Uint8Array(data.length * 4);
    const view = new DataView(raw.buffer);
    data.forEach((v, i) =>
      data instanceof Float32Array ? view.setFloat32(i * 4, v, true) : view.setInt32(i * 4, v, true),
    );
    w.message(8, (t) =>
      t
        .varint(1, dtype)
        .message(2, (s) => writeShape(s, dims))
        .bytes(4, raw),
    );
  }
}

function writeSavedModel(
  nodes: readonly Node[],
  signature: {
    inputs: readonly { key: string; dims: readonly number[] }[];
    outputs: readonly { key: string; dims: readonly number[] }[];
  },
): Uint8Array {
  // TensorInfo: name = 1, dtype = 2, tensor_shape = 3
  const tensorInfo = (key: string, dims: readonly number[]) => (t: ProtoWriter) => {
    t.string(1, `${key}:0`)
      .varint(2, DT_FLOAT)
      .message(3, (s) => writeShape(s, dims));
  };
  return new ProtoWriter()
    .varint(1, 1) // SavedModel.saved_model_schema_version
    .message(2, (meta) =>
      meta // SavedModel.meta_graphs
        .message(1, (info) => info.string(1, 'showertrig inference plan').string(4, SERVE_TAG)) // MetaInfoDef: meta_graph_version, tags
        .message(2, (graph) => {
          // GraphDef: node = 1, versions = 4 (VersionDef.producer = 1)
          for (const n of nodes) {
            graph.message(1, (nd) => {
              // NodeDef: name = 1, op = 2, input = 3, attr = 5
              nd.string(1, n.name).string(2, n.op);
              for (const i of n.inputs) nd.string(3, i);
              for (const [k, a] of Object.entries(n.attrs)) nd.mapEntry(5, k, (w) => writeAttr(w, a));
            });
          }
          graph.message(4, (v) => v.varint(1, GRAPH_PRODUCER));
        })
        .mapEntry(5, SIGNATURE, (sig) => {
          // MetaGraphDef.signature_def; SignatureDef: inputs = 1, outputs = 2, method_name = 3
          for (const i of signature.inputs) sig.mapEntry(1, i.key, tensorInfo(i.key, i.dims));
          for (const o of signature.outputs) sig.mapEntry(2, o.key, tensorInfo(o.key, o.dims));
          sig.string(3, 'tensorflow/serving/predict');
        }),
    )
    .finish();
}
