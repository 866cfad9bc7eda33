/**
 * The narrow interface the online path consumes: a loaded anomaly model scores a batch of events
 * and carries the reference it was calibrated with (threshold for the rate budget, per-station
 * score quantiles for the drift monitor). The autoencoder teacher and its distilled student both
 * implement it, so a retrained model of either kind drops in without touching the pipeline.
 */
import * as tf from '@tensorflow/tfjs';
import type { Hits } from '../domain/index.js';
import {
  combineTerms,
  fillImage,
  imageSize,
  stationErrors,
  type ImageSpec,
  type ScoreMode,
} from './image.js';
import type { Quantiles } from './drift.js';

/** Scores of n events: the total and the per-station terms ([event][station] flattened). */
export interface AnomalyScores {
  readonly total: Float64Array;
  readonly perStation: Float64Array;
}

/** What the model file says about its own score: the budget threshold and the drift reference. */
export interface AnomalyReference {
  /** Score above which an event is anomalous (set at calibration for budgetHz of totalRateHz). */
  readonly threshold: number;
  readonly budgetHz: number;
  readonly totalRateHz: number;
  /** Calibration quantiles of each station term (drift reference), one list per station. */
  readonly stationQuantiles: readonly Quantiles[];
}

export interface AnomalyScorer {
  /** e.g. "autoencoder" or "student gbt (3 × 60 trees)", for logs and the display. */
  readonly name: string;
  readonly stations: number;
  readonly reference: AnomalyReference;
  score(hits: readonly Hits[]): AnomalyScores;
}

/** The teacher: the autoencoder's reconstruction error on the coarse images, in one batch. */
export function createAutoencoderScorer(
  net: tf.LayersModel,
  spec: ImageSpec,
  mode: ScoreMode,
  reference: AnomalyReference,
): AnomalyScorer {
  const size = imageSize(spec);
  let images = new Float32Array(0);
  return {
    name: 'autoencoder',
    stations: spec.channels,
    reference,
    score(hits) {
      const n = hits.length;
      const total = new Float64Array(n);
      const perStation = new Float64Array(n * spec.channels);
      if (n === 0) return { total, perStation };
      if (images.length < n * size) images = new Float32Array(n * size);
      const x = images.subarray(0, n * size);
      hits.forEach((h, i) => fillImage(spec, h, x, i * size));
      const y = tf.tidy(() =>
        (net.predict(tf.tensor4d(x, [n, spec.height, spec.width, spec.channels])) as tf.Tensor).dataSync(),
      );
      for (let i = 0; i < n; i++) {
        const terms = stationErrors(spec, x, y, i * size, mode);
        terms.forEach((t, k) => (perStation[i * spec.channels + k] = t));
        total[i] = combineTerms(mode, terms);
      }
      return { total, perStation };
    },
  };
}
