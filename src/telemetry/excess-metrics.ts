/**
 * Metrics of the global excess stage (beside excess_significance, selected_rate and
 * excess_alerts_total, which it sets on the common Metrics). Same registry injection and naming
 * rules as metrics.ts.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRIC_PREFIX } from './metrics.js';

export interface ExcessMetrics {
  /** Candidate messages read from tt.candidates (all partitions). */
  readonly candidates: Counter;
  /** Redelivered candidates (event id already counted): not counted again. */
  readonly duplicates: Counter;
  /** Selected candidates older than the oldest open bin: not counted. */
  readonly late: Counter;
  /** Event time the watermark reached, seconds since the epoch. */
  readonly watermarkSeconds: Gauge;
  /** Partitions currently not holding the watermark back (silent, nothing pending upstream). */
  readonly idlePartitions: Gauge;
  /** 1 while this instance holds the candidates partitions (the active one), 0 on standby. */
  readonly active: Gauge;
}

export function createExcessMetrics(registry: Registry): ExcessMetrics {
  const registers = [registry];
  const p = METRIC_PREFIX;
  return {
    candidates: new Counter({
      name: `${p}excess_candidates_total`,
      help: 'Candidates read by the excess stage',
      registers,
    }),
    duplicates: new Counter({
      name: `${p}excess_duplicates_total`,
      help: 'Redelivered candidates the excess stage did not count again',
      registers,
    }),
    late: new Counter({
      name: `${p}excess_late_events_total`,
      help: 'Selected candidates that arrived after their excess bin closed (not counted)',
      registers,
    }),
    watermarkSeconds: new Gauge({
      name: `${p}excess_watermark_seconds`,
      help: 'Event time up to which the excess stage has closed its bins, seconds since the epoch',
      registers,
    }),
    idlePartitions: new Gauge({
      name: `${p}excess_idle_partitions`,
      help: 'Candidates partitions not holding the excess watermark back',
      registers,
    }),
    active: new Gauge({
      name: `${p}excess_active`,
      help: '1 if this instance is the active excess stage, 0 on standby',
      registers,
    }),
  };
}
