/**
 * The small dense classifier net: standardised features → dense(h, ReLU) → dense(h, ReLU) →
 * dense(classes, softmax). Trained with tfjs (Adam, weighted categorical cross-entropy, early
 * stopping on a held-out fraction); stored as plain JSON weights and run online by the forward
 * pass below (a few hundred multiply-adds: no tensor library on the event path).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../domain/index.js';
import { softmaxInPlace } from '../baseline/index.js';

export interface MlpWeights {
  readonly kind: 'mlp';
  readonly mean: number[];
  readonly scale: number[];
  /** Dense layers: w is in × out row-major, b has out entries; ReLU on all but the last. */
  readonly layers: {
    readonly w: number[];
    readonly b: number[];
    readonly in: number;
    readonly out: number;
  }[];
}

export interface MlpConfig {
  readonly hidden: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly validationFraction: number;
  readonly patience: number;
  readonly seed: number;
}

export const DEFAULT_MLP: MlpConfig = {
  hidden: 64,
  epochs: 60,
  batchSize: 256,
  learningRate: 0.003,
  validationFraction: 0.1,
  patience: 8,
  seed: 1,
};

export function predictMlp(m: MlpWeights, row: ArrayLike<number>, out: Float64Array): Float64Array {
  let a: Float64Array = Float64Array.from(m.mean, (mu, f) => (row[f]! - mu) / m.scale[f]!);
  m.layers.forEach((l, li) => {
    const z = new Float64Array(l.out);
    for (let j = 0; j < l.out; j++) z[j] = l.b[j]!;
    for (let i = 0; i < l.in; i++) {
      const v = a[i]!;
      if (v === 0) continue;
      const o = i * l.out;
      for (let j = 0; j < l.out; j++) z[j]! += v * l.w[o + j]!;
    }
    if (li < m.layers.length - 1) for (let j = 0; j < l.out; j++) z[j] = Math.max(0, z[j]!);
    a = z;
  });
  out.set(a);
  return softmaxInPlace(out, a.length);
}

/** Trains the net on rows x (n × p), labels y, sample weights; returns the best-validation weights. */
export async function trainMlp(
  x: Float64Array,
  y: Int32Array,
  n: number,
  p: number,
  nClasses: number,
  cfg: MlpConfig = DEFAULT_MLP,
  weight?: Float64Array,
  onEpoch?: (epoch: number, trainLoss: number, valLoss: number) => void,
): Promise<MlpWeights> {
  const { mean, scale } = standardisation(x, n, p);
  const rng = new Rng(cfg.seed);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  const nVal = Math.max(1, Math.floor(n * cfg.validationFraction));
  const rows: Rows = { x, y, p, nClasses, mean, scale, ...(weight === undefined ? {} : { weight }) };
  const train = tensorsOf(rows, perm.slice(nVal));
  const val = tensorsOf(rows, perm.slice(0, nVal));
  const model = denseNet(p, nClasses, cfg);
  const opt = tf.train.adam(cfg.learningRate);
  const lossOf = (t: Tensors): tf.Scalar =>
    tf.tidy(() => {
      const pr = (model.apply(t.xs) as tf.Tensor2D).clipByValue(1e-7, 1);
      const ce = tf.neg(tf.sum(tf.mul(t.ys, tf.log(pr)), 1));
      return tf.div(tf.sum(tf.mul(ce, t.ws)), tf.sum(t.ws)) as tf.Scalar;
    });
  let best = Infinity;
  let bestWeights: MlpWeights | undefined;
  let since = 0;
  const nTr = n - nVal;
  for (let epoch = 0; epoch < cfg.epochs && since < cfg.patience; epoch++) {
    const order = seededOrder(nTr, rng);
    let trainLoss = 0;
    for (let s = 0; s < nTr; s += cfg.batchSize) {
      const idx = tf.tensor1d(Int32Array.from(order.slice(s, s + cfg.batchSize)), 'int32');
      const batch = {
        xs: tf.gather(train.xs, idx),
        ys: tf.gather(train.ys, idx),
        ws: tf.gather(train.ws, idx),
      };
      const l = opt.minimize(() => lossOf(batch), true)!;
      trainLoss += (await l.data())[0]! * Math.min(cfg.batchSize, nTr - s);
      for (const t of [l, idx, batch.xs, batch.ys, batch.ws]) t.dispose();
    }
    const vl = lossOf(val);
    const valLoss = (await vl.data())[0]!;
    vl.dispose();
    onEpoch?.(epoch, trainLoss / nTr, valLoss);
    if (valLoss < best - 1e-5) {
      best = valLoss;
      since = 0;
      bestWeights = await exportWeights(model, mean, scale);
    } else since++;
  }
  for (const t of [train.xs, train.ys, train.ws, val.xs, val.ys, val.ws]) t.dispose();
  model.dispose();
  return bestWeights!;
}

/** Mean and standard deviation (1 where constant) of each feature over the n rows. */
function standardisation(x: Float64Array, n: number, p: number): { mean: number[]; scale: number[] } {
  const mean = new Array<number>(p).fill(0);
  const scale = new Array<number>(p).fill(0);
  for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) mean[f]! += x[i * p + f]! / n;
  for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) scale[f]! += (x[i * p + f]! - mean[f]!) ** 2 / n;
  for (let f = 0; f < p; f++) scale[f] = Math.sqrt(scale[f]!) || 1;
  return { mean, scale };
}

interface Rows {
  readonly x: Float64Array;
  readonly y: Int32Array;
  readonly p: number;
  readonly nClasses: number;
  readonly mean: readonly number[];
  readonly scale: readonly number[];
  readonly weight?: Float64Array;
}

interface Tensors {
  readonly xs: tf.Tensor2D;
  readonly ys: tf.Tensor2D;
  readonly ws: tf.Tensor1D;
}

/** The rows standardised, one-hot labels and weights, as tensors. */
function tensorsOf(o: Rows, rows: number[]): Tensors {
  const { x, y, p, nClasses, mean, scale, weight } = o;
  const xs = new Float32Array(rows.length * p);
  const ys = new Float32Array(rows.length * nClasses);
  const ws = new Float32Array(rows.length);
  rows.forEach((r, k) => {
    for (let f = 0; f < p; f++) xs[k * p + f] = (x[r * p + f]! - mean[f]!) / scale[f]!;
    ys[k * nClasses + y[r]!] = 1;
    ws[k] = weight === undefined ? 1 : weight[r]!;
  });
  return {
    xs: tf.tensor2d(xs, [rows.length, p]),
    ys: tf.tensor2d(ys, [rows.length, nClasses]),
    ws: tf.tensor1d(ws),
  };
}

/** Dense hidden → hidden → classes (ReLU, ReLU, softmax), Glorot-uniform kernels seeded from cfg.seed. */
function denseNet(p: number, nClasses: number, cfg: MlpConfig): tf.Sequential {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [p],
        units: cfg.hidden,
        activation: 'relu',
        kernelInitializer: init(cfg.seed),
      }),
      tf.layers.dense({ units: cfg.hidden, activation: 'relu', kernelInitializer: init(cfg.seed + 1) }),
      tf.layers.dense({ units: nClasses, activation: 'softmax', kernelInitializer: init(cfg.seed + 2) }),
    ],
  });
}

/** 0 .. n − 1 shuffled by rng (tf.util.createShuffledIndices draws from Math.random): the same seed gives the same net. */
function seededOrder(n: number, rng: Rng): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

async function exportWeights(model: tf.Sequential, mean: number[], scale: number[]): Promise<MlpWeights> {
  const layers: MlpWeights['layers'][number][] = [];
  for (const l of model.layers) {
    const [k, b] = l.getWeights();
    const [inDim, outDim] = k!.shape as [number, number];
    layers.push({ w: Array.from(await k!.data()), b: Array.from(await b!.data()), in: inDim, out: outDim });
  }
  return { kind: 'mlp', mean, scale, layers };
}
