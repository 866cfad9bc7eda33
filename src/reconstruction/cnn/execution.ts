/**
 * How a loaded model runs its net on a batch of prepared inputs, best first:
 *   graph  — the fused plan as one TensorFlow graph, one session call per batch (native backend only);
 *   plan   — the fused plan, op by op on the active backend (inference-run.ts);
 *   layers — the tfjs layers model itself (the reference the others are tested against).
 * Each returns the scaled outputs [energy, vertex] per event; model.ts unscales and calibrates.
 */
import * as tf from '@tensorflow/tfjs';
import type { GraphRunner } from './graph-run.js';
import type { InferencePlan } from './inference-plan.js';
import { outputValues, runPlan } from './inference-run.js';
import { inputChannels, inputLength, type InputSpec } from './preprocess.js';

export interface ScaledOutputs {
  readonly energy: Float32Array;
  readonly vertex: Float32Array;
}

export interface Execution {
  readonly kind: 'graph' | 'plan' | 'layers';
  /** For logs and `info.execution`: what runs, and why a better one does not. */
  readonly description: string;
  /** x: n prepared windows; features: n standardised feature rows (two-input nets). */
  scaled(x: Float32Array, features?: Float32Array): ScaledOutputs;
  /** Frees what this execution owns (plan weights, graph session); not the layers model. */
  dispose(): void;
}

function inputTensors(x: Float32Array, spec: InputSpec, features?: Float32Array): tf.Tensor[] {
  const n = x.length / inputLength(spec);
  const inputs: tf.Tensor[] = [tf.tensor4d(x, [n, spec.size, spec.size, inputChannels(spec)])];
  if (features !== undefined) inputs.push(tf.tensor2d(features, [n, features.length / Math.max(1, n)]));
  return inputs;
}

/** Reads [energy, vertex] back and frees the tensors (each [n, 1]). */
function readBack(outs: readonly tf.Tensor[]): ScaledOutputs {
  const [energy, vertex] = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose([...outs]);
  return { energy: energy!, vertex: vertex! };
}

/** Runs the net on prepared inputs (and feature rows for a two-input net); returns scaled outputs [energy, vertex] per event. */
export function predictScaled(
  net: tf.LayersModel,
  inputs: Float32Array,
  spec: InputSpec,
  features?: Float32Array,
): ScaledOutputs {
  const n = inputs.length / inputLength(spec);
  const outs = tf.tidy(() => {
    const x = inputTensors(inputs, spec, features);
    const out = net.predict(x.length > 1 ? x : x[0]!, { batchSize: Math.max(1, n) }) as tf.Tensor[];
    return [out[0]!, out[1]!];
  });
  return readBack(outs);
}

export function layersExecution(net: tf.LayersModel, spec: InputSpec, description: string): Execution {
  return { kind: 'layers', description, scaled: (x, f) => predictScaled(net, x, spec, f), dispose: () => {} };
}

export function planExecution(plan: InferencePlan, spec: InputSpec, description: string): Execution {
  const values = outputValues(plan);
  return {
    kind: 'plan',
    description,
    scaled(x, features) {
      const n = x.length / inputLength(spec);
      const inputs = inputTensors(x, spec, features);
      const outs = runPlan(plan, inputs);
      tf.dispose(inputs);
      const data = outs.map((t) => t.dataSync() as Float32Array);
      tf.dispose(outs);
      // Merged heads: output k is column `column` of a wider value.
      const column = (k: number): Float32Array => {
        const o = plan.outputs[k]!;
        const d = data[values.indexOf(o.value)]!;
        const width = d.length / n;
        return width === 1 ? d : Float32Array.from({ length: n }, (_, i) => d[i * width + o.column]!);
      };
      return { energy: column(0), vertex: column(1) };
    },
    dispose: () => plan.dispose(),
  };
}

/** The graph owns its session (the plan it was built from is no longer needed: its weights are in the graph). */
export function graphExecution(graph: GraphRunner, spec: InputSpec, description: string): Execution {
  return {
    kind: 'graph',
    description,
    scaled(x, features) {
      const inputs = inputTensors(x, spec, features);
      const outs = graph.run(inputs);
      tf.dispose(inputs);
      return readBack(outs);
    },
    dispose: () => graph.dispose(),
  };
}
