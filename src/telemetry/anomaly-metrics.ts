/**
 * Metrics of the online anomaly path (registered only when anomaly.enabled). Same registry
 * injection and naming rules as metrics.ts. Rates and drift are over the monitor's window of
 * event time; the alert rules (config/prometheus) compare them with the budget and a fixed
 * drift limit.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRIC_PREFIX } from './metrics.js';

/** Metric names (after METRIC_PREFIX) the alert rules and the display rely on. */
export const ANOMALY_METRIC_NAMES = [
  'anomaly_score',
  'anomalous_events_total',
  'anomaly_rate_hz',
  'anomaly_budget_hz',
  'anomaly_threshold',
  'anomaly_score_drift',
  'anomaly_drift_critical',
  'anomaly_scoring_seconds',
] as const;

export interface AnomalyMetrics {
  /** The anomaly score of every scored event. */
  readonly score: Histogram;
  /** Events over the threshold. */
  readonly anomalous: Counter;
  /** Events over the threshold per second of event time, in the last window. */
  readonly rateHz: Gauge;
  /** The rate budget the threshold was calibrated for, Hz. */
  readonly budgetHz: Gauge;
  readonly threshold: Gauge;
  /** KS distance of each station's score terms in the window to the calibration reference. */
  readonly drift: Gauge<'station'>;
  /** KS critical distance at the window's event count (α = 0.001). */
  readonly driftCritical: Gauge;
  /** Wall time of one scoring call (per batch). */
  readonly scoringSeconds: Histogram;
}

export function createAnomalyMetrics(registry: Registry): AnomalyMetrics {
  const registers = [registry];
  const p = METRIC_PREFIX;
  return {
    score: new Histogram({
      name: `${p}anomaly_score`,
      help: 'Anomaly score of each scored event (compare with showertrig_anomaly_threshold)',
      buckets: [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1, 2, 5],
      registers,
    }),
    anomalous: new Counter({
      name: `${p}anomalous_events_total`,
      help: 'Events over the anomaly threshold (written to tt.anomalies)',
      registers,
    }),
    rateHz: new Gauge({
      name: `${p}anomaly_rate_hz`,
      help: 'Events over the anomaly threshold per second of event time in the monitor window',
      registers,
    }),
    budgetHz: new Gauge({
      name: `${p}anomaly_budget_hz`,
      help: 'Rate of ordinary events over the threshold the model was calibrated for, Hz',
      registers,
    }),
    threshold: new Gauge({
      name: `${p}anomaly_threshold`,
      help: 'Anomaly score threshold in force',
      registers,
    }),
    drift: new Gauge({
      name: `${p}anomaly_score_drift`,
      help: 'KS distance of the station anomaly terms in the monitor window to the calibration reference',
      labelNames: ['station'],
      registers,
    }),
    driftCritical: new Gauge({
      name: `${p}anomaly_drift_critical`,
      help: 'KS critical distance (alpha 0.001) at the number of events in the monitor window',
      registers,
    }),
    scoringSeconds: new Histogram({
      name: `${p}anomaly_scoring_seconds`,
      help: 'Wall time of one anomaly scoring call (per batch)',
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers,
    }),
  };
}
