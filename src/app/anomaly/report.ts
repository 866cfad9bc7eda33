/** reports/anomaly.md and its SVG plots from an evaluation (strings only; the command writes them). */
import { histogramChart, markdownTable, scatterChart, type Series } from '../../report/index.js';
import type { AnomalyEvaluation, ClassResult } from './evaluate.js';
import type { AnomalyMetadata } from './store.js';
import type { ScoreMode } from '../../anomaly/index.js';

/** Keras reference output (scripts/anomaly_keras_reference.py): AUC and efficiency at the same pass fraction per class. */
export interface KerasReference {
  readonly auc: Record<string, number>;
  readonly efficiency: Record<string, number>;
  readonly trainSeconds: number;
  readonly epochs: number;
  /** The same trained net scored with the model's own (composite) score, when run (`--load`). */
  readonly composite?: { readonly auc: Record<string, number>; readonly efficiency: Record<string, number> };
}

const pct = (v: number): string => `${(100 * v).toFixed(1)} %`;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#7f7f7f'];

/** A class reaches the goal: ≥ 50 % at the budget where the cut path gets < 10 % (faults: what the fault adds). */
const meetsGoal = (c: ClassResult): boolean =>
  (c.aeAdded ?? c.aeEfficiency) >= 0.5 && (c.cutAdded ?? c.cutEfficiency) < 0.1;

const kerasCells = (auc: Record<string, number> | undefined, name: string, ours: number): string[] =>
  auc === undefined
    ? []
    : [auc[name]?.toFixed(3) ?? '–', auc[name] === undefined ? '–' : (ours - auc[name]!).toFixed(3)];

function classRow(c: ClassResult, keras?: KerasReference): (string | number)[] {
  return [
    c.name,
    c.n,
    `${pct(c.aeEfficiency)} [${pct(c.aeEfficiencyCi95[0])}, ${pct(c.aeEfficiencyCi95[1])}]`,
    c.aeAuc.toFixed(3),
    ...kerasCells(keras?.composite?.auc, c.name, c.aeAuc),
    c.aeAucMse.toFixed(3),
    ...kerasCells(keras?.auc, c.name, c.aeAucMse),
    pct(c.cutEfficiency),
    c.cutAuc.toFixed(3),
    c.clfEfficiency === undefined ? '–' : pct(c.clfEfficiency),
    c.clfAuc?.toFixed(3) ?? '–',
    c.aeAdded === undefined
      ? '–'
      : `${pct(c.aeAdded)} / ${pct(c.cutAdded!)} / ${c.clfAdded === undefined ? '–' : pct(c.clfAdded)}`,
    `${c.dominantStation} (${pct(c.dominantFraction)})`,
    meetsGoal(c) ? 'yes' : 'no',
  ];
}

const classHeader = (keras?: KerasReference): string[] => [
  'class',
  'events',
  'autoencoder efficiency at the budget [95 % CI]',
  'AE AUC',
  ...(keras?.composite === undefined ? [] : ['Keras AUC (same score)', 'tfjs − Keras']),
  'AE AUC (plain MSE)',
  ...(keras === undefined ? [] : ['Keras AUC (plain MSE)', 'tfjs − Keras']),
  'cut-path efficiency',
  'cut-path AUC',
  'classifier-path efficiency',
  'classifier-path AUC',
  'faults: added by the fault, AE / cuts / classifier',
  'dominant station',
  'AE ≥ 50 % and cuts < 10 %',
];

export function anomalyMarkdown(
  ev: AnomalyEvaluation,
  meta: AnomalyMetadata,
  command: string,
  keras?: KerasReference,
): string {
  const cal = meta.calibration!;
  const t = meta.training;
  const rows = ev.classes.map((c) => classRow(c, keras));
  const goal = ev.classes.filter(meetsGoal).length;
  const header = classHeader(keras);
  const lines = [
    '# Anomaly path: autoencoder vs the cut and classifier paths on exotic signatures',
    '',
    `Command: \`${command}\``,
    '',
    `Teacher: convolutional autoencoder on ${meta.spec.binsX} × ${meta.spec.binsY} bins per station (${meta.spec.binPx} px = ${(meta.spec.binPx * 0.05).toFixed(1)} cm), ` +
      `3 stations as channels, ln(1 + ΣADC/${meta.spec.adcPerMip}); latent ${t.latent}. Trained on ${t.trainEvents} ordinary events ` +
      `(+${t.validationEvents} validation), ${t.epochs} epochs, batch ${t.batchSize}, lr ${t.learningRate}, ${t.seconds.toFixed(0)} s on ${t.backend}; ` +
      `final loss ${t.loss.at(-1)?.toExponential(3)} / val ${t.valLoss.at(-1)?.toExponential(3)}.`,
    '',
    '## Rate budget',
    '',
    markdownTable(['quantity', 'value'], budgetRows(ev, cal)),
    '',
    '## Per exotic class',
    '',
    'Efficiency = fraction of the class over the threshold; AUC against the same fresh ordinary events. The cut path and the ' +
      'classifier path (trigger.selection.mode cuts / classifier at its working point) are yes/no decisions (reconstruction + ' +
      'selection): one ROC point each, AUC = (1 + TPR − FPR)/2. Faults are applied to ordinary events of the mix, ' +
      'so their raw efficiencies include what the same events pass anyway; "added by the fault" counts events flagged with the fault ' +
      'that the same event without it would not have flagged, and is what the goal column uses for faults.',
    '',
    markdownTable(header, rows),
    '',
    `Goal (≥ 50 % at the budget where the cut path gets < 10 %): met on **${goal}** of ${ev.classes.length} classes.`,
    '',
    '![ROC](anomaly-roc.svg)',
    '',
    '![scores](anomaly-scores.svg)',
    '',
  ];
  return lines.join('\n');
}

function budgetRows(ev: AnomalyEvaluation, cal: NonNullable<AnomalyMetadata['calibration']>): string[][] {
  return [
    [
      'budget',
      `${cal.budgetHz} Hz of ${cal.totalRateHz} Hz ordinary (pass fraction ${(100 * cal.passFraction).toFixed(3)} %)`,
    ],
    [
      'threshold (score)',
      `${cal.threshold.toExponential(4)} (95 % range over calibration samples ${cal.thresholdCi95[0].toExponential(3)} – ${cal.thresholdCi95[1].toExponential(3)})`,
    ],
    [
      'calibration sample',
      `${cal.n} ordinary events (seed ${cal.seed}), ${cal.above} above; rate 95 % CI ${cal.rateCi95Hz[0].toFixed(2)} – ${cal.rateCi95Hz[1].toFixed(2)} Hz`,
    ],
    [
      'check on fresh ordinary events',
      `${ev.background.n} events: ${pct(ev.background.aePass)} pass [${pct(ev.background.aePassCi95[0])}, ${pct(ev.background.aePassCi95[1])}] = ${ev.background.aeRateHz.toFixed(2)} Hz`,
    ],
    [
      'cut path on the same ordinary events',
      `${pct(ev.background.cutPass)} selected = ${ev.background.cutRateHz.toFixed(2)} Hz (mostly the signal class itself)`,
    ],
    [
      'classifier path on the same ordinary events',
      ev.background.clfPass === undefined
        ? 'not measured (no classifier.json)'
        : `${pct(ev.background.clfPass)} selected = ${ev.background.clfRateHz!.toFixed(2)} Hz`,
    ],
    ['score', scoreText(cal.score)],
    [
      'teacher speed (scoring only)',
      `${ev.scoresPerSecond.toFixed(0)} events/s (batches of 256, image building excluded)`,
    ],
  ];
}

function scoreText(m: ScoreMode | undefined): string {
  if (m === undefined || m.kind === 'mse') return `mse, ${m?.combine ?? 'mean'} over stations`;
  if (m.kind === 'relative') return `relative, ε = ${m.epsilon}, ${m.combine ?? 'mean'} over stations`;
  const sc = m.scale?.map((v) => v.toExponential(3)).join(', ') ?? 'unscaled';
  return (
    `composite: per station max of relative error (ε = ${m.epsilon}) / occupancy (fraction of bins with |x − y| > ${m.level}) / ` +
    `peak bin error, each over its value at a third of the budget on the calibration sample (scales ${sc}); max over stations`
  );
}

export function anomalyPlots(ev: AnomalyEvaluation): Record<string, string> {
  const series: Series[] = ev.classes.map((c, i) => ({
    label: c.name,
    colour: COLOURS[i % COLOURS.length]!,
    points: c.roc.bkg.map((b, j) => ({ x: Math.log10(Math.max(b, 1e-5)), y: c.roc.sig[j]! })),
  }));
  const budget = ev.budgetHz / ev.totalRateHz;
  const roc = scatterChart(
    {
      title: `ROC of the autoencoder per exotic class (budget at log10 = ${Math.log10(budget).toFixed(2)})`,
      xLabel: 'log10 ordinary pass fraction',
      yLabel: 'exotic efficiency',
    },
    series,
  );
  const log = (v: Float64Array): Float64Array => v.map((x) => Math.log10(Math.max(x, 1e-7)));
  const hist = histogramChart(
    {
      title: `Anomaly score (threshold log10 = ${Math.log10(ev.threshold).toFixed(2)})`,
      xLabel: 'log10 score',
      yLabel: 'events',
    },
    [
      { label: 'ordinary', colour: '#000000', values: log(ev.backgroundScores) },
      ...ev.classes.map((c, i) => ({
        label: c.name,
        colour: COLOURS[i % COLOURS.length]!,
        values: log(ev.classScores[c.name]!),
      })),
    ],
    Math.floor(Math.log10(ev.threshold)) - 3,
    Math.ceil(Math.log10(ev.threshold)) + 2,
    60,
  );
  return { 'anomaly-roc.svg': roc, 'anomaly-scores.svg': hist };
}
