/**
 * CoordConv (Liu et al. 2018, as used in the method paper): a 3×3 'same' convolution over the
 * input channels plus three coordinate channels x, y ∈ [−1, 1] and r = √(x² + y²)/√2.
 *
 * Implementation: conv(concat(x, coords), W) = conv(x, Wx) + conv(coords, Wc) with zero padding
 * on every channel, so the coordinate part is computed once per call on a batch of one and
 * broadcast over the batch (no tiling of coordinate maps per event). Stride 1, channels last.
 * registerCoordConv() registers it with tf.serialization so that a saved model loads back.
 */
import { ContractError } from '../../domain/index.js';
import * as tf from '@tensorflow/tfjs';

export interface CoordConvArgs {
  readonly filters: number;
  readonly kernelSize?: number;
  readonly useBias?: boolean;
  readonly name?: string;
  readonly trainable?: boolean;
}

/** Coordinate channels [1, h, w, 3]: x varies along width, y along height. */
export function coordinateChannels(h: number, w: number): tf.Tensor4D {
  const data = new Float32Array(h * w * 3);
  for (let i = 0; i < h; i++) {
    const y = h > 1 ? (2 * i) / (h - 1) - 1 : 0;
    for (let j = 0; j < w; j++) {
      const x = w > 1 ? (2 * j) / (w - 1) - 1 : 0;
      const o = (i * w + j) * 3;
      data[o] = x;
      data[o + 1] = y;
      data[o + 2] = Math.sqrt(x * x + y * y) / Math.SQRT2;
    }
  }
  return tf.tensor4d(data, [1, h, w, 3]);
}

export class CoordConv extends tf.layers.Layer {
  static readonly className = 'CoordConv';
  readonly filters: number;
  readonly kernelSize: number;
  readonly useBias: boolean;
  private kernel: tf.LayerVariable | undefined;
  private coordKernel: tf.LayerVariable | undefined;
  private bias: tf.LayerVariable | undefined;

  constructor(args: CoordConvArgs) {
    super({ ...(args.name === undefined ? {} : { name: args.name }), trainable: args.trainable ?? true });
    this.filters = args.filters;
    this.kernelSize = args.kernelSize ?? 3;
    this.useBias = args.useBias ?? true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const cin = shape[shape.length - 1];
    if (typeof cin !== 'number') throw new ContractError('CoordConv: the channel dimension must be known');
    const k = this.kernelSize;
    const init = tf.initializers.heNormal({ seed: 1 });
    this.kernel = this.addWeight('kernel', [k, k, cin, this.filters], 'float32', init);
    this.coordKernel = this.addWeight('coord_kernel', [k, k, 3, this.filters], 'float32', init);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [, h, w] = x.shape;
      const coords = coordinateChannels(h, w);
      let out: tf.Tensor = tf.add(
        tf.conv2d(x, this.kernel!.read() as tf.Tensor4D, 1, 'same'),
        tf.conv2d(coords, this.coordKernel!.read() as tf.Tensor4D, 1, 'same'),
      );
      if (this.bias !== undefined) out = tf.add(out, this.bias.read());
      return out;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      useBias: this.useBias,
    };
  }

  /** The weights an L2 penalty applies to (kernels, not biases). */
  penalisedWeights(): tf.LayerVariable[] {
    return [this.kernel, this.coordKernel].filter((v): v is tf.LayerVariable => v !== undefined);
  }
}

let coordConvRegistered = false;
/** Registers CoordConv for deserialisation (idempotent; called by the model builder and loader). */
export function registerCoordConv(): void {
  if (coordConvRegistered) return;
  tf.serialization.registerClass(CoordConv);
  coordConvRegistered = true;
}
