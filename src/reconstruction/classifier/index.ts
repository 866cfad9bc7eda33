export {
  classifierFeatures,
  classifierFeatureNames,
  classifierFeatureCount,
  CORE_CM,
  CORE_OUTER_CM,
  HALO_CM,
} from '../classifier-features.js';
export {
  createEventClassifier,
  parseClassifierFile,
  type ClassifierFile,
  type ClassifierKind,
  type EventClassifier,
} from './model.js';
export { predictMlp, trainMlp, DEFAULT_MLP, type MlpConfig, type MlpWeights } from './mlp.js';
