/**
 * Runs an inference plan (inference-plan.ts) eagerly on the active tfjs backend: one fused
 * convolution (or convolution + bias map + ReLU) per conv block, one fused matrix product per
 * dense layer. Returns the model outputs as [n, width] tensors owned by the caller.
 */
import * as tf from '@tensorflow/tfjs';
import type { InferencePlan, PlanStep } from './inference-plan.js';

function step(s: PlanStep, v: readonly tf.Tensor[]): tf.Tensor {
  switch (s.kind) {
    case 'conv': {
      const x = v[s.input] as tf.Tensor4D;
      if (s.biasMap === undefined) {
        return tf.fused.conv2d({
          x,
          filter: s.filter,
          strides: s.strides,
          pad: s.pad,
          dilations: s.dilations,
          ...(s.bias ? { bias: s.bias } : {}),
          activation: s.relu ? 'relu' : 'linear',
        });
      }
      // The fused kernels take only a per-channel bias: the [1, h, w, f] map is a separate add.
      const y = tf.add(tf.conv2d(x, s.filter, s.strides, s.pad, 'NHWC', s.dilations), s.biasMap);
      return s.relu ? tf.relu(y) : y;
    }
    case 'pool': {
      const x = v[s.input] as tf.Tensor4D;
      return s.op === 'max'
        ? tf.maxPool(x, s.size, s.strides, s.pad)
        : tf.avgPool(x, s.size, s.strides, s.pad);
    }
    case 'flatten': {
      const x = v[s.input]!;
      return tf.reshape(x, [x.shape[0]!, -1]);
    }
    case 'dense':
      return tf.fused.matMul({
        a: v[s.input] as tf.Tensor2D,
        b: s.kernel,
        ...(s.bias ? { bias: s.bias } : {}),
        activation: s.relu ? 'relu' : 'linear',
      });
    case 'affine':
      return tf.add(tf.mul(v[s.input]!, s.scale), s.shift);
    case 'relu':
      return tf.relu(v[s.input]!);
    case 'add':
      return tf.addN(s.inputs.map((i) => v[i]!));
    case 'concat':
      return tf.concat(
        s.inputs.map((i) => v[i]!),
        -1,
      );
  }
}

/** The distinct output values of the plan, in order of first use by plan.outputs. */
export function outputValues(plan: InferencePlan): number[] {
  return [...new Set(plan.outputs.map((o) => o.value))];
}

/** Runs the plan on its inputs; returns the tensors of outputValues(plan), in that order. */
export function runPlan(plan: InferencePlan, inputs: readonly tf.Tensor[]): tf.Tensor[] {
  if (inputs.length !== plan.inputs)
    throw new RangeError(`runPlan: ${inputs.length} inputs for a plan of ${plan.inputs}`);
  return tf.tidy(() => {
    const v: tf.Tensor[] = [...inputs];
    for (const s of plan.steps) v[s.out] = step(s, v);
    return outputValues(plan).map((i) => v[i]!);
  });
}
