export {
  createLogger,
  defaultLogFormat,
  humanLine,
  silentLogger,
  type LogFormat,
  type Logger,
  type LogLevel,
} from './logger.js';
export {
  createMetrics,
  METRIC_NAMES,
  METRIC_PREFIX,
  type Metrics,
  type MetricsOptions,
  type ComponentMetrics,
} from './metrics.js';
export { createExcessMetrics, type ExcessMetrics } from './excess-metrics.js';
export { createAnomalyMetrics, ANOMALY_METRIC_NAMES, type AnomalyMetrics } from './anomaly-metrics.js';
export { createLogThrottle, type LogThrottle } from './log-throttle.js';
export {
  createMetricsServer,
  MetricsPortError,
  type MetricsServer,
  type MetricsServerConfig,
} from './server.js';
export { Registry } from 'prom-client';
