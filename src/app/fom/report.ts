/** The figure-of-merit report (reports/fom.md) and its plot: text from the measured runs only. */
import type { ExcessConfig } from '../../config/index.js';
import { formatNumber, markdownTable, scatterChart } from '../../report/index.js';
import type { FalseAlarmResult, MdeResult } from './streams.js';
import type { Crossing } from './crossing.js';

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
  const fine = ratioOf(clf?.mde.crossing, cuts?.mde.crossing);
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
      `Detected: a window alert (Z ≥ ${e.zThreshold}) overlapping the injection. MDE (grid): the smallest factor on the coarse grid detected in ≥ ${(c.goal * 100).toFixed(0)} % of ${c.runs} seeded runs (bisection; the same seeds at every factor). ` +
      `MDE (interpolated): a fine scan upward from the last failing grid factor; the detected fractions made monotone in the factor and the ${(c.goal * 100).toFixed(0)} % crossing interpolated; its interval is where the fractions' Clopper–Pearson ${((rowsLevel(rows) ?? 0.95) * 100).toFixed(0)} % band crosses the goal ('–' where the band does not cross inside the scan). ` +
      `False alarms: alerts on background-only streams (30-minute streams, each starting cold). Classifier: softmax boosted trees at threshold ${c.threshold.toFixed(3)} (classifier.json). ` +
      'Floor: a selection that knows the true class (selects exactly the reconstructed signal events): what no classifier on these inputs can beat.',
    '',
    markdownTable(
      [
        'selection',
        'MDE factor (grid)',
        'MDE (interpolated) [interval]',
        ...classes.map((x) => `${x} selected Hz`),
        'hours',
        'window false alarms / h',
        'CUSUM alarms / h',
      ],
      rows.map((r) => [
        r.name,
        r.mde.factor === undefined ? 'none on the grid' : formatNumber(r.mde.factor, 3),
        crossingText(r.mde.crossing),
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
    fine === undefined
      ? 'Interpolated ratio: not available.'
      : `Interpolated classifier / cuts MDE ratio: ${fine.ratio.toFixed(3)} [${fine.lo?.toFixed(3) ?? '–'}, ${fine.hi?.toFixed(3) ?? '–'}] (interval from the two MDE intervals' ends). ` +
        `In excess above the nominal rate (factor − 1): ${fine.excessRatio.toFixed(3)}.`,
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

function crossingText(c: Crossing): string {
  const f = (x: number | undefined): string => (x === undefined ? '–' : x.toFixed(3));
  return c.factor === undefined ? 'off the scan' : `${f(c.factor)} [${f(c.lo)}, ${f(c.hi)}]`;
}

function rowsLevel(rows: readonly FomRow[]): number | undefined {
  return rows[0]?.mde.crossing.level;
}

/** classifier / cuts of the interpolated MDEs, its range from the intervals, and the same for factor − 1. */
function ratioOf(
  clf: Crossing | undefined,
  cuts: Crossing | undefined,
): { ratio: number; lo?: number; hi?: number; excessRatio: number } | undefined {
  if (clf?.factor === undefined || cuts?.factor === undefined) return undefined;
  return {
    ratio: clf.factor / cuts.factor,
    ...(clf.lo !== undefined && cuts.hi !== undefined ? { lo: clf.lo / cuts.hi } : {}),
    ...(clf.hi !== undefined && cuts.lo !== undefined ? { hi: clf.hi / cuts.lo } : {}),
    excessRatio: (clf.factor - 1) / (cuts.factor - 1),
  };
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
