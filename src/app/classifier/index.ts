export {
  buildClassSamples,
  classSeed,
  trainingRows,
  type ClassSamples,
  type SampleOptions,
} from './samples.js';
export {
  trainEventClassifier,
  scoresOf,
  type ClassifierTrainingOptions,
  type ClassifierTrainingResult,
  type MethodResult,
  type Method,
} from './train.js';
export {
  classifierMarkdown,
  classifierPlots,
  classifierCard,
  featureRowsCsv,
  type ReportContext,
} from './report.js';
export {
  createEventClassifier,
  parseClassifierFile,
  reconstructorConfig,
} from '../../reconstruction/index.js';
