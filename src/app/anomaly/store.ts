/**
 * The anomaly model directory: the autoencoder in tfjs layers format (model.json + weights.bin)
 * with its image spec, training record and rate-budget calibration in model.json's
 * userDefinedMetadata, so the threshold always travels with the net it belongs to.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../../domain/index.js';
import { modelDirectory } from '../../io/index.js';
import type { AnomalyCalibration, ImageSpec, ScoreMode } from '../../anomaly/index.js';

export interface AnomalyTrainingRecord {
  readonly trainEvents: number;
  readonly validationEvents: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly latent: number;
  readonly seconds: number;
  readonly loss: readonly number[];
  readonly valLoss: readonly number[];
  readonly backend: string;
  readonly command: string;
}

export interface AnomalyMetadata {
  readonly kind: 'showertrig-anomaly-autoencoder';
  readonly spec: ImageSpec;
  readonly training: AnomalyTrainingRecord;
  /** The threshold belongs to the score it was calibrated on (score mode included). */
  readonly calibration?: AnomalyCalibration & {
    readonly seed: number;
    readonly command: string;
    readonly score?: ScoreMode;
  };
}

export interface AnomalyModel {
  readonly net: tf.LayersModel;
  readonly meta: AnomalyMetadata;
}

export async function saveAnomalyModel(dir: string, m: AnomalyModel): Promise<void> {
  m.net.setUserDefinedMetadata(m.meta as unknown as object);
  await m.net.save(modelDirectory(dir));
}

export async function loadAnomalyModel(dir: string): Promise<AnomalyModel> {
  const net = await tf.loadLayersModel(modelDirectory(dir));
  const meta = net.getUserDefinedMetadata() as AnomalyMetadata | undefined;
  if (meta?.kind !== 'showertrig-anomaly-autoencoder')
    throw new ModelError(`${dir}: not an anomaly autoencoder (no showertrig-anomaly-autoencoder metadata)`);
  return { net, meta };
}

/** The score mode of a calibrated model (plain MSE for models calibrated before modes existed). */
export const scoreModeOf = (m: AnomalyModel): ScoreMode => m.meta.calibration?.score ?? { kind: 'mse' };
