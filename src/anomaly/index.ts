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
export {
  createAutoencoderScorer,
  type AnomalyScorer,
  type AnomalyScores,
  type AnomalyReference,
} from './scorer.js';
export {
  createStudentScorer,
  trainStudent,
  predictStudent,
  studentFeatures,
  studentFeatureMatrix,
  featureScratch,
  STUDENT_FEATURES_PER_STATION,
  type StudentModel,
  type StudentScores,
} from './student.js';
export { fitNovelty, noveltyScore, type NoveltyModel } from './novelty.js';
export {
  LiveAnomalyMonitor,
  DEFAULT_LIVE_ANOMALY,
  type LiveAnomalyOptions,
  type LiveAnomalyState,
} from './live.js';
