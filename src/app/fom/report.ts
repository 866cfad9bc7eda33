/** The figure-of-merit report (reports/fom.md) and its plot: text from the measured runs only. */
import type { ExcessConfig } from '../../config/index.js';
import { formatNumber, markdownTable, scatterChart } from '../../report/index.js';
import type { FalseAlarmResult, MdeResult } from './streams.js';

export interface FomRow {
  readonly name: string;
  readonly mde: MdeResult;
  readonly falseAlarms: FalseAlarmResult;
  /** Selected rate per class at nominal rates, Hz. */
  readonly selectedHz: Readonly<Record<string, number>>;
}

export interface FomContext {
  readonly command: string;
  readonly events: number;
  readonly seed: number;
  readonly runs: number;
  readonly goal: number;
  readonly injectionS: number;
  readonly threshold: number;
  readonly rates: Readonly<Record<string, number>>;
  readonly excess: ExcessConfig;
  readonly minutes: number;
}

const COLOURS = ['#000000', '#1f77b4', '#2ca02c', '#d62728'];

export function fomMarkdown(rows: readonly FomRow[], c: FomContext): string {
  const classes = Object.keys(rows[0]?.selectedHz ?? {});
  const cuts = rows.find((r) => r.name === 'cuts');
  const clf = rows.find((r) => r.name === 'classifier');
  const ratio =
    cuts?.mde.factor !== undefined && clf?.mde.factor !== undefined
      ? clf.mde.factor / cuts.mde.factor
      : undefined;
  const e = c.excess;
  return [
    "# The trigger's figure of merit: minimum detectable excess and false alarms",
    '',
    `Made by \`${c.command}\` (${c.minutes.toFixed(1)} min on the shared 2-core machine).`,
    '',
    `Pools: ${c.events} simulated events per class (seed ${c.seed}), reconstructed by the shipped CNN + DBSCAN; each stream arrival draws one of them. ` +
      `Streams: Poisson arrivals at simulation.ratesHz (${Object.entries(c.rates)
        .map(([k, v]) => `${k} ${v} Hz`)
        .join(', ')}); the signal rate is multiplied by the factor for ${c.injectionS} s ` +
      `starting at ${e.trailingWindowS + e.windowS + 10} s (after one trailing background window); selected candidates go, in one-second batches, through the real excess stage ` +
      `(window ${e.windowS} s, step ${e.stepS} s, trailing background ${e.trailingWindowS} s${e.backgroundRateHz == null ? ' estimated from the stream' : `, fixed background ${e.backgroundRateHz} Hz`}, Z ≥ ${e.zThreshold}, CUSUM k ${e.cusumK} h ${e.cusumH}). ` +
      `Detected: a window alert (Z ≥ ${e.zThreshold}) overlapping the injection. MDE: the smallest factor on the grid detected in ≥ ${(c.goal * 100).toFixed(0)} % of ${c.runs} seeded runs (bisection; the same seeds at every factor). ` +
      `False alarms: alerts on background-only streams (30-minute streams, each starting cold). Classifier: softmax boosted trees at threshold ${c.threshold.toFixed(3)} (classifier.json). ` +
      'Floor: a selection that knows the true class (selects exactly the reconstructed signal events): what no classifier on these inputs can beat.',
    '',
    markdownTable(
      [
        'selection',
        'MDE factor',
        ...classes.map((x) => `${x} selected Hz`),
        'hours',
        'window false alarms / h',
        'CUSUM alarms / h',
      ],
      rows.map((r) => [
        r.name,
        r.mde.factor === undefined ? 'none on the grid' : formatNumber(r.mde.factor, 3),
        ...classes.map((x) => formatNumber(r.selectedHz[x] ?? 0, 3)),
        formatNumber(r.falseAlarms.hours, 3),
        `${formatNumber(r.falseAlarms.windowPerHour, 3)} (${r.falseAlarms.windowAlerts})`,
        `${formatNumber(r.falseAlarms.cusumPerHour, 3)} (${r.falseAlarms.cusumAlerts})`,
      ]),
    ),
    '',
    ratio === undefined
      ? 'Classifier / cuts MDE ratio: not available (an MDE was off the grid).'
      : `Classifier / cuts MDE ratio: ${ratio.toFixed(3)} (goal ≤ 0.5 at no more false alarms: ${ratio <= 0.5 && clf!.falseAlarms.windowPerHour <= cuts!.falseAlarms.windowPerHour ? 'met' : 'not met'}).`,
    '',
    'Detection fraction per factor tried:',
    '',
    markdownTable(
      ['selection', 'factor', 'detected / runs'],
      rows.flatMap((r) => r.mde.tried.map((t) => [r.name, t.factor, `${t.detected}/${t.runs}`])),
    ),
    '',
    '![detection fraction vs factor](fom/mde.svg)',
    '',
  ].join('\n');
}

export function fomPlot(rows: readonly FomRow[], goal: number): string {
  return scatterChart(
    {
      title: 'detected fraction vs injected signal-rate factor',
      xLabel: 'factor',
      yLabel: 'detected fraction',
    },
    rows.map((r, i) => ({
      label: r.name,
      colour: COLOURS[i % COLOURS.length]!,
      points: r.mde.tried.map((t) => ({ x: t.factor, y: t.detected / t.runs })),
    })),
    [{ label: `goal ${goal}`, colour: '#888888', f: () => goal }],
  );
}
