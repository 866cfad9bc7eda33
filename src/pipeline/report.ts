/**
 * What the trigger's stages report per step (the live line, the summary and --plot read these),
 * and the excess metrics/log both the inline monitor and the global excess stage update.
 */
import type { ExcessAlert } from '../domain/index.js';
import type { Logger, Metrics } from '../telemetry/index.js';
import type { WindowEvaluation } from '../trigger/index.js';

/** What one acknowledged input batch produced. */
export interface BatchReport {
  readonly messages: number;
  readonly reco: number;
  readonly selected: number;
  readonly deadLetters: number;
  readonly alerts: readonly ExcessAlert[];
  /** Earlier candidates re-written with an alert id. */
  readonly reissued: number;
  /** Excess-window tests of the bins this batch closed, oldest first (rate and Z over time). */
  readonly evaluations: readonly WindowEvaluation[];
  /** Candidates the global excess stage read (its reports only). */
  readonly candidates?: number;
}

/** Alert counters, the alert log line and the significance/rate gauges: shared by the inline and the global excess. */
export function recordExcess(
  alerts: readonly ExcessAlert[],
  last: WindowEvaluation | undefined,
  windowS: number,
  m: Metrics,
  logger: Logger,
): void {
  for (const a of alerts) {
    m.excessAlerts.inc({ method: a.method });
    logger.warn('excess alert', { ...a });
  }
  if (last) {
    m.excessSignificance.set(last.z);
    m.selectedRate.set(last.observed / windowS);
  }
}
