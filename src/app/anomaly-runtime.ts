/**
 * The anomaly path of a trigger runtime (anomaly.enabled): the configured scorer (student or
 * teacher) loaded once, its metrics on the service's registry, and one anomaly stage per pipeline
 * (each with its own window monitor; the served pipeline's feeds the metrics and the display).
 */
import type { ShowertrigConfig } from '../config/index.js';
import type { AnomalyStage } from '../pipeline/index.js';
import { createAnomalyMetrics } from '../telemetry/index.js';
import type { DisplayHub } from '../display/index.js';
import type { Metrics } from '../telemetry/index.js';

export interface OnlineAnomaly {
  readonly scorer: import('../anomaly/index.js').AnomalyScorer;
  readonly metrics: import('../telemetry/index.js').AnomalyMetrics;
  /** A new stage (its own window monitor) for one pipeline; metrics only for the served one. */
  stage(metrics?: import('../telemetry/index.js').AnomalyMetrics): AnomalyStage;
}

/** The anomaly path when anomaly.enabled: the configured scorer, its metrics on the service's registry. */
export async function loadOnlineAnomaly(
  cfg: ShowertrigConfig,
  service: { readonly metrics: Metrics; readonly display: DisplayHub },
): Promise<OnlineAnomaly | undefined> {
  if (!cfg.anomaly.enabled) return undefined;
  const app = await import('./anomaly/index.js');
  const scorer = await app.loadAnomalyScorer(cfg.anomaly);
  const metrics = createAnomalyMetrics(service.metrics.registry);
  return {
    scorer,
    metrics,
    stage: (m) =>
      app.onlineAnomalyStage(
        scorer,
        cfg.anomaly,
        m,
        m === undefined
          ? undefined
          : (st) =>
              service.display.anomaly({
                tS: st.tS,
                rateHz: st.rateHz,
                budgetHz: scorer.reference.budgetHz,
                drift: st.drift.perStation,
              }),
      ),
  };
}
