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
  combineTerms,
  compositeTerms,
  COMPOSITE_TESTS,
  fitCompositeScale,
  imageSpec,
  scoreImages,
  trainAutoencoder,
  DEFAULT_AUTOENCODER,
  type AnomalyCalibration,
  type ImageSpec,
  type Scores,
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
  const total = totalRateHz(o.simulation, Infinity);
  const first = scoreImages(m.net, m.meta.spec, sample.images, o.score);
  const { mode, score, perStation } = scaled(first, o.score, m.meta.spec.channels, o.budgetHz / total);
  const c: AnomalyCalibration = calibrateThreshold(score, o.budgetHz, total, {
    values: perStation,
    channels: m.meta.spec.channels,
  });
  return { ...m, meta: { ...m.meta, calibration: { ...c, seed, command, score: mode } } };
}

/** A composite score gets its test scales from the calibration sample; other modes pass through. */
function scaled(
  s: Scores,
  mode: ScoreMode,
  channels: number,
  passFraction: number,
): { mode: ScoreMode; score: Float64Array; perStation: Float64Array } {
  if (mode.kind !== 'composite' || s.tests === undefined) return { mode, ...s };
  const m = { ...mode, scale: fitCompositeScale(s.tests, channels, passFraction, COMPOSITE_TESTS) };
  const n = s.score.length;
  const perStation = new Float64Array(n * channels);
  const score = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const terms = compositeTerms(m, s.tests, i * channels * COMPOSITE_TESTS, channels);
    perStation.set(terms, i * channels);
    score[i] = combineTerms(m, terms);
  }
  return { mode: m, score, perStation };
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
