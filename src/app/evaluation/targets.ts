/**
 * The evaluation's targets: the primary at most `limit` × the best feature regressor (E, d) and the
 * best simple transverse estimator (X, Y), metric by metric.
 */
import {
  bestOf,
  type EnergyVertexSummary,
  type TargetCheck,
  type TransverseSummary,
} from '../../report/index.js';

/** Names of the simple transverse estimators, best-known first. */
export const SIMPLE_TRANSVERSE = [
  'robust centre ±1 cm, busiest station',
  'robust centre ±0.5 cm, busiest station',
  'weighted mean, busiest station',
] as const;
export const PREVIOUS_TRANSVERSE = 'DBSCAN + line fit (previous primary)';

const METRICS = [
  ['σ clipped', (r: { sigma: number }) => r.sigma],
  ['std', (r: { std: number }) => r.std],
  ['68 % half-width', (r: { half_width_68: number }) => r.half_width_68],
] as const;

/** Primary ≤ 0.9 × the best feature regressor (E, d) and the best simple transverse estimator (X, Y), metric by metric. */
export function targetChecks(
  ev: readonly EnergyVertexSummary[],
  tr: readonly TransverseSummary[],
  limit = 0.9,
): TargetCheck[] {
  const out: TargetCheck[] = [];
  const gbt = ev.slice(1).filter((m) => m.name.startsWith('GBT'));
  const simple = tr.filter((m) => (SIMPLE_TRANSVERSE as readonly string[]).includes(m.name));
  for (const [metric, f] of METRICS) {
    for (const [quantity, pick] of [
      ['ΔE/E', (m: EnergyVertexSummary) => m.energy],
      ['d', (m: EnergyVertexSummary) => m.d],
    ] as const) {
      out.push(
        check(
          quantity,
          metric,
          f(pick(ev[0]!)),
          bestOf(gbt, (m) => f(pick(m))),
          limit,
        ),
      );
    }
    for (const [quantity, pick] of [
      ['X', (m: TransverseSummary) => m.x],
      ['Y', (m: TransverseSummary) => m.y],
    ] as const) {
      out.push(
        check(
          quantity,
          metric,
          f(pick(tr[0]!)),
          bestOf(simple, (m) => f(pick(m))),
          limit,
        ),
      );
    }
  }
  return out;
}

/** One target: the primary's value against limit × the best reference's. */
function check(
  quantity: string,
  metric: string,
  value: number,
  best: { name: string; value: number },
  limit: number,
): TargetCheck {
  return {
    quantity,
    metric,
    value,
    reference: best.name,
    referenceValue: best.value,
    limit,
    pass: value <= limit * best.value,
  };
}
