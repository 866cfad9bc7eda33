export { spread, binnedSpread, fitCalorimeter, calorimeterSigma, type Spread, type BinnedSpread, type CalorimeterFit } from './resolution.js';
export { scatterChart, histogramChart, ticks, escapeXml, type Series, type Curve, type ChartOptions, type HistogramSeries } from './svg.js';
export { markdownTable, formatNumber, type Cell } from './markdown.js';
export {
  summariseMethod,
  residuals,
  evaluationMarkdown,
  evaluationPlots,
  SIGMA_METHOD,
  DEFAULT_ENERGY_EDGES,
  type MethodSummary,
  type MethodValues,
  type TruthValues,
  type Resolution,
  type Residuals,
  type EvaluationReport,
} from './evaluation.js';
