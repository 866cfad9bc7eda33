export { anomalySample, ANOMALY_SEEDS, type AnomalySample } from './samples.js';
export {
  loadAnomalyModel,
  saveAnomalyModel,
  scoreModeOf,
  type AnomalyModel,
  type AnomalyMetadata,
  type AnomalyTrainingRecord,
} from './store.js';
export {
  runAnomalyTraining,
  recalibrateAnomalyModel,
  type AnomalyTrainingOptions,
  type CalibrationOptions,
} from './train.js';
export {
  evaluateAnomaly,
  type AnomalyEvaluation,
  type AnomalyEvaluationOptions,
  type ClassResult,
} from './evaluate.js';
export { anomalyMarkdown, anomalyPlots, type KerasReference } from './report.js';
export { measureDrift, type DriftRun, type DriftPoint } from './drift-run.js';
export {
  loadAnomalyScorer,
  onlineAnomalyStage,
  teacherScorer,
  readStudent,
  teacherFingerprint,
  STUDENT_FILE,
} from './online.js';
export { distilStudent, type StudentOptions } from './student.js';
export { selectBackend } from '../../reconstruction/index.js';
export { measureFaultDrift, DRIFT_ALERT_LIMIT, type FaultDriftRun } from './fault-drift.js';
