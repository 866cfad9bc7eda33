export * from './clustering/index.js';
export * from './baseline/index.js';
export {
  createReconstructor,
  reconstructorConfig,
  DEFAULT_RECONSTRUCTOR,
  type EnergyVertexModel,
  type ReconstructorConfig,
} from './reconstructor.js';
export * from './cnn/index.js';
export { fitEnergyCalibration, calibrateEnergy, energyCalibrationProblem, type EnergyCalibration } from './calibration.js';
export * from './hit-cleaning/index.js';
