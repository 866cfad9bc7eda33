/**
 * One optimisation step of the energy/vertex net with few backend calls. The maths is that of
 *   optimizer.minimize(() => huber(e) + huber(d) + λ Σ_k ‖W_k‖²)  with  tf.train.adam(lr)
 * (tf.losses.huberLoss, δ = 1, mean over the batch per head; Adam β1 0.9, β2 0.999, ε the
 * backend's epsilon; tfjs's own AdamOptimizer update), op for op per element, so the weights
 * follow the same trajectory (train-step.test.ts checks it against that reference). What changes
 * is the number of backend calls per step, which is what a small net's step time is made of on
 * the native backend (each call costs ~20–35 µs there, ~7–12 µs on wasm; the kernels themselves
 * are small):
 * - both heads go through one Huber loss on a [batch, 2] tensor (the same element-wise ops; the
 *   loss value sums both heads in one reduction);
 * - the L2 penalty's gradient 2λW is added in closed form instead of differentiating Σ‖W‖²
 *   (the same product λ·2W that autodiff forms);
 * - Adam runs once over all trainable weights concatenated into one flat vector (kept on the
 *   backend between steps, with its moments), not once per weight tensor;
 * - the step's loss stays on the backend; the caller reads the losses once per epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { ContractError } from '../../domain/index.js';
import { CoordConv } from './coord-conv.js';
import { installNativeGradients } from './native-training.js';

/** The beta1, beta2 of tf.train.adam(learningRate). */
const BETA1 = 0.9;
const BETA2 = 0.999;

/** The element-wise Huber loss (δ = 1) of tf.losses.huberLoss, summed and divided by `rows`. */
function huberMean(pred: tf.Tensor, target: tf.Tensor, rows: number): tf.Scalar {
  const delta = tf.scalar(1);
  const error = tf.abs(tf.sub(pred, target));
  const quadratic = tf.minimum(error, delta);
  const linear = tf.sub(error, quadratic);
  const losses = tf.add(tf.mul(tf.scalar(0.5), tf.square(quadratic)), tf.mul(delta, linear));
  return tf.div(tf.sum(losses), tf.scalar(rows));
}

/** The weights the L2 penalty applies to: the conv and dense kernels (not biases, not batch norm). */
export function penalisedWeights(net: tf.LayersModel): tf.LayerVariable[] {
  const out: tf.LayerVariable[] = [];
  for (const layer of net.layers) {
    if (layer instanceof CoordConv) out.push(...layer.penalisedWeights());
    // originalName, not name: a second net built in the process gets unique names ('dense/kernel_1').
    else if (layer.getClassName() === 'Dense')
      out.push(...layer.trainableWeights.filter((w) => w.originalName.endsWith('/kernel')));
  }
  return out;
}

export interface StepInputs {
  /** The net's inputs: the images, or [images, feature rows]. */
  readonly x: tf.Tensor | tf.Tensor[];
  /** Scaled targets [batch, 2]: energy, vertex (the net's two outputs in order). */
  readonly y: tf.Tensor2D;
}

/** Adam over the net's trainable weights as one flat vector; owns its backend state (dispose it). */
export class FusedTrainStep {
  private readonly vars: tf.Variable[];
  private readonly shapes: number[][];
  private readonly sizes: number[];
  /** The weights, flat (the master copy: the layer variables are assigned from it after each step). */
  private flat: tf.Variable;
  /** 1 where the weight is penalised by L2, 0 elsewhere. */
  private readonly mask: tf.Tensor1D;
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  private readonly accBeta1: tf.Variable;
  private readonly accBeta2: tf.Variable;
  private readonly epsilon: number;
  learningRate: number;

  /** penalised: the weights the L2 term applies to (a subset of the net's trainable weights). */
  constructor(
    private readonly net: tf.LayersModel,
    penalised: readonly tf.LayerVariable[],
    learningRate: number,
  ) {
    this.learningRate = learningRate;
    installNativeGradients();
    this.vars = net.trainableWeights.map((w) => w.read() as tf.Variable);
    if (this.vars.length === 0) throw new ContractError('FusedTrainStep: the net has no trainable weights');
    const names = new Set(penalised.map((w) => w.read().id));
    if (penalised.some((w) => !this.vars.some((v) => v.id === w.read().id)))
      throw new ContractError('FusedTrainStep: a penalised weight is not a trainable weight of the net');
    this.shapes = this.vars.map((v) => v.shape);
    this.sizes = this.vars.map((v) => v.size);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    const mask = new Float32Array(total);
    let o = 0;
    this.vars.forEach((v, i) => {
      if (names.has(v.id)) mask.fill(1, o, o + this.sizes[i]!);
      o += this.sizes[i]!;
    });
    this.mask = tf.tensor1d(mask);
    this.flat = tf.variable(
      tf.tidy(() => tf.concat(this.vars.map((v) => tf.reshape(v, [-1])))),
      false,
    );
    this.m = tf.variable(tf.zeros([total]), false);
    this.v = tf.variable(tf.zeros([total]), false);
    this.accBeta1 = tf.variable(tf.scalar(BETA1), false);
    this.accBeta2 = tf.variable(tf.scalar(BETA2), false);
    this.epsilon = tf.backend().epsilon();
  }

  /**
   * Forward (training mode: batch norm uses and updates its batch statistics), backward, Adam.
   * Returns the loss before the update (Huber of both heads + l2 · Σ‖W‖²), on the backend.
   */
  run(inputs: StepInputs, l2: number): tf.Scalar {
    const rows = inputs.y.shape[0];
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const outs = ([] as tf.Tensor[]).concat(
          this.net.apply(inputs.x, { training: true }) as tf.Tensor | tf.Tensor[],
        );
        if (outs.length !== 2)
          throw new ContractError(
            `FusedTrainStep: the net has ${outs.length} outputs, expected 2 (energy, vertex)`,
          );
        return huberMean(tf.concat(outs, 1), inputs.y, rows);
      }, this.vars);
      const g = tf.concat(
        this.vars.map((v) => {
          const gv = grads[v.name];
          if (gv === undefined)
            throw new ContractError(`FusedTrainStep: no gradient reaches weight ${v.name}`);
          return tf.reshape(gv, [-1]);
        }),
      );
      let loss: tf.Scalar = value;
      let gradient: tf.Tensor = g;
      if (l2 > 0) {
        const w = tf.mul(this.flat, this.mask);
        // d(l2 · Σw²)/dw = l2 · 2w: the product autodiff forms (the factor 2 is exact in float32).
        gradient = tf.add(g, tf.mul(w, 2 * l2));
        loss = tf.add(value, tf.mul(l2, tf.sum(tf.square(w))));
      }
      this.adam(gradient);
      return loss;
    });
  }

  /** tfjs's AdamOptimizer.applyGradients, element for element, on the flat vector; then the layer weights. */
  private adam(gradient: tf.Tensor): void {
    const oneMinusAccBeta1 = tf.sub(1, this.accBeta1);
    const oneMinusAccBeta2 = tf.sub(1, this.accBeta2);
    const m = tf.add(tf.mul(this.m, BETA1), tf.mul(gradient, 1 - BETA1));
    const v = tf.add(tf.mul(this.v, BETA2), tf.mul(tf.square(gradient), 1 - BETA2));
    const mHat = tf.div(m, oneMinusAccBeta1);
    const vHat = tf.div(v, oneMinusAccBeta2);
    this.m.assign(m);
    this.v.assign(v);
    this.flat.assign(
      tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), -this.learningRate), this.flat),
    );
    this.accBeta1.assign(tf.mul(this.accBeta1, BETA1));
    this.accBeta2.assign(tf.mul(this.accBeta2, BETA2));
    const parts = tf.split(this.flat, this.sizes);
    this.vars.forEach((w, i) => w.assign(tf.reshape(parts[i]!, this.shapes[i]!)));
  }

  dispose(): void {
    tf.dispose([this.flat, this.mask, this.m, this.v, this.accBeta1, this.accBeta2]);
  }
}
