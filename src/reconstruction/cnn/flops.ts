/**
 * Floating-point operations of one forward pass per event (multiply and add counted as two), from
 * the layer shapes: convolutions 2·H·W·k²·C_in·C_out over the output positions, dense layers
 * 2·in·out. Element-wise work (bias, batch norm, ReLU, pooling) is left out: it is a few percent
 * and memory-bound. CoordConv's coordinate part does not depend on the event and is not counted
 * (the inference plan computes it once).
 */
import type * as tf from '@tensorflow/tfjs';

export function forwardFlopsPerEvent(net: tf.LayersModel): number {
  let flops = 0;
  for (const layer of net.layers) {
    const cls = layer.getClassName();
    const out = layer.outputShape as (number | null)[];
    const kernel = layer.weights.find((w) => w.originalName.endsWith('/kernel'))?.shape;
    if (kernel === undefined) continue;
    if ((cls === 'Conv2D' || cls === 'CoordConv') && kernel.length === 4) {
      flops += 2 * (out[1] ?? 0) * (out[2] ?? 0) * kernel[0]! * kernel[1]! * kernel[2]! * kernel[3]!;
    } else if (cls === 'Dense' && kernel.length === 2) {
      flops += 2 * kernel[0]! * kernel[1]!;
    }
  }
  return flops;
}
