export {
  runStream,
  injectionRun,
  minimumDetectableExcess,
  falseAlarms,
  DEFAULT_FACTOR_GRID,
  DEFAULT_MDE_SCAN,
  type MdeScan,
  type ClassPool,
  type StreamPlan,
  type RunOutcome,
  type MdeResult,
  type FalseAlarmResult,
} from './streams.js';
export { fomMarkdown, fomPlot, type FomRow, type FomContext } from './report.js';
export { clopperPearson, goalCrossing, isotonic, type Crossing, type ScanPoint } from './crossing.js';
