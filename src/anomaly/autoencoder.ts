/**
 * The anomaly teacher: a small convolutional autoencoder on the coarse station images
 * (image.ts). Encoder: two stride-2 3×3 convolutions (16, 32 filters), a 1×1 convolution to 8
 * channels and a dense bottleneck of `latent` units; decoder mirrors it with transposed
 * convolutions. Trained with mean squared error on ordinary events only, so what it cannot
 * compress through the bottleneck (topologies it never saw) comes back with a large error.
 */
import * as tf from '@tensorflow/tfjs';
import {
  combineTerms,
  compositeTerms,
  compositeTests,
  COMPOSITE_TESTS,
  imageSize,
  MSE,
  stationErrors,
  type ImageSpec,
  type ScoreMode,
} from './image.js';

export interface AutoencoderOptions {
  readonly latent: number;
  readonly filters: readonly [number, number];
  readonly seed: number;
}

export const DEFAULT_AUTOENCODER: AutoencoderOptions = { latent: 32, filters: [16, 32], seed: 7 };

export function buildAutoencoder(s: ImageSpec, o: AutoencoderOptions = DEFAULT_AUTOENCODER): tf.LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: o.seed + k });
  const [f1, f2] = o.filters;
  const h4 = s.height / 4;
  const w4 = s.width / 4;
  const neck = 8;
  const input = tf.input({ shape: [s.height, s.width, s.channels], name: 'image' });
  let x = tf.layers
    .conv2d({
      filters: f1,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(1),
    })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({
      filters: f2,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(2),
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: neck, kernelSize: 1, activation: 'relu', kernelInitializer: init(3) })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: o.latent, name: 'latent', kernelInitializer: init(4) })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: h4 * w4 * neck, activation: 'relu', kernelInitializer: init(5) })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.reshape({ targetShape: [h4, w4, neck] }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2dTranspose({
      filters: f2,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(6),
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2dTranspose({
      filters: f1,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(7),
    })
    .apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .conv2d({
      filters: s.channels,
      kernelSize: 3,
      padding: 'same',
      name: 'reconstruction',
      kernelInitializer: init(8),
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'anomaly_autoencoder' });
}

export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly onEpoch?: (epoch: number, loss: number, valLoss: number, seconds: number) => void;
}

/** Fits on `train` (n images) with `val` for monitoring; returns the per-epoch losses. */
export async function trainAutoencoder(
  net: tf.LayersModel,
  s: ImageSpec,
  train: Float32Array,
  val: Float32Array,
  o: TrainOptions,
): Promise<{ loss: number[]; valLoss: number[] }> {
  const shape = (a: Float32Array): [number, number, number, number] => [
    a.length / imageSize(s),
    s.height,
    s.width,
    s.channels,
  ];
  const x = tf.tensor4d(train, shape(train));
  const xv = tf.tensor4d(val, shape(val));
  net.compile({ optimizer: tf.train.adam(o.learningRate), loss: 'meanSquaredError' });
  const loss: number[] = [];
  const valLoss: number[] = [];
  let t0 = performance.now();
  try {
    await net.fit(x, x, {
      epochs: o.epochs,
      batchSize: o.batchSize,
      shuffle: true,
      validationData: [xv, xv],
      verbose: 0,
      callbacks: {
        onEpochEnd: (epoch, logs) => {
          loss.push(Number(logs?.['loss']));
          valLoss.push(Number(logs?.['val_loss']));
          o.onEpoch?.(epoch + 1, loss.at(-1)!, valLoss.at(-1)!, (performance.now() - t0) / 1000);
          t0 = performance.now();
        },
      },
    });
  } finally {
    x.dispose();
    xv.dispose();
  }
  return { loss, valLoss };
}

export interface Scores {
  /** Anomaly score per image: the station terms combined (mean or max). */
  readonly score: Float64Array;
  /** Per-station terms, [image][station] flattened. */
  readonly perStation: Float64Array;
  /** The score under a second mode from the same reconstructions (when asked for). */
  readonly other?: Float64Array;
  /**
   * Composite mode only: the raw tests, [image][station][relative, occupancy, peak] flattened
   * (what calibration fits the scales on, and what a re-scaled score is recomputed from).
   */
  readonly tests?: Float64Array;
}

/** Scores n images in batches of `batchSize` with the given per-station term. */
export function scoreImages(
  net: tf.LayersModel,
  s: ImageSpec,
  images: Float32Array,
  mode: ScoreMode = MSE,
  batchSize = 256,
  otherMode?: ScoreMode,
): Scores {
  const size = imageSize(s);
  const n = images.length / size;
  const score = new Float64Array(n);
  const perStation = new Float64Array(n * s.channels);
  const other = otherMode === undefined ? undefined : new Float64Array(n);
  const tests = mode.kind === 'composite' ? new Float64Array(n * s.channels * COMPOSITE_TESTS) : undefined;
  for (let start = 0; start < n; start += batchSize) {
    const m = Math.min(batchSize, n - start);
    const chunk = images.subarray(start * size, (start + m) * size);
    const y = tf.tidy(() =>
      (net.predict(tf.tensor4d(chunk, [m, s.height, s.width, s.channels])) as tf.Tensor).dataSync(),
    );
    for (let i = 0; i < m; i++) {
      let terms: number[];
      if (mode.kind === 'composite') {
        const t = compositeTests(s, chunk, y, i * size, mode);
        tests!.set(t, (start + i) * t.length);
        terms = compositeTerms(mode, t);
      } else terms = stationErrors(s, chunk, y, i * size, mode);
      terms.forEach((t, k) => (perStation[(start + i) * s.channels + k] = t));
      score[start + i] = combineTerms(mode, terms);
      if (other !== undefined)
        other[start + i] = combineTerms(otherMode!, stationErrors(s, chunk, y, i * size, otherMode));
    }
  }
  return {
    score,
    perStation,
    ...(other === undefined ? {} : { other }),
    ...(tests === undefined ? {} : { tests }),
  };
}
