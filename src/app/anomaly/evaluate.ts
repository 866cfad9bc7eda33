/**
 * The anomaly path measured the way a trigger is commissioned: per exotic class, the fraction of
 * events over the budget threshold, the ROC against fresh ordinary events and its area; the
 * same for the cut path and for the classifier path (full reconstruction + selection by the cut
 * list or by the event classifier at its working point, each a yes/no decision: one ROC point,
 * AUC = (1 + TPR − FPR) / 2); and the rate of ordinary events the threshold actually passes on
 * a sample it was not calibrated on.
 */
import type { ShowertrigConfig } from '../../config/index.js';
import { EXOTIC_CLASSES, type ExoticClass, type HitFrame, type Hits } from '../../domain/index.js';
import { totalRateHz } from '../../sim/index.js';
import {
  createReconstructor,
  reconstructorConfig,
  type EnergyVertexModel,
  type EventClassifier,
} from '../../reconstruction/index.js';
import { createSelector } from '../../trigger/index.js';
import { auc, MSE, passFraction, rocCurve, scoreImages, wilson, type Scores } from '../../anomaly/index.js';
import { anomalySample, ANOMALY_SEEDS } from './samples.js';
import { scoreModeOf, type AnomalyModel } from './store.js';

export interface ClassResult {
  readonly name: ExoticClass | 'ordinary';
  readonly n: number;
  /** Autoencoder: fraction over the budget threshold, its 95 % interval, AUC against ordinary events. */
  readonly aeEfficiency: number;
  readonly aeEfficiencyCi95: readonly [number, number];
  readonly aeAuc: number;
  /** AUC of the plain score (MSE, mean over stations) from the same reconstructions: the like-for-like Keras comparison. */
  readonly aeAucMse: number;
  /** Cut path: fraction selected and its AUC (one ROC point). */
  readonly cutEfficiency: number;
  readonly cutAuc: number;
  /** Classifier path (when a classifier was given): fraction selected and its AUC (one ROC point). */
  readonly clfEfficiency?: number;
  readonly clfAuc?: number;
  /**
   * Faults only: the fraction of events flagged with the fault that the same event without it
   * would not have flagged (what the path adds because of the fault), autoencoder, cuts, classifier.
   */
  readonly aeAdded?: number;
  readonly cutAdded?: number;
  readonly clfAdded?: number;
  /** Station whose term is largest, most often (diagnosis), and how often. */
  readonly dominantStation: number;
  readonly dominantFraction: number;
  readonly roc: { bkg: number[]; sig: number[] };
  readonly medianScore: number;
}

export interface AnomalyEvaluation {
  readonly threshold: number;
  readonly budgetHz: number;
  readonly totalRateHz: number;
  readonly background: {
    n: number;
    aePass: number;
    aePassCi95: readonly [number, number];
    aeRateHz: number;
    cutPass: number;
    cutRateHz: number;
    clfPass?: number;
    clfRateHz?: number;
  };
  readonly classes: readonly ClassResult[];
  readonly scoresPerSecond: number;
  readonly backgroundScores: Float64Array;
  readonly classScores: Record<string, Float64Array>;
}

export interface AnomalyEvaluationOptions {
  readonly cfg: ShowertrigConfig;
  readonly model: AnomalyModel;
  /** The energy/vertex model of the cut path's reconstruction. */
  readonly cnn: EnergyVertexModel;
  /** The classifier path's event classifier (its working point included); absent: no classifier columns. */
  readonly classifier?: EventClassifier;
  readonly events: number;
  readonly backgroundEvents: number;
  readonly seed: number;
  readonly progress?: (message: string) => void;
}

/** One yes/no per event and path: the cut list, and the classifier at its working point (when given). */
interface PathFlags {
  readonly cuts: boolean[];
  readonly classifier?: boolean[];
}

async function selectedFlags(o: AnomalyEvaluationOptions, hits: readonly Hits[]): Promise<PathFlags> {
  const g = o.cfg.detector;
  const clf = o.classifier;
  const reco = createReconstructor(g, o.cnn, reconstructorConfig(o.cfg.reconstruction), {
    ...(clf === undefined ? {} : { classify: (row: Float64Array) => clf.classify(row) }),
  });
  const byCuts = createSelector({ selection: o.cfg.trigger.selection, geometry: g });
  const byClf =
    clf === undefined
      ? undefined
      : createSelector({
          selection: o.cfg.trigger.selection,
          geometry: g,
          classifierThreshold: clf.threshold,
        });
  const cuts: boolean[] = [];
  const classifier: boolean[] = [];
  const batch = o.cfg.reconstruction.batchSize;
  for (let s = 0; s < hits.length; s += batch) {
    const frames: HitFrame[] = hits
      .slice(s, s + batch)
      .map((h, k) => ({ runId: 'anomaly', eventId: String(s + k), timestampNs: BigInt(s + k), hits: h }));
    for (const e of await reco.reconstruct(frames)) {
      cuts.push(byCuts.select(e).selected);
      if (byClf !== undefined) classifier.push(byClf.select(e).selected);
    }
  }
  return { cuts, ...(byClf === undefined ? {} : { classifier }) };
}

const fraction = (v: readonly boolean[]): number => v.filter(Boolean).length / v.length;

function dominant(s: Scores, channels: number): { station: number; fraction: number } {
  const n = s.score.length;
  const counts = new Array<number>(channels).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < channels; k++)
      if (s.perStation[i * channels + k]! > s.perStation[i * channels + best]!) best = k;
    counts[best]!++;
  }
  const station = counts.indexOf(Math.max(...counts));
  return { station, fraction: n === 0 ? 0 : counts[station]! / n };
}

const median = (v: Float64Array): number => Float64Array.from(v).sort()[Math.floor(v.length / 2)] ?? NaN;

interface Background {
  readonly scores: Scores;
  readonly cutFpr: number;
  readonly clfFpr?: number;
}

/** One exotic class scored by the autoencoder and selected by the cut and classifier paths. */
async function classResult(
  o: AnomalyEvaluationOptions,
  cls: ExoticClass,
  i: number,
  bg: Background,
): Promise<{ result: ClassResult; scores: Float64Array }> {
  const { net, meta } = o.model;
  const threshold = meta.calibration!.threshold;
  const mode = scoreModeOf(o.model);
  const spec = meta.spec;
  const s = anomalySample(
    o.cfg.detector,
    o.cfg.simulation,
    spec,
    o.events,
    o.seed + ANOMALY_SEEDS.exotic + 1009 * i,
    cls,
  );
  const sc = scoreImages(net, spec, s.images, mode, 256, MSE);
  const flags = await selectedFlags(o, s.hits);
  const k = Math.round(passFraction(sc.score, threshold) * o.events);
  const dom = dominant(sc, spec.channels);
  let added = {};
  if (s.unfaulted !== undefined) {
    const sc0 = scoreImages(net, spec, s.unfaulted.images, mode);
    const flags0 = await selectedFlags(o, s.unfaulted.hits);
    const n = s.hits.length;
    const frac = (f: (j: number) => boolean): number =>
      Array.from({ length: n }, (_, j) => f(j)).filter(Boolean).length / n;
    const clf = flags.classifier;
    const clf0 = flags0.classifier;
    added = {
      aeAdded: frac((j) => sc.score[j]! > threshold && !(sc0.score[j]! > threshold)),
      cutAdded: frac((j) => flags.cuts[j]! && !flags0.cuts[j]!),
      ...(clf === undefined || clf0 === undefined ? {} : { clfAdded: frac((j) => clf[j]! && !clf0[j]!) }),
    };
  }
  const tpr = fraction(flags.cuts);
  const clfTpr = flags.classifier === undefined ? undefined : fraction(flags.classifier);
  const result: ClassResult = {
    name: cls,
    n: o.events,
    aeEfficiency: k / o.events,
    aeEfficiencyCi95: wilson(k, o.events),
    aeAuc: auc(sc.score, bg.scores.score),
    aeAucMse: auc(sc.other!, bg.scores.other!),
    cutEfficiency: tpr,
    cutAuc: (1 + tpr - bg.cutFpr) / 2,
    ...(clfTpr === undefined ? {} : { clfEfficiency: clfTpr, clfAuc: (1 + clfTpr - bg.clfFpr!) / 2 }),
    dominantStation: dom.station,
    dominantFraction: dom.fraction,
    roc: rocCurve(sc.score, bg.scores.score),
    medianScore: median(sc.score),
    ...added,
  };
  return { result, scores: sc.score };
}

export async function evaluateAnomaly(o: AnomalyEvaluationOptions): Promise<AnomalyEvaluation> {
  const say = o.progress ?? (() => {});
  const { net, meta } = o.model;
  const cal = meta.calibration;
  if (cal === undefined)
    throw new Error('the anomaly model has no calibration: run `showertrig anomaly calibrate` first');
  const sim = o.cfg.simulation;
  const spec = meta.spec;
  say(`ordinary background: ${o.backgroundEvents} events`);
  const bg = anomalySample(o.cfg.detector, sim, spec, o.backgroundEvents, o.seed + ANOMALY_SEEDS.test);
  const t0 = performance.now();
  const bgScores = scoreImages(net, spec, bg.images, scoreModeOf(o.model), 256, MSE);
  const scoresPerSecond = o.backgroundEvents / ((performance.now() - t0) / 1000);
  const bgFlags = await selectedFlags(o, bg.hits);
  const cutFpr = fraction(bgFlags.cuts);
  const clfFpr = bgFlags.classifier === undefined ? undefined : fraction(bgFlags.classifier);
  const rate = totalRateHz(sim, Infinity);
  const aeAbove = Math.round(passFraction(bgScores.score, cal.threshold) * bg.truth.length);
  const classes: ClassResult[] = [];
  const classScores: Record<string, Float64Array> = {};
  const background: Background = { scores: bgScores, cutFpr, ...(clfFpr === undefined ? {} : { clfFpr }) };
  for (const [i, cls] of EXOTIC_CLASSES.entries()) {
    say(`${cls}: ${o.events} events`);
    const { result, scores } = await classResult(o, cls, i, background);
    classes.push(result);
    classScores[cls] = scores;
  }
  return {
    threshold: cal.threshold,
    budgetHz: cal.budgetHz,
    totalRateHz: rate,
    background: {
      n: bg.truth.length,
      aePass: aeAbove / bg.truth.length,
      aePassCi95: wilson(aeAbove, bg.truth.length),
      aeRateHz: (aeAbove / bg.truth.length) * rate,
      cutPass: cutFpr,
      cutRateHz: cutFpr * rate,
      ...(clfFpr === undefined ? {} : { clfPass: clfFpr, clfRateHz: clfFpr * rate }),
    },
    classes,
    scoresPerSecond,
    backgroundScores: bgScores.score,
    classScores,
  };
}
