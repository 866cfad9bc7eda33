/**
 * The anomaly path measured the way a trigger is commissioned: per exotic class, the fraction of
 * events over the budget threshold, the ROC against fresh ordinary events and its area; the
 * same for the cut path (full reconstruction + selection, a yes/no decision: one ROC point,
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
  /**
   * Faults only: the fraction of events flagged with the fault that the same event without it
   * would not have flagged (what the path adds because of the fault), autoencoder and cuts.
   */
  readonly aeAdded?: number;
  readonly cutAdded?: number;
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
  readonly events: number;
  readonly backgroundEvents: number;
  readonly seed: number;
  readonly progress?: (message: string) => void;
}

async function selectedFlags(o: AnomalyEvaluationOptions, hits: readonly Hits[]): Promise<boolean[]> {
  const g = o.cfg.detector;
  const reco = createReconstructor(g, o.cnn, reconstructorConfig(o.cfg.reconstruction));
  const selector = createSelector({ selection: o.cfg.trigger.selection, geometry: g });
  const out: boolean[] = [];
  const batch = o.cfg.reconstruction.batchSize;
  for (let s = 0; s < hits.length; s += batch) {
    const frames: HitFrame[] = hits
      .slice(s, s + batch)
      .map((h, k) => ({ runId: 'anomaly', eventId: String(s + k), timestampNs: BigInt(s + k), hits: h }));
    for (const e of await reco.reconstruct(frames)) out.push(selector.select(e).selected);
  }
  return out;
}

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

export async function evaluateAnomaly(o: AnomalyEvaluationOptions): Promise<AnomalyEvaluation> {
  const say = o.progress ?? (() => {});
  const { net, meta } = o.model;
  const cal = meta.calibration;
  if (cal === undefined)
    throw new Error('the anomaly model has no calibration: run `showertrig anomaly calibrate` first');
  const g = o.cfg.detector;
  const sim = o.cfg.simulation;
  const spec = meta.spec;
  say(`ordinary background: ${o.backgroundEvents} events`);
  const bg = anomalySample(g, sim, spec, o.backgroundEvents, o.seed + ANOMALY_SEEDS.test);
  const t0 = performance.now();
  const mode = scoreModeOf(o.model);
  const bgScores = scoreImages(net, spec, bg.images, mode, 256, MSE);
  const scoresPerSecond = o.backgroundEvents / ((performance.now() - t0) / 1000);
  const bgCut = await selectedFlags(o, bg.hits);
  const cutFpr = bgCut.filter(Boolean).length / bgCut.length;
  const rate = totalRateHz(sim, Infinity);
  const aeAbove = Math.round(passFraction(bgScores.score, cal.threshold) * bg.truth.length);
  const classes: ClassResult[] = [];
  const classScores: Record<string, Float64Array> = {};
  for (const [i, cls] of EXOTIC_CLASSES.entries()) {
    say(`${cls}: ${o.events} events`);
    const s = anomalySample(g, sim, spec, o.events, o.seed + ANOMALY_SEEDS.exotic + 1009 * i, cls);
    const sc = scoreImages(net, spec, s.images, mode, 256, MSE);
    classScores[cls] = sc.score;
    const cut = await selectedFlags(o, s.hits);
    const tpr = cut.filter(Boolean).length / cut.length;
    const k = Math.round(passFraction(sc.score, cal.threshold) * o.events);
    const dom = dominant(sc, spec.channels);
    let added = {};
    if (s.unfaulted !== undefined) {
      const sc0 = scoreImages(net, spec, s.unfaulted.images, mode);
      const cut0 = await selectedFlags(o, s.unfaulted.hits);
      const frac = (f: (j: number) => boolean): number => cut.filter((_, j) => f(j)).length / cut.length;
      added = {
        aeAdded: frac((j) => sc.score[j]! > cal.threshold && !(sc0.score[j]! > cal.threshold)),
        cutAdded: frac((j) => cut[j]! && !cut0[j]!),
      };
    }
    classes.push({
      name: cls,
      n: o.events,
      aeEfficiency: k / o.events,
      aeEfficiencyCi95: wilson(k, o.events),
      aeAuc: auc(sc.score, bgScores.score),
      aeAucMse: auc(sc.other!, bgScores.other!),
      cutEfficiency: tpr,
      cutAuc: (1 + tpr - cutFpr) / 2,
      dominantStation: dom.station,
      dominantFraction: dom.fraction,
      roc: rocCurve(sc.score, bgScores.score),
      medianScore: median(sc.score),
      ...added,
    });
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
    },
    classes,
    scoresPerSecond,
    backgroundScores: bgScores.score,
    classScores,
  };
}
