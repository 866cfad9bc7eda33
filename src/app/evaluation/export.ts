/**
 * CSV rows for the independent scikit-learn reference (scripts/sklearn_reference.py): the same
 * feature rows (the rich set: its first 18 columns are the 12 moments and 6 signal sums) and truth
 * the TypeScript baselines were trained, calibrated and scored on, and the
 * primary's predictions on the scored events. Pure text; the command writes the files.
 */
import type { FeatureSample } from './baselines.js';

export function featureCsv(
  s: FeatureSample,
  extra: Readonly<Record<string, ArrayLike<number>>> = {},
): string {
  const names = [
    ...Array.from({ length: s.rich.p }, (_, j) => `f${j}`),
    'energy_gev',
    'd_cm',
    ...Object.keys(extra),
  ];
  const lines = [names.join(',')];
  for (let i = 0; i < s.rich.n; i++) {
    const row: number[] = [];
    for (let j = 0; j < s.rich.p; j++) row.push(s.rich.x[i * s.rich.p + j]!);
    row.push(s.energyGeV[i]!, s.dCm[i]!);
    for (const v of Object.values(extra)) row.push(v[i]!);
    lines.push(row.map((v) => (Number.isInteger(v) ? String(v) : v.toPrecision(9))).join(','));
  }
  return lines.join('\n') + '\n';
}
