export {
  momentFeatures,
  featureNames,
  DEFAULT_MOMENT_FEATURES,
  FEATURES_PER_STATION,
  type MomentFeatureConfig,
} from './features.js';
export { fitRidge, predictLinear, solveSpd, type LinearModel } from './regression.js';
export {
  trainBaseline,
  trainBaselineStream,
  createBaselineModel,
  parseBaselineCoefficients,
  DEFAULT_BASELINE_TRAINING,
  type BaselineCoefficients,
  type BaselineTrainingConfig,
  type EnergyTarget,
} from './model.js';
export { featuresOf, featureCount, featureSetNames, FEATURE_SETS, type FeatureSet } from './features.js';
export { trainGbt, predictGbt, DEFAULT_GBT, type GbtConfig, type GbtModel, type GbtTree } from './gbt.js';
export {
  trainBoosted,
  predictBoosted,
  createBoostedModel,
  featureMatrix,
  type BoostedCoefficients,
  type FeatureMatrix,
} from './boosted.js';
export {
  trainSoftmaxGbt,
  predictSoftmaxGbt,
  softmaxInPlace,
  DEFAULT_SOFTMAX_GBT,
  type SoftmaxGbtConfig,
  type SoftmaxGbtModel,
} from './gbt-softmax.js';
export {
  richFeatures,
  richFeatureCount,
  richFeatureNames,
  RING_EDGES_CM,
  RICH_PER_STATION,
} from './rich-features.js';
