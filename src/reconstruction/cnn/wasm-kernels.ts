/**
 * Gradient kernels the tfjs wasm backend (4.22) lacks but a fit of our model needs. Found by
 * running a fit on wasm: only Conv2DBackpropFilter is missing (Conv2DBackpropInput, MaxPoolGrad
 * and the batch-norm / Adam ops are all present).
 *
 * Conv2DBackpropFilter is computed with the backend's own forward Conv2D on transposed tensors:
 *   dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s + kh − padTop, ow·s + kw − padLeft, ci] · dy[b,oh,ow,co]
 * which is a stride-1 convolution of x' = x^T[ci,H,W,b] with the filter dy^T[oh,ow,b,co] at
 * dilation s, explicit padding (padTop, padBottom') chosen so that the output is KH × KW.
 */
import { ContractError } from '../../domain/index.js';
import * as tf from '@tensorflow/tfjs';

const registered = new Set<string>();

interface BackpropFilterAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** Computes Conv2DBackpropFilter from tensors (exported for the numerical test). */
export function conv2dBackpropFilterViaConv(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: BackpropFilterAttrs,
): tf.Tensor4D {
  if (attrs.dataFormat !== 'NHWC')
    throw new ContractError(
      `Conv2DBackpropFilter (wasm): dataFormat ${attrs.dataFormat} unsupported, use NHWC`,
    );
  const [kh, kw] = attrs.filterShape;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape,
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  return tf.tidy(() => {
    let xt = tf.transpose(x, [3, 1, 2, 0]); // [ci, H, W, b]
    const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [oh, ow, b, co]
    const { top, left } = info.padInfo;
    const H = x.shape[1];
    const W = x.shape[2];
    let bottom = kh - H - top + (info.outHeight - 1) * info.strideHeight;
    let right = kw - W - left + (info.outWidth - 1) * info.strideWidth;
    // Negative "padding": rows/cols of x that no output position reaches (valid padding with stride).
    if (bottom < 0 || right < 0) {
      xt = tf.slice(xt, [0, 0, 0, 0], [-1, H + Math.min(bottom, 0), W + Math.min(right, 0), -1]);
      bottom = Math.max(bottom, 0);
      right = Math.max(right, 0);
    }
    const pad: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    const out = tf.conv2d(xt as tf.Tensor4D, dyt as tf.Tensor4D, 1, pad, 'NHWC', [
      info.strideHeight,
      info.strideWidth,
    ]);
    return tf.transpose(out, [1, 2, 0, 3]) as tf.Tensor4D; // [kh, kw, ci, co]
  });
}

/**
 * Registers the missing gradient kernels for the 'wasm' backend (idempotent). Call after the
 * wasm backend is registered (importing @tensorflow/tfjs-backend-wasm does that).
 */
export function registerWasmGradKernels(): void {
  if (registered.has('Conv2DBackpropFilter')) return;
  const existing = tf.getKernel('Conv2DBackpropFilter', 'wasm');
  registered.add('Conv2DBackpropFilter');
  if (existing !== undefined) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const x = inputs['x'] as tf.Tensor4D;
      const dy = inputs['dy'] as tf.Tensor4D;
      return conv2dBackpropFilterViaConv(x, dy, attrs as unknown as BackpropFilterAttrs);
    },
  });
}
