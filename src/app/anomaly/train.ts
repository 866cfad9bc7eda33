/**
 * Training and rate-budget calibration of the anomaly autoencoder on ordinary simulated events.
 * The calibration sample is fresh (its own seed), never the training sample.
 */
import type { SimulationConfig } from '../../config/index.js';
import type { DetectorGeometry } from '../../domain/index.js';
import { totalRateHz } from '../../sim/index.js';
import { activeBackend } from '../../reconstruction/index.js';
import {
  buildAutoencoder,
  calibrateThreshold,
  imageSpec,
  scoreImages,
  trainAutoencoder,
  DEFAULT_AUTOENCODER,
  type AnomalyCalibration,
  type ImageSpec,
  type ScoreMode,
} from '../../anomaly/index.js';
import { anomalySample, ANOMALY_SEEDS } from './samples.js';
import { loadAnomalyModel, saveAnomalyModel, type AnomalyModel } from './store.js';

export interface AnomalyTrainingOptions {
  readonly geometry: DetectorGeometry;
  readonly simulation: SimulationConfig;
  readonly out: string;
  readonly trainEvents: number;
  readonly validationEvents: number;
  readonly calibrationEvents: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly latent: number;
  readonly budgetHz: number;
  readonly score: ScoreMode;
  readonly seed: number;
  readonly command: string;
  readonly progress?: (message: string) => void;
}

export async function runAnomalyTraining(o: AnomalyTrainingOptions): Promise<AnomalyModel> {
  const say = o.progress ?? (() => {});
  const spec = imageSpec(o.geometry);
  const t0 = performance.now();
  say(`simulating ${o.trainEvents} + ${o.validationEvents} ordinary events`);
  const train = anomalySample(
    o.geometry,
    o.simulation,
    spec,
    o.trainEvents,
    o.seed + ANOMALY_SEEDS.train,
    undefined,
    false,
  );
  const val = anomalySample(
    o.geometry,
    o.simulation,
    spec,
    o.validationEvents,
    o.seed + ANOMALY_SEEDS.validation,
    undefined,
    false,
  );
  say(`simulated in ${((performance.now() - t0) / 1000).toFixed(0)} s; training`);
  const net = buildAutoencoder(spec, { ...DEFAULT_AUTOENCODER, latent: o.latent });
  const tTrain = performance.now();
  const hist = await trainAutoencoder(net, spec, train.images, val.images, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    onEpoch: (e, loss, vl, s) =>
      say(
        `epoch ${e}/${o.epochs}: loss ${loss.toExponential(3)} val ${vl.toExponential(3)} (${s.toFixed(0)} s)`,
      ),
  });
  const seconds = (performance.now() - tTrain) / 1000;
  const meta = {
    kind: 'showertrig-anomaly-autoencoder' as const,
    spec,
    training: {
      trainEvents: o.trainEvents,
      validationEvents: o.validationEvents,
      epochs: o.epochs,
      batchSize: o.batchSize,
      learningRate: o.learningRate,
      latent: o.latent,
      seconds,
      loss: hist.loss,
      valLoss: hist.valLoss,
      backend: activeBackend(),
      command: o.command,
    },
  };
  const model: AnomalyModel = { net, meta };
  const calibrated =
    o.calibrationEvents > 0
      ? withCalibration(model, o, o.calibrationEvents, o.seed + ANOMALY_SEEDS.calibration, o.command)
      : model;
  await saveAnomalyModel(o.out, calibrated);
  return calibrated;
}

export interface CalibrationOptions {
  readonly geometry: DetectorGeometry;
  readonly simulation: SimulationConfig;
  readonly budgetHz: number;
  readonly score: ScoreMode;
  readonly progress?: (message: string) => void;
}

/** Scores `n` fresh ordinary events and stores the budget threshold in the model's metadata. */
function withCalibration(
  m: AnomalyModel,
  o: CalibrationOptions,
  n: number,
  seed: number,
  command: string,
): AnomalyModel {
  o.progress?.(`calibrating on ${n} ordinary events (seed ${seed})`);
  const sample = anomalySample(o.geometry, o.simulation, m.meta.spec, n, seed, undefined, false);
  const { score, perStation } = scoreImages(m.net, m.meta.spec, sample.images, o.score);
  const c: AnomalyCalibration = calibrateThreshold(score, o.budgetHz, totalRateHz(o.simulation, Infinity), {
    values: perStation,
    channels: m.meta.spec.channels,
  });
  return { ...m, meta: { ...m.meta, calibration: { ...c, seed, command, score: o.score } } };
}

/** Re-calibration of a stored model (new budget, new mix or a larger sample); rewrites its metadata. */
export async function recalibrateAnomalyModel(
  dir: string,
  o: CalibrationOptions & { events: number; seed: number; command: string },
): Promise<AnomalyModel> {
  const m = await loadAnomalyModel(dir);
  const c = withCalibration(m, o, o.events, o.seed, o.command);
  await saveAnomalyModel(dir, c);
  return c;
}

export type { ImageSpec };
