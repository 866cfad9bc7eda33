/**
 * The feature baselines of every evaluation, trained on their own seeded sample and calibrated on
 * another: ridge on the paper's 12 Gaussian-moment features (a linear extra row), and
 * gradient-boosted trees on the 12 features, on the 12 plus the per-station signal sums, and on
 * the rich set (those plus ring sums, thresholds, core widths and station ratios, ≈ 240 features).
 * Only the feature rows of the training events are kept, not their hits.
 */
import type { SimulationConfig } from '../../config/index.js';
import { Rng, type DetectorGeometry, type Hits } from '../../domain/index.js';
import {
  calibrateEnergy,
  DEFAULT_BASELINE_TRAINING,
  DEFAULT_GBT,
  featureCount,
  featuresOf,
  DEFAULT_MOMENT_FEATURES,
  fitEnergyCalibration,
  fitRidge,
  predictBoosted,
  predictLinear,
  trainBoosted,
  type BoostedCoefficients,
  type EnergyCalibration,
  type FeatureMatrix,
  type FeatureSet,
  type LinearModel,
} from '../../reconstruction/index.js';
import { generateEvent } from '../../sim/index.js';
import type { SignalEvent } from './samples.js';

export interface FeatureSample {
  readonly moments: FeatureMatrix;
  readonly signal: FeatureMatrix;
  readonly rich: FeatureMatrix;
  readonly energyGeV: Float64Array;
  readonly dCm: Float64Array;
}

/** Feature rows of both sets for the given hits. */
export function featureSample(
  g: DetectorGeometry,
  events: readonly { hits: Hits; truth: { energyGeV: number; dCm: number } }[],
): FeatureSample {
  const rows = (set: FeatureSet): FeatureMatrix => {
    const p = featureCount(set, g.nStations);
    const x = new Float64Array(events.length * p);
    events.forEach((e, i) => featuresOf(set, e.hits, g, DEFAULT_MOMENT_FEATURES, x, i * p));
    return { set, x, n: events.length, p };
  };
  return {
    moments: rows('moments'),
    signal: rows('moments+signal'),
    rich: rows('rich'),
    energyGeV: Float64Array.from(events, (e) => e.truth.energyGeV),
    dCm: Float64Array.from(events, (e) => e.truth.dCm),
  };
}

/** Features of n fresh events of `seed`, generated and reduced one at a time. */
export function simulateFeatures(
  g: DetectorGeometry,
  sim: SimulationConfig,
  n: number,
  seed: number,
  progress?: (i: number) => void,
): FeatureSample {
  const rng = new Rng(seed >>> 0);
  const chunk: SignalEvent[] = [];
  const parts: FeatureSample[] = [];
  for (let i = 0; i < n; i++) {
    chunk.push(generateEvent(g, sim, 'signal', rng));
    if (chunk.length === 2000 || i === n - 1) {
      parts.push(featureSample(g, chunk));
      chunk.length = 0;
      progress?.(i + 1);
    }
  }
  const cat = (pick: (s: FeatureSample) => FeatureMatrix): FeatureMatrix => {
    const first = pick(parts[0]!);
    const x = new Float64Array(n * first.p);
    let o = 0;
    for (const s of parts) {
      x.set(pick(s).x, o);
      o += pick(s).x.length;
    }
    return { set: first.set, x, n, p: first.p };
  };
  const join = (pick: (s: FeatureSample) => Float64Array): Float64Array => {
    const out = new Float64Array(n);
    let o = 0;
    for (const s of parts) {
      out.set(pick(s), o);
      o += pick(s).length;
    }
    return out;
  };
  return {
    moments: cat((s) => s.moments),
    signal: cat((s) => s.signal),
    rich: cat((s) => s.rich),
    energyGeV: join((s) => s.energyGeV),
    dCm: join((s) => s.dCm),
  };
}

export interface FeatureBaselines {
  readonly ridge: { energy: LinearModel; d: LinearModel };
  readonly gbtMoments: BoostedCoefficients;
  readonly gbtSignal: BoostedCoefficients;
  readonly gbtRich: BoostedCoefficients;
  /** Energy calibration of each method (by method name), fitted on the calibration sample. */
  readonly calibration: Readonly<Record<BaselineName, EnergyCalibration>>;
}

export const BASELINE_NAMES = [
  'GBT, rich features',
  'GBT, 12 moments + signal',
  "GBT, paper's 12 moments",
  "ridge, paper's 12 moments",
] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

export function trainFeatureBaselines(
  g: DetectorGeometry,
  train: FeatureSample,
  calibration: FeatureSample,
  gbtSeed = DEFAULT_GBT.seed,
): FeatureBaselines {
  const lnE = train.energyGeV.map(Math.log);
  const m = train.moments;
  const ridge = {
    energy: fitRidge(m.x, lnE, m.n, m.p, DEFAULT_BASELINE_TRAINING.lambda),
    d: fitRidge(m.x, train.dCm, m.n, m.p, DEFAULT_BASELINE_TRAINING.lambda),
  };
  const truth = { energyGeV: train.energyGeV, dCm: train.dCm };
  const gbtMoments = trainBoosted(train.moments, truth, g, { ...DEFAULT_GBT, seed: gbtSeed });
  const gbtSignal = trainBoosted(train.signal, truth, g, { ...DEFAULT_GBT, seed: gbtSeed });
  const gbtRich = trainBoosted(train.rich, truth, g, { ...DEFAULT_GBT, seed: gbtSeed });
  const partial = { ridge, gbtMoments, gbtSignal, gbtRich };
  const cal = (name: BaselineName): EnergyCalibration =>
    fitEnergyCalibration(
      calibration.energyGeV,
      predictBaseline(partial, name, calibration, undefined).energyGeV,
    );
  return {
    ...partial,
    calibration: Object.fromEntries(BASELINE_NAMES.map((name) => [name, cal(name)])) as Record<
      BaselineName,
      EnergyCalibration
    >,
  };
}

/** E (calibrated when a calibration is given) and d of one baseline for the rows of a feature sample. */
export function predictBaseline(
  b: Pick<FeatureBaselines, 'ridge' | 'gbtMoments' | 'gbtSignal' | 'gbtRich'>,
  name: BaselineName,
  s: Pick<FeatureSample, 'moments' | 'signal' | 'rich'>,
  calibration: EnergyCalibration | undefined,
): { energyGeV: Float64Array; dCm: Float64Array } {
  let energyGeV: Float64Array;
  let dCm: Float64Array;
  if (name === "ridge, paper's 12 moments") {
    const m = s.moments;
    energyGeV = Float64Array.from({ length: m.n }, (_, i) =>
      Math.exp(predictLinear(b.ridge.energy, m.x, i * m.p)),
    );
    dCm = Float64Array.from({ length: m.n }, (_, i) => predictLinear(b.ridge.d, m.x, i * m.p));
  } else {
    const p =
      name === 'GBT, rich features'
        ? predictBoosted(b.gbtRich, s.rich)
        : name === 'GBT, 12 moments + signal'
          ? predictBoosted(b.gbtSignal, s.signal)
          : predictBoosted(b.gbtMoments, s.moments);
    energyGeV = Float64Array.from(p.energyGeV);
    dCm = Float64Array.from(p.dCm);
  }
  if (calibration !== undefined)
    for (let i = 0; i < energyGeV.length; i++) energyGeV[i] = calibrateEnergy(calibration, energyGeV[i]!);
  return { energyGeV, dCm };
}
