export {
  runStream,
  injectionRun,
  minimumDetectableExcess,
  falseAlarms,
  DEFAULT_FACTOR_GRID,
  type ClassPool,
  type StreamPlan,
  type RunOutcome,
  type MdeResult,
  type FalseAlarmResult,
} from './streams.js';
export { fomMarkdown, fomPlot, type FomRow, type FomContext } from './report.js';
