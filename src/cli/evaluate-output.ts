/**
 * What `showertrig evaluate` writes and prints: evaluation.json/md and the plots, the robustness
 * table, the feature rows for the scikit-learn reference, and the summary on stdout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { featureCsv, type EvaluationOutcome } from '../app/index.js';
import {
  evaluationMarkdown,
  evaluationPlots,
  markdownTable,
  type EnergyVertexSummary,
  type EvaluationReport,
} from '../report/index.js';

export interface RobustnessRow {
  name: string;
  outcome: EvaluationOutcome;
  note?: string;
}

/** DIR/evaluation.json, evaluation.md, the SVG plots and, with robustness rows, robustness.md/json. */
export function writeEvaluationReports(
  dir: string,
  result: object,
  report: EvaluationReport,
  residuals: EvaluationOutcome['residuals'],
  robustness: readonly RobustnessRow[],
  robustnessMd: () => string,
): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'evaluation.json'), JSON.stringify(result, null, 2) + '\n');
  writeFileSync(join(dir, 'evaluation.md'), evaluationMarkdown(report));
  for (const [name, svg] of Object.entries(evaluationPlots(report, residuals)))
    writeFileSync(join(dir, name), svg);
  if (robustness.length === 0) return;
  writeFileSync(join(dir, 'robustness.md'), robustnessMd());
  writeFileSync(
    join(dir, 'robustness.json'),
    JSON.stringify(
      robustness.map((r) => ({
        variant: r.name,
        events_ok: r.outcome.eventsOk,
        energy_vertex: r.outcome.energyVertex.slice(0, 2),
        transverse: r.outcome.transverse.slice(0, 2),
      })),
      null,
      2,
    ) + '\n',
  );
}

/** DIR/train.csv, calibration.csv, test.csv: the baselines' feature rows and truth, and the CNN's predictions. */
export function writeFeatureExport(dir: string, outcome: EvaluationOutcome): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train.csv'), featureCsv(outcome.baselines.train));
  writeFileSync(join(dir, 'calibration.csv'), featureCsv(outcome.calibrationSample));
  writeFileSync(
    join(dir, 'test.csv'),
    featureCsv(outcome.test, {
      cnn_energy_gev: outcome.test.primaryEnergyGeV,
      cnn_d_cm: outcome.test.primaryDCm,
    }),
  );
}

export function humanSummary(o: EvaluationOutcome, floor: readonly EnergyVertexSummary[] = []): string {
  const lines = [
    `evaluated ${o.report.efficiency.reduce((a, b) => a + b.n, 0)} signal events (${o.eventsOk} ok), ${o.eventsPerSecond.toFixed(0)} events/s`,
  ];
  for (const m of [...o.energyVertex, ...floor])
    lines.push(
      `${m.name.padEnd(34)} σ(ΔE/E) ${m.energy.sigma.toFixed(4)} (std ${m.energy.std.toFixed(4)}, 68 % ${m.energy.half_width_68.toFixed(4)})  σ(d) ${m.d.sigma.toFixed(4)} cm (std ${m.d.std.toFixed(4)}, 68 % ${m.d.half_width_68.toFixed(4)})`,
    );
  for (const m of o.transverse)
    lines.push(
      `${m.name.padEnd(50)} σ(X) ${m.x.sigma.toFixed(4)} cm (std ${m.x.std.toFixed(4)})  σ(Y) ${m.y.sigma.toFixed(4)} cm (std ${m.y.std.toFixed(4)})`,
    );
  for (const t of o.report.targets)
    lines.push(
      `target ${t.quantity} ${t.metric}: ${t.value.toFixed(4)} / ${t.referenceValue.toFixed(4)} (${t.reference}) = ${(t.value / t.referenceValue).toFixed(3)} ${t.pass ? 'met' : 'NOT met'}`,
    );
  return lines.join('\n') + '\n';
}

export function robustnessMarkdown(
  rows: readonly RobustnessRow[],
  n: number,
  seed: number,
  command: string,
): string {
  const table = markdownTable(
    [
      'variant',
      'ok',
      'σ(ΔE/E)',
      'std',
      'bias ΔE/E',
      'σ(d) cm',
      'bias d cm',
      'σ(X) cm',
      'std X',
      'bias X cm',
      'σ(Y) cm',
      'GBT σ(ΔE/E)',
      'GBT bias ΔE/E',
    ],
    rows.map(({ name, outcome }) => {
      const [c, b] = outcome.energyVertex;
      const t = outcome.transverse[0]!;
      return [
        name,
        outcome.eventsOk,
        c!.energy.sigma,
        c!.energy.std,
        c!.energy.mean,
        c!.d.sigma,
        c!.d.mean,
        t.x.sigma,
        t.x.std,
        t.x.mean,
        t.y.sigma,
        b!.energy.sigma,
        b!.energy.mean,
      ];
    }),
  );
  return [
    '# Robustness: the default model under a mis-modelled detector (no retraining)',
    '',
    `- command: \`${command}\`; ${n} fresh signal events per variant (seed ${seed}); the baselines are those of the nominal evaluation (trained on the nominal simulation).`,
    '- σ is the 3σ-clipped σ; bias is the plain mean of the residual. GBT = gradient-boosted trees on the rich features (rings, thresholds, core widths, station ratios).',
    ...rows.flatMap((r) => (r.note === undefined ? [] : [`- ${r.name}: ${r.note}.`])),
    '',
    table,
  ].join('\n');
}
