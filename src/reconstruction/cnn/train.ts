/**
 * Training loop for the energy/vertex net (pure: data in memory, checkpoints through a callback).
 * Huber loss (δ = 1) on both scaled targets, summed; Adam with exponential learning-rate decay
 * per epoch; the paper's gradual L2 removal: λ = l2Initial halved every l2HalvingEpochs epochs,
 * applied to conv and dense kernels; early stopping on the validation loss.
 */
import * as tf from '@tensorflow/tfjs';
import { ContractError, Rng } from '../../domain/index.js';
import { meanStd } from '../../numerics/index.js';
import type { Dataset } from './dataset.js';
import { FusedTrainStep, penalisedWeights } from './train-step.js';
import { inputChannels, inputLength, type InputSpec } from './preprocess.js';
import { predictScaled, scaleEnergy, scaleVertex, unscaleEnergy, unscaleVertex } from './model.js';

export interface TrainConfig {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Learning rate multiplied by this after every epoch. */
  readonly lrDecayPerEpoch: number;
  readonly l2Initial: number;
  readonly l2HalvingEpochs: number;
  /** Stop after this many epochs without a better validation loss. */
  readonly patience: number;
  readonly seed: number;
}

export const DEFAULT_TRAIN: TrainConfig = {
  epochs: 30,
  batchSize: 64,
  learningRate: 2e-3,
  lrDecayPerEpoch: 0.93,
  l2Initial: 0.01,
  l2HalvingEpochs: 10,
  patience: 6,
  seed: 1,
};

export interface Resolution {
  /** σ(ΔE/E), ΔE = E_true − E_reco. */
  readonly sigmaERel: number;
  /** σ(Δd), cm. */
  readonly sigmaDCm: number;
  readonly meanERel: number;
  readonly meanDCm: number;
  readonly n: number;
}

export interface EpochReport {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly valLoss: number;
  readonly val: Resolution;
  readonly learningRate: number;
  readonly l2: number;
  readonly eventsPerSecond: number;
  readonly epochSeconds: number;
  /**
   * CPU time of the process (all its threads) over the epoch's steps, s: on a machine shared with
   * other work, events per CPU-second of a one-thread backend is steadier than events per second.
   */
  readonly cpuSeconds: number;
  readonly etaSeconds: number;
  readonly improved: boolean;
}

export interface TrainHooks {
  onEpoch?(r: EpochReport): void;
  /** Called when the validation loss improves: save a checkpoint here. */
  onBest?(net: tf.LayersModel, r: EpochReport): Promise<void>;
}

export function l2At(cfg: TrainConfig, epoch: number): number {
  return cfg.l2Initial * 0.5 ** Math.floor(epoch / cfg.l2HalvingEpochs);
}

export function energyVertexResolution(
  eTrue: ArrayLike<number>,
  eReco: ArrayLike<number>,
  dTrue: ArrayLike<number>,
  dReco: ArrayLike<number>,
): Resolution {
  const n = eTrue.length;
  const e = meanStd(Float64Array.from({ length: n }, (_, i) => (eTrue[i]! - eReco[i]!) / eTrue[i]!));
  const d = meanStd(Float64Array.from({ length: n }, (_, i) => dTrue[i]! - dReco[i]!));
  return { sigmaERel: e.std, sigmaDCm: d.std, meanERel: e.mean, meanDCm: d.mean, n };
}

/** Scaled predictions → physical units and resolution on a dataset. */
export function evaluateEnergyVertexNet(
  net: tf.LayersModel,
  data: Dataset,
  spec: InputSpec,
  batchSize = 256,
): { resolution: Resolution; loss: number; energyGeV: Float32Array; dCm: Float32Array } {
  const per = inputLength(spec);
  const n = data.energyGeV.length;
  const eReco = new Float32Array(n);
  const dReco = new Float32Array(n);
  let loss = 0;
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const buf = new Float32Array(batchSize * per);
  const q = data.nFeatures ?? 0;
  for (let i = 0; i < n; i += batchSize) {
    const m = Math.min(batchSize, n - i);
    data.inputs.fill(order, i, m, buf);
    const s = predictScaled(net, buf.subarray(0, m * per), spec, data.features?.subarray(i * q, (i + m) * q));
    for (let k = 0; k < m; k++) {
      const te = scaleEnergy(data.energyGeV[i + k]!),
        tv = scaleVertex(data.dCm[i + k]!);
      loss += huberScalar(s.energy[k]! - te) + huberScalar(s.vertex[k]! - tv);
      eReco[i + k] = unscaleEnergy(s.energy[k]!);
      dReco[i + k] = unscaleVertex(s.vertex[k]!);
    }
  }
  return {
    resolution: energyVertexResolution(data.energyGeV, eReco, data.dCm, dReco),
    loss: loss / Math.max(1, n),
    energyGeV: eReco,
    dCm: dReco,
  };
}

function huberScalar(r: number): number {
  const a = Math.abs(r);
  return a < 1 ? 0.5 * r * r : a - 0.5;
}

/** Trains `net` in place; returns the per-epoch reports. The net ends with its last weights. */
export async function trainEnergyVertexNet(
  net: tf.LayersModel,
  spec: InputSpec,
  train: Dataset,
  val: Dataset,
  cfg: TrainConfig,
  hooks: TrainHooks = {},
): Promise<EpochReport[]> {
  const per = inputLength(spec);
  const n = train.energyGeV.length;
  if (train.inputs.per !== per || val.inputs.per !== per || train.inputs.length !== n)
    throw new ContractError('dataset inputs do not match the spec');
  const targets = {
    e: Float32Array.from(train.energyGeV, scaleEnergy),
    d: Float32Array.from(train.dCm, scaleVertex),
  };
  const step = new FusedTrainStep(net, penalisedWeights(net), cfg.learningRate);
  const rng = new Rng(cfg.seed);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const q = train.nFeatures ?? 0;
  const buffers = {
    x: new Float32Array(cfg.batchSize * per),
    y: new Float32Array(cfg.batchSize * 2),
    f: new Float32Array(cfg.batchSize * q),
  };
  if ((val.nFeatures ?? 0) !== q)
    throw new RangeError('training and validation sets differ in feature inputs');
  const reports: EpochReport[] = [];
  let best = Infinity;
  let sinceBest = 0;
  const t0 = performance.now();
  try {
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      const lr = cfg.learningRate * cfg.lrDecayPerEpoch ** epoch;
      step.learningRate = lr;
      const l2 = l2At(cfg, epoch);
      shuffle(order, rng);
      const te = performance.now();
      const c0 = process.cpuUsage();
      const lossValues = await readScalars(epochSteps(step, spec, train, order, targets, l2, buffers));
      const batches = lossValues.length;
      const lossSum = lossValues.reduce((a, b) => a + b, 0);
      const epochSeconds = (performance.now() - te) / 1000;
      const cpu = process.cpuUsage(c0);
      const ev = evaluateEnergyVertexNet(net, val, spec);
      const improved = ev.loss < best;
      if (improved) {
        best = ev.loss;
        sinceBest = 0;
      } else sinceBest++;
      const elapsed = (performance.now() - t0) / 1000;
      const report: EpochReport = {
        epoch: epoch + 1,
        trainLoss: lossSum / Math.max(1, batches),
        valLoss: ev.loss,
        val: ev.resolution,
        learningRate: lr,
        l2,
        eventsPerSecond: (batches * cfg.batchSize) / epochSeconds,
        epochSeconds,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        etaSeconds: (elapsed / (epoch + 1)) * (cfg.epochs - epoch - 1),
        improved,
      };
      reports.push(report);
      hooks.onEpoch?.(report);
      if (improved && hooks.onBest) await hooks.onBest(net, report);
      if (sinceBest >= cfg.patience) break;
    }
  } finally {
    step.dispose();
  }
  return reports;
}

/** Fisher–Yates shuffle in place, one draw of `rng` per position from the end. */
function shuffle(order: Uint32Array, rng: Rng): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
}

/**
 * One pass of whole batches over the training set in `order` (the batch size is the buffers'); the
 * step losses stay on the backend until the epoch ends: one read instead of one per step.
 */
function epochSteps(
  step: FusedTrainStep,
  spec: InputSpec,
  train: Dataset,
  order: Uint32Array,
  targets: { e: Float32Array; d: Float32Array },
  l2: number,
  buf: { x: Float32Array; y: Float32Array; f: Float32Array },
): tf.Scalar[] {
  const batchSize = buf.y.length / 2;
  const q = train.nFeatures ?? 0;
  const losses: tf.Scalar[] = [];
  for (let b = 0; b + batchSize <= order.length; b += batchSize) {
    train.inputs.fill(order, b, batchSize, buf.x);
    for (let k = 0; k < batchSize; k++) {
      const src = order[b + k]!;
      buf.y[2 * k] = targets.e[src]!;
      buf.y[2 * k + 1] = targets.d[src]!;
      if (q > 0) buf.f.set(train.features!.subarray(src * q, (src + 1) * q), k * q);
    }
    const image = tf.tensor4d(buf.x, [batchSize, spec.size, spec.size, inputChannels(spec)]);
    const x = q > 0 ? [image, tf.tensor2d(buf.f, [batchSize, q])] : image;
    const y = tf.tensor2d(buf.y, [batchSize, 2]);
    losses.push(step.run({ x, y }, l2));
    tf.dispose([x, y]);
  }
  return losses;
}

/** The values of scalars on the backend, in one read; disposes them. */
async function readScalars(scalars: tf.Scalar[]): Promise<Float32Array> {
  if (scalars.length === 0) return new Float32Array(0);
  const all = tf.stack(scalars);
  tf.dispose(scalars);
  const values = (await all.data()) as Float32Array;
  all.dispose();
  return values;
}
