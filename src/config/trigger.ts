/** config `trigger`: candidate selection and excess detection. */
import type { z } from 'zod';
import { fail, num, numRange, oneOf, optionalNum, parseWith, section } from './kit.js';

const selectionSchema = section(
  {
    energyWindowGeV: numRange(
      [1, 100],
      { min: 0 },
      'reconstructed energy window [low, high] for a candidate, GeV',
    ),
    fiducialMarginCm: num(
      2,
      { min: 0, max: 100 },
      'the reconstructed origin must lie this far inside the plane edges, cm',
    ),
    minStations: num(2, { min: 1, max: 16, integer: true }, 'minimum stations with a cluster'),
    maxFitRmsCm: num(
      1.0,
      { above: 0 },
      'maximum RMS of the straight-line fit through the station clusters, cm',
    ),
    minHits: num(10, { min: 0, integer: true }, 'minimum hits in the frame'),
    mode: oneOf(
      ['classifier', 'cuts'],
      'classifier',
      'classifier: select reconstructed events whose signal probability (the event classifier in the model directory, classifier.json) reaches the threshold; cuts: the cut list above (the baseline; also used when the model directory has no classifier)',
    ),
    classifier: oneOf(
      ['gbt', 'gbt-flat', 'mlp'],
      'gbt',
      'which stored classifier scores events: boosted trees, the efficiency-flat boosted trees (signal efficiency flatter in true energy at a small cost in expected significance) or the dense net',
    ),
    classifierThreshold: optionalNum(
      { min: 0, max: 1 },
      'select when the signal probability is >= this; absent or null: the working point stored with the classifier (maximum expected significance)',
    ),
  },
  'shower-candidate selection (each rejection carries its reason)',
);

const excessSchema = section(
  {
    windowS: num(
      10,
      { above: 0, max: 86400 },
      'sliding window length for counting selected events, s (a whole multiple of stepS)',
    ),
    stepS: num(1, { above: 0, max: 86400 }, 'how often a window is evaluated (window step), s'),
    backgroundRateHz: optionalNum(
      { min: 0 },
      'expected background rate of selected events, Hz; absent or null: estimated from the trailing window',
    ),
    trailingWindowS: num(
      120,
      { above: 0, max: 864000 },
      'trailing window for the background estimate, s (>= windowS, a whole multiple of stepS)',
    ),
    minTrailingS: num(
      30,
      { above: 0, max: 864000 },
      'the first test comes once this much trailing background is in (windowS + minTrailingS of event time, capped at trailingWindowS); the span then grows to trailingWindowS, s (a whole multiple of stepS)',
    ),
    backgroundEstimator: oneOf(
      ['clipped-mean', 'mean'],
      'clipped-mean',
      "trailing background: clipped-mean leaves out windowS-long blocks of the trailing span further than backgroundClipSigma Poisson sigmas from their median, then the bins of every windowS-long run (sliding by one bin) that far from the kept blocks' mean (an excess cannot drag the estimate, wherever it falls), mean averages the whole span",
    ),
    backgroundClipSigma: num(
      3,
      { above: 0, max: 100 },
      "clipped-mean: a trailing block this many sigma (sqrt of the median block count) from the median is left out, and then any windowS-long run of bins this many sigma from the kept blocks' mean",
    ),
    zThreshold: num(
      5,
      { above: 0, max: 40 },
      'alert when Z (one-sided Gaussian equivalent of the Poisson tail probability) reaches this',
    ),
    cusumK: num(
      0.5,
      { min: 0, max: 100 },
      "CUSUM reference shift k, in units of the expected per-step count's sigma",
    ),
    cusumH: num(8, { above: 0, max: 1000 }, 'CUSUM decision threshold h'),
    holdoffS: num(30, { min: 0 }, 'no new alert of the same method within this many seconds after one'),
    allowedLatenessS: num(
      2,
      { min: 0, max: 3600 },
      'event-time tolerance for out-of-order frames: a step bin closes this long after newer frames pass it, s',
    ),
    idlePartitionS: num(
      5,
      { above: 0, max: 3600 },
      'global excess stage (run --brokers): a tt.candidates partition silent this long (wall clock) whose tt.frames partition is fully reconstructed stops holding back the event-time watermark, s',
    ),
  },
  'excess detection: sliding-window Poisson significance and CUSUM',
).superRefine((e, ctx) => {
  if (e.stepS > e.windowS) return fail(ctx, ['stepS'], `<= windowS (${e.windowS})`, e.stepS);
  if (e.trailingWindowS < e.windowS)
    return fail(ctx, ['trailingWindowS'], `>= windowS (${e.windowS})`, e.trailingWindowS);
  const wholeSteps = (v: number): boolean => Math.abs(v / e.stepS - Math.round(v / e.stepS)) < 1e-9;
  if (!wholeSteps(e.windowS))
    return fail(ctx, ['windowS'], `a whole multiple of stepS (${e.stepS})`, e.windowS);
  if (!wholeSteps(e.trailingWindowS))
    return fail(ctx, ['trailingWindowS'], `a whole multiple of stepS (${e.stepS})`, e.trailingWindowS);
  if (!wholeSteps(e.minTrailingS))
    fail(ctx, ['minTrailingS'], `a whole multiple of stepS (${e.stepS})`, e.minTrailingS);
});

export const triggerSchema = section(
  { selection: selectionSchema.prefault({}), excess: excessSchema.prefault({}) },
  'the trigger: selection of shower candidates and the excess monitor',
);

export type TriggerConfig = Readonly<z.output<typeof triggerSchema>>;
export type SelectionConfig = TriggerConfig['selection'];
export type ExcessConfig = TriggerConfig['excess'];

export function parseTrigger(raw: unknown, path = 'trigger'): TriggerConfig {
  return parseWith(triggerSchema, raw, path);
}
