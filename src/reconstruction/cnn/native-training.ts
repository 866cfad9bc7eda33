/**
 * Gradients of ReLU, batch norm and mean as single TensorFlow ops on the native backend, for training.
 *
 * tfjs differentiates these with generic element-wise ops: ReLU's gradient is dy · step(x), and
 * tfjs-node's Step kernel alone is five TensorFlow calls on the full activation (IsNan, Greater,
 * two fills, Select, plus a JavaScript array of ones uploaded), then a cast and a multiply; batch
 * norm's gradient is fourteen full-size ops (a Tile among them). On the native backend these are
 * the bulk of a small net's training step, so there they become TensorFlow's own kernels:
 *   ReLU:       ReluGrad(dy, x) = dy · [x > 0]  (the same products, exactly, for finite x);
 *   batch norm: FusedBatchNormGradV2 in inference form (mean and variance given) yields
 *               dx = dy·γ·r, dγ = Σ dy·(x − μ)·r, dβ = Σ dy with r = 1/√(σ² + ε); the gradients
 *               with respect to the batch statistics follow in closed form from the same sums:
 *               dμ = −r·γ·dβ, dσ² = −½·r²·γ·dγ (tfjs: Σ −r·dy·γ and Σ −½r³(x − μ)·dy·γ).
 *   mean:       its gradient dy/n broadcast by one Tile, instead of dy · ones / n with the ones
 *               built in JavaScript and uploaded at full size per call (batch norm's statistics
 *               are means over the batch; the same numbers exactly).
 * The batch-norm sums are reduced in a different order than tfjs reduces them (float32 rounding
 * noise; train-step.test.ts bounds it). Every other backend, and shapes the native ops do not
 * cover, keep tfjs's own gradients.
 *
 * Also two kernels of tfjs-node that call TensorFlow for nothing: a Reshape to the same shape (the
 * gradients do ~40 per step; each uploads a shape tensor and runs an op) and a Cast to the same
 * dtype become references to the input, as tfjs-node's own Identity kernel does.
 */
import * as tf from '@tensorflow/tfjs';

const RELU_GRAD = 'ShowertrigReluGrad';
const BATCH_NORM_GRAD = 'ShowertrigBatchNormGrad';

/** The parts of tfjs-node's NodeJSKernelBackend used here (its own kernels are written against them). */
interface NativeBackend {
  binding: {
    TF_ATTR_TYPE: number;
    TF_ATTR_FLOAT: number;
    TF_ATTR_STRING: number;
    TF_ATTR_BOOL: number;
    TF_FLOAT: number;
  };
  executeSingleOutput(name: string, attrs: unknown[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(
    name: string,
    attrs: unknown[],
    inputs: tf.Tensor[],
    numOutputs: number,
  ): tf.Tensor[];
}

let enabled = true;
let installed = false;
let shortcuts = false;

/** Switches the native gradients on or off (the tests compare them with tfjs's own); default on. */
export function setNativeGradients(on: boolean): void {
  enabled = on;
}

const native = (): boolean => enabled && tf.getBackend() === 'tensorflow';

function registerNativeKernels(): void {
  tf.registerKernel({
    kernelName: RELU_GRAD,
    backendName: 'tensorflow',
    kernelFunc: ({ inputs, backend }) => {
      const b = backend as unknown as NativeBackend;
      const attrs = [{ name: 'T', type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT }];
      return b.executeSingleOutput('ReluGrad', attrs, [
        inputs['dy'] as tf.Tensor,
        inputs['x'] as tf.Tensor,
      ]) as unknown as tf.TensorInfo;
    },
  });
  tf.registerKernel({
    kernelName: BATCH_NORM_GRAD,
    backendName: 'tensorflow',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as NativeBackend;
      const f = b.binding;
      const opAttrs = [
        { name: 'T', type: f.TF_ATTR_TYPE, value: f.TF_FLOAT },
        { name: 'U', type: f.TF_ATTR_TYPE, value: f.TF_FLOAT },
        {
          name: 'epsilon',
          type: f.TF_ATTR_FLOAT,
          value: (attrs?.['varianceEpsilon'] as number | undefined) ?? 1e-3,
        },
        { name: 'data_format', type: f.TF_ATTR_STRING, value: 'NHWC' },
        { name: 'is_training', type: f.TF_ATTR_BOOL, value: false },
      ];
      const [dy, x, scale, mean, variance] = (['dy', 'x', 'scale', 'mean', 'variance'] as const).map(
        (k) => inputs[k] as tf.Tensor,
      );
      const out = b.executeMultipleOutputs(
        'FusedBatchNormGradV2',
        opAttrs,
        [dy!, x!, scale!, mean!, variance!],
        5,
      );
      tf.dispose(out.slice(3)); // reserve outputs, unused
      return out.slice(0, 3) as unknown as tf.TensorInfo[];
    },
  });
}

/** Reshape to the same shape and Cast to the same dtype as references; other calls go to tfjs-node's kernels. */
function shortcutNoOps(): void {
  for (const name of ['Reshape', 'Cast'] as const) {
    const original = tf.getKernel(name, 'tensorflow');
    if (original === undefined) continue; // tfjs-node not loaded in this process
    const same =
      name === 'Reshape'
        ? (x: tf.TensorInfo, attrs: tf.NamedAttrMap): boolean =>
            tf.util.arraysEqual(attrs['shape'] as number[], x.shape)
        : (x: tf.TensorInfo, attrs: tf.NamedAttrMap): boolean => attrs['dtype'] === x.dtype;
    tf.unregisterKernel(name, 'tensorflow');
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => {
        const x = args.inputs['x'] as tf.TensorInfo;
        if (!enabled || !same(x, args.attrs ?? {})) return original.kernelFunc(args);
        (args.backend as unknown as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
        return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
      },
    });
  }
}

/**
 * Installs the gradients (idempotent): on the native backend they use the kernels above, elsewhere
 * tfjs's own gradient functions, which are kept and called.
 */
export function installNativeGradients(): void {
  // tfjs-node's kernels exist once it is imported (the first native backend selection), which may
  // come after a first installation on wasm.
  if (!shortcuts && tf.getKernel('Reshape', 'tensorflow') !== undefined) {
    shortcuts = true;
    shortcutNoOps();
  }
  if (installed) return;
  installed = true;
  registerNativeKernels();
  const relu = tf.getGradient('Relu');
  const batchNorm = tf.getGradient('FusedBatchNorm');
  const mean = tf.getGradient('Mean');
  if (relu === undefined || batchNorm === undefined || mean === undefined)
    throw new Error('tfjs has no gradient for Relu, FusedBatchNorm or Mean');
  tf.registerGradient({
    ...mean,
    gradFunc: (dy, saved, attrs) => {
      if (!native()) return mean.gradFunc(dy, saved, attrs);
      const x = saved[0]!;
      const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
      const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const reduceSize = axes.reduce((p, a) => p * x.shape[a]!, 1);
      // tfjs: (dy · ones(x.shape)) / n, the ones made in JavaScript and uploaded at full size per
      // call; dy / n broadcast by Tile is the same numbers (· 1 is exact) without that upload.
      return {
        x: () =>
          tf.tile(
            tf.div(tf.reshape(dy as tf.Tensor, kept), reduceSize),
            x.shape.map((d, i) => (axes.includes(i) ? d : 1)),
          ),
      };
    },
  });
  tf.registerGradient({
    ...relu,
    gradFunc: (dy, saved, attrs) => {
      if (!native()) return relu.gradFunc(dy, saved, attrs);
      const [x] = saved;
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, x: x! }) as tf.Tensor };
    },
  });
  tf.registerGradient({
    ...batchNorm,
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved;
      const d = dy as tf.Tensor;
      if (
        !native() ||
        x!.rank !== 4 ||
        mean!.rank !== 1 ||
        scale === undefined ||
        scale === null ||
        d.dtype !== 'float32'
      )
        return batchNorm.gradFunc(dy, saved, attrs);
      const epsilon = (attrs as { varianceEpsilon: number } | undefined)?.varianceEpsilon ?? 1e-3;
      const [dx, dScale, dOffset] = tf
        .engine()
        .runKernel(
          BATCH_NORM_GRAD,
          { dy: d, x: x!, scale, mean: mean!, variance: variance! },
          { varianceEpsilon: epsilon },
        ) as tf.Tensor[];
      const r = tf.rsqrt(tf.add(variance!, epsilon));
      return {
        x: () => dx!,
        mean: () => tf.neg(tf.mul(tf.mul(r, scale), dOffset!)),
        variance: () => tf.mul(tf.mul(tf.mul(tf.square(r), scale), dScale!), -0.5),
        scale: () => dScale!,
        offset: () => dOffset!,
      };
    },
  });
}
