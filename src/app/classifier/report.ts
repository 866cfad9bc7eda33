/**
 * The classifier's report (reports/classifier.md + SVGs), its model card and the feature export
 * for the Python references: text from the training's own measurements.
 */
import {
  formatNumber,
  histogramChart,
  markdownTable,
  scatterChart,
  type Series,
} from '../../report/index.js';
import type { ClassSamples } from './samples.js';
import type { ClassifierTrainingResult, MethodResult } from './train.js';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export interface ReportContext {
  readonly command: string;
  readonly rates: Readonly<Record<string, number>>;
  readonly windowS: number;
  readonly seconds: number;
}

const f3 = (v: number): string => formatNumber(v, 3);

function sampleLine(r: ClassifierTrainingResult): string {
  const s = r.samples;
  const ok = (x: ClassSamples): string =>
    x.classes.map((c, ci) => `${c} ${countOk(x, ci)}/${x.perClass[ci]}`).join(', ');
  return (
    `Training: ${s.train.perClass[0]} events per class (seed ${r.file.provenance['trainSeed']}; reconstructed: ${ok(s.train)}). ` +
    `Evaluation: ${s.eval.perClass[0]} fresh events per class (seed ${r.file.provenance['evalSeed']}; reconstructed: ${ok(s.eval)}).`
  );
}

function countOk(s: ClassSamples, ci: number): number {
  let n = 0;
  for (const i of s.okIndex) if (s.label[i] === ci) n++;
  return n;
}

export function classifierMarkdown(r: ClassifierTrainingResult, c: ReportContext): string {
  const classes = r.file.classes.filter((x) => x !== r.file.signalClass);
  const bkgWithAuc = classes.filter((x) => r.results.some((m) => m.auc[x] !== undefined));
  const lines = [
    '# Event classifier: cuts vs learned selection',
    '',
    `Made by \`${c.command}\` (${(c.seconds / 60).toFixed(1)} min on the shared 2-core machine: simulation + reconstruction ${r.seconds.simulate.toFixed(0)} s, ` +
      `boosted trees ${r.seconds.gbt.toFixed(0)} s, net ${r.seconds.mlp.toFixed(0)} s, flat variant ${r.seconds.flat.toFixed(0)} s).`,
    '',
    sampleLine(r),
    '',
    `Rates (simulation.ratesHz): ${Object.entries(c.rates)
      .map(([k, v]) => `${k} ${v} Hz`)
      .join(', ')}. Expected Z: Asimov significance ` +
      `Z = √(2((s+b)ln(1+s/b) − s)) of s = signal rate × efficiency × ${c.windowS} s (trigger.excess.windowS) over b = Σ background rate × efficiency × ${c.windowS} s; ` +
      'the classifier threshold is the one that maximises it (b floored at one event of the smallest background sample). ' +
      'Efficiencies are over all simulated events of a class (events that do not reconstruct are never selected).',
    '',
    '## Working points',
    '',
    workingPointTable(r, classes),
    '',
    'Background rate after selection (Hz) per class:',
    '',
    backgroundRateTable(r, classes, c.rates),
    '',
    '## ROC: signal vs each background (reconstructed events)',
    '',
    markdownTable(
      ['method', ...bkgWithAuc.map((x) => `AUC vs ${x}`)],
      r.results
        .filter((m) => m.method !== 'cuts')
        .map((m) => [m.method, ...bkgWithAuc.map((x) => formatNumber(m.auc[x] ?? NaN, 4))]),
    ),
    '',
    `Classes with no reconstructed event have no ROC (the status cut rejects them in every method). ` +
      'The independent references (XGBoost, scikit-learn random forest and MLP on the same exported rows) are in classifier-references.md. ' +
      "The trees' size against their AUC and cost per event: bench/results/classifier-size.md and classifier-cost.md.",
    '',
    ...bkgWithAuc.map((x) => `![ROC vs ${x}](classifier/roc_${x}.svg)`),
    '',
    ...efficiencySection(r),
  ];
  return lines.join('\n');
}

function workingPointTable(r: ClassifierTrainingResult, classes: readonly string[]): string {
  return markdownTable(
    [
      'method',
      'threshold',
      'signal eff.',
      ...classes.map((x) => `${x} eff.`),
      's / window',
      'b / window',
      'expected Z',
      'flatness σ(ε) vs E',
    ],
    r.results.map((m) => [
      m.method,
      m.method === 'cuts' ? 'cut list' : f3(m.workingPoint.threshold),
      f3(m.workingPoint.signalEfficiency),
      ...classes.map((x) => formatNumber(m.workingPoint.efficiency[x] ?? 0, 3)),
      f3(m.workingPoint.signal),
      f3(m.workingPoint.background),
      f3(m.workingPoint.z),
      f3(m.flatness),
    ]),
  );
}

function backgroundRateTable(
  r: ClassifierTrainingResult,
  classes: readonly string[],
  rates: Readonly<Record<string, number>>,
): string {
  return markdownTable(
    ['method', ...classes.map((x) => `${x} Hz`), 'total Hz'],
    r.results.map((m) => {
      const per = classes.map((x) => (m.workingPoint.efficiency[x] ?? 0) * (rates[x] ?? 0));
      return [
        m.method,
        ...per.map((v) => formatNumber(v, 4)),
        formatNumber(
          per.reduce((a, b) => a + b, 0),
          4,
        ),
      ];
    }),
  );
}

function efficiencySection(r: ClassifierTrainingResult): string[] {
  return [
    '## Signal efficiency vs true energy',
    '',
    markdownTable(
      ['E bin GeV', ...r.results.map((m) => m.method)],
      r.results[0]!.efficiencyVsE.map((b, i) => [
        `${b.lo.toFixed(1)}–${b.hi.toFixed(1)}`,
        ...r.results.map((m) => f3(m.efficiencyVsE[i]!.eff)),
      ]),
    ),
    '',
    'Flatness: the event-weighted standard deviation of the per-bin efficiency about the mean (0 = flat). ' +
      '`gbt-flat` re-trains the boosted trees twice with signal weights × (mean efficiency / bin efficiency), clipped to [0.2, 5] ' +
      '(uBoost-style reweighting); its cost is the change of expected Z against `gbt`.',
    '',
    '![efficiency vs E](classifier/efficiency_vs_e.svg)',
    '',
    '![score](classifier/score.svg)',
    '',
  ];
}

export function classifierPlots(r: ClassifierTrainingResult): Record<string, string> {
  const out: Record<string, string> = {};
  const methods = r.results.filter((m) => m.method !== 'cuts');
  const cuts = r.results.find((m) => m.method === 'cuts')!;
  for (const bkg of Object.keys(methods[0]?.roc ?? {})) {
    const series: Series[] = methods.map((m, i) => ({
      label: m.method,
      colour: COLOURS[i]!,
      points: (m.roc[bkg] ?? []).map((p) => ({ x: p.backgroundEfficiency, y: p.signalEfficiency })),
    }));
    const sel = rocPointOfCuts(r, bkg);
    if (sel !== undefined) series.push({ label: 'cuts', colour: '#000000', points: [sel] });
    out[`roc_${bkg}.svg`] = scatterChart(
      {
        title: `ROC: signal vs ${bkg} (reconstructed events)`,
        xLabel: `${bkg} efficiency`,
        yLabel: 'signal efficiency',
      },
      series,
    );
  }
  out['efficiency_vs_e.svg'] = scatterChart(
    {
      title: 'signal efficiency at the working point vs true E',
      xLabel: 'true E, GeV',
      yLabel: 'efficiency',
    },
    r.results.map((m, i) => ({
      label: m.method,
      colour: m === cuts ? '#000000' : COLOURS[i]!,
      points: m.efficiencyVsE.map((b) => ({
        x: (b.lo + b.hi) / 2,
        y: b.eff,
        err: b.n > 0 ? Math.sqrt(Math.max(b.eff * (1 - b.eff), 1 / b.n) / b.n) : 0,
      })),
    })),
  );
  const s = r.samples.eval;
  out['score.svg'] = histogramChart(
    {
      title: 'gbt signal probability by true class (reconstructed events)',
      xLabel: 'score',
      yLabel: 'events',
    },
    s.classes.map((c, ci) => ({
      label: c,
      colour: COLOURS[ci % COLOURS.length]!,
      values: Array.from(s.okIndex)
        .filter((i) => s.label[i] === ci)
        .map((i) => r.evalScores.gbt[i]!),
    })),
    0,
    1,
    50,
  );
  return out;
}

/** The cut selection as one ROC point: efficiencies among reconstructed events. */
function rocPointOfCuts(r: ClassifierTrainingResult, bkg: string): { x: number; y: number } | undefined {
  const s = r.samples.eval;
  const sig = s.classes.indexOf(r.file.signalClass as never);
  const b = s.classes.indexOf(bkg as never);
  let ns = 0;
  let ks = 0;
  let nb = 0;
  let kb = 0;
  for (const i of s.okIndex) {
    if (s.label[i] === sig) {
      ns++;
      ks += s.cutSelected[i]!;
    }
    if (s.label[i] === b) {
      nb++;
      kb += s.cutSelected[i]!;
    }
  }
  return ns > 0 && nb > 0 ? { x: kb / nb, y: ks / ns } : undefined;
}

export function classifierCard(r: ClassifierTrainingResult, command: string, seconds: number): string {
  const gbt = r.file.gbt;
  const row = (m: MethodResult): string =>
    `| ${m.method} | ${m.method === 'cuts' ? '—' : m.workingPoint.threshold.toFixed(3)} | ${m.workingPoint.signalEfficiency.toFixed(3)} | ${m.workingPoint.z.toFixed(2)} | ${Object.entries(
      m.auc,
    )
      .map(([k, v]) => `${k} ${v.toFixed(4)}`)
      .join(', ')} |`;
  return [
    '# Model card: event classifier (classifier.json)',
    '',
    'Written by `showertrig train classifier` from its own measurements.',
    '',
    `- Command: \`${command}\` (${(seconds / 60).toFixed(1)} min, shared 2-core machine).`,
    `- Task: class probabilities (${r.file.classes.join(', ')}) of a reconstructed event; the trigger's score is P(${r.file.signalClass}).`,
    `- Inputs: ${r.file.featureNames.length} features from the reconstruction (no truth): ${r.file.featureNames.join(', ')}.`,
    `- Boosted trees: softmax histogram GBT (TypeScript), ${gbt.forests[0]!.trees.length} rounds × ${gbt.classes.length} trees, seed ${r.file.provenance['gbtSeed']}, early stopping on 10 % of the training rows.`,
    r.file.gbtFlat === undefined
      ? '- Efficiency-flat trees (gbt-flat): not stored.'
      : `- Efficiency-flat trees (gbt-flat, \`trigger.selection.classifier: gbt-flat\`): the same trees re-trained twice with signal weights raised in true-energy bins of low efficiency, ${r.file.gbtFlat.forests[0]!.trees.length} rounds × ${r.file.gbtFlat.classes.length} trees.`,
    r.file.mlp === undefined
      ? '- Net: not trained.'
      : `- Net: tfjs dense ${r.file.mlp.layers.map((l) => l.out).join('→')} (ReLU, softmax), Adam, seed ${r.file.provenance['mlpSeed']}; weights stored as JSON, run online by a plain forward pass.`,
    `- ${sampleLine(r)}`,
    '',
    '| method | threshold | signal eff. | expected Z | AUC signal vs background |',
    '|---|---|---|---|---|',
    ...r.results.map(row),
    '',
  ].join('\n');
}

/** CSV of a sample's reconstructed rows: class, true energy, the features, then any score columns. */
export function featureRowsCsv(
  s: ClassSamples,
  names: readonly string[],
  scores: Readonly<Record<string, Float64Array>> = {},
): string {
  const extra = Object.keys(scores);
  const lines = [
    ['class', 'true_energy_gev', 'cut_selected', ...names, ...extra.map((k) => `score_${k}`)].join(','),
  ];
  for (let k = 0; k < s.okIndex.length; k++) {
    const i = s.okIndex[k]!;
    const row = Array.from(s.features.subarray(k * s.nFeatures, (k + 1) * s.nFeatures), (v) =>
      Number(v.toPrecision(7)),
    );
    lines.push(
      [
        s.classes[s.label[i]!],
        s.trueEnergyGeV[i]!.toPrecision(6),
        s.cutSelected[i],
        ...row,
        ...extra.map((e) => scores[e]![i]!.toPrecision(7)),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}
