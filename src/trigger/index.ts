export {
  logGamma,
  logPoissonPmf,
  logGammaP,
  logGammaQ,
  logPoissonUpperTail,
  poissonUpperTail,
} from './gamma.js';
export { logNormalUpperTail, normalUpperTail, zFromLogP, zFromP } from './normal.js';
export { createSelector, type Selector, type SelectorConfig, type CutOutcome } from './selection.js';
export {
  createExcessCore,
  evaluateExcess,
  binsOf,
  type ExcessCore,
  type BinResult,
  type WindowEvaluation,
} from './excess-core.js';
export {
  createExcessMonitor,
  type ExcessMonitor,
  type ExcessMonitorOptions,
  type ExcessUpdate,
  type ProcessOptions,
} from './excess-monitor.js';
export {
  asimovZ,
  roc,
  auc,
  bestWorkingPoint,
  workingPointAt,
  efficiencyFlatness,
  type RocPoint,
  type ScoredClass,
  type WorkingPoint,
} from './significance.js';
