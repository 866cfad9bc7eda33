/** The anomaly path: coarse station images, the autoencoder teacher, the rate-budget threshold and ROC measures. */
export {
  imageSpec,
  imageSize,
  fillImage,
  stationErrors,
  compositeTests,
  compositeTerms,
  COMPOSITE_TESTS,
  MSE,
  combineTerms,
  type ScoreMode,
  DEFAULT_BIN_PX,
  DEFAULT_ADC_PER_MIP,
  type ImageSpec,
} from './image.js';
export {
  buildAutoencoder,
  trainAutoencoder,
  scoreImages,
  DEFAULT_AUTOENCODER,
  type AutoencoderOptions,
  type TrainOptions,
  type Scores,
} from './autoencoder.js';
export {
  calibrateThreshold,
  fitCompositeScale,
  wilson,
  REFERENCE_QUANTILES,
  type AnomalyCalibration,
} from './calibration.js';
export { auc, passFraction, rocCurve } from './roc.js';
export {
  DriftMonitor,
  ksDistance,
  DEFAULT_DRIFT,
  type DriftOptions,
  type DriftState,
  type Quantiles,
} from './drift.js';
