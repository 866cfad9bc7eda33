export {
  spread,
  binnedSpread,
  fitCalorimeter,
  calorimeterSigma,
  type Spread,
  type BinnedSpread,
  type CalorimeterFit,
} from './resolution.js';
export {
  scatterChart,
  histogramChart,
  ticks,
  escapeXml,
  type Series,
  type Curve,
  type ChartOptions,
  type HistogramSeries,
} from './svg.js';
export { markdownTable, formatNumber, type Cell } from './markdown.js';
export {
  summariseEnergyVertex,
  summariseTransverse,
  efficiencyByBin,
  resolution,
  bestOf,
  SIGMA_METHOD,
  DEFAULT_ENERGY_EDGES,
  DEFAULT_D_EDGES,
  type Resolution,
  type EnergyBin,
  type EnergyVertexSummary,
  type EnergyVertexValues,
  type TransverseSummary,
  type EfficiencyBin,
} from './evaluation.js';
export {
  evaluationMarkdown,
  evaluationPlots,
  type EvaluationReport,
  type TargetCheck,
  type NamedResiduals,
} from './evaluation-report.js';
