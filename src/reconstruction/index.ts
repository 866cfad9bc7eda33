export * from './clustering/index.js';
export * from './baseline/index.js';
export {
  createReconstructor,
  reconstructorConfig,
  DEFAULT_RECONSTRUCTOR,
  type EnergyVertexModel,
  type ReconstructorConfig,
  type ReconstructorOptions,
  type BatchPreparer,
} from './reconstructor.js';
export {
  createEventPreparer,
  mergePrepared,
  type EventPreparer,
  type ModelInputs,
  type ModelInputBuilder,
  type PreparedBatch,
  type PreparedEvent,
} from './prepare.js';
export * from './parallel/index.js';
export * from './cnn/index.js';
export {
  fitEnergyCalibration,
  calibrateEnergy,
  energyCalibrationProblem,
  type EnergyCalibration,
  type CalibrationFitOptions,
} from './calibration.js';
export * from './hit-cleaning/index.js';
export * from './classifier/index.js';
