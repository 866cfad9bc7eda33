/**
 * The strongest feature baseline for E and d: gradient-boosted trees (gbt.ts) on a feature set
 * (features.ts), one ensemble for ln E and one for d. Usable wherever the CNN is (EnergyVertexModel).
 */
import type { DetectorGeometry, Hits } from '../../domain/index.js';
import type { EnergyVertexModel } from '../reconstructor.js';
import {
  DEFAULT_MOMENT_FEATURES,
  featureCount,
  featuresOf,
  featureSetNames,
  type FeatureSet,
  type MomentFeatureConfig,
} from './features.js';
import { DEFAULT_GBT, predictGbt, trainGbt, type GbtConfig, type GbtModel } from './gbt.js';

export interface BoostedCoefficients {
  readonly kind: 'gbt-energy-vertex';
  readonly featureSet: FeatureSet;
  readonly featureNames: string[];
  readonly features: MomentFeatureConfig;
  /** Predicts ln(E/GeV). */
  readonly energy: GbtModel;
  /** Predicts d, cm. */
  readonly d: GbtModel;
  readonly trainedOn: number;
}

/** A feature matrix (row-major n × p) with its set, computed once and shared by every regressor. */
export interface FeatureMatrix {
  readonly set: FeatureSet;
  readonly x: Float64Array;
  readonly n: number;
  readonly p: number;
}

export function featureMatrix(
  set: FeatureSet,
  hits: readonly Hits[],
  geometry: DetectorGeometry,
  config: MomentFeatureConfig = DEFAULT_MOMENT_FEATURES,
): FeatureMatrix {
  const p = featureCount(set, geometry.nStations);
  const x = new Float64Array(hits.length * p);
  hits.forEach((h, i) => featuresOf(set, h, geometry, config, x, i * p));
  return { set, x, n: hits.length, p };
}

export function trainBoosted(
  m: FeatureMatrix,
  truth: { readonly energyGeV: ArrayLike<number>; readonly dCm: ArrayLike<number> },
  geometry: DetectorGeometry,
  config: GbtConfig = DEFAULT_GBT,
): BoostedCoefficients {
  const lnE = Float64Array.from({ length: m.n }, (_, i) => Math.log(truth.energyGeV[i]!));
  const d = Float64Array.from({ length: m.n }, (_, i) => truth.dCm[i]!);
  return {
    kind: 'gbt-energy-vertex',
    featureSet: m.set,
    featureNames: featureSetNames(m.set, geometry.nStations),
    features: DEFAULT_MOMENT_FEATURES,
    energy: trainGbt(m.x, lnE, m.n, m.p, config),
    d: trainGbt(m.x, d, m.n, m.p, { ...config, seed: config.seed + 1 }),
    trainedOn: m.n,
  };
}

/** Predictions for rows already in a feature matrix of the same set. */
export function predictBoosted(
  c: BoostedCoefficients,
  m: FeatureMatrix,
): { energyGeV: Float32Array; dCm: Float32Array } {
  if (m.set !== c.featureSet)
    throw new RangeError(`boosted model for ${c.featureSet} given ${m.set} features`);
  const energyGeV = new Float32Array(m.n);
  const dCm = new Float32Array(m.n);
  for (let i = 0; i < m.n; i++) {
    energyGeV[i] = Math.exp(predictGbt(c.energy, m.x, i * m.p));
    dCm[i] = predictGbt(c.d, m.x, i * m.p);
  }
  return { energyGeV, dCm };
}

export function createBoostedModel(c: BoostedCoefficients, geometry: DetectorGeometry): EnergyVertexModel {
  return {
    info: { name: `gbt(${c.featureSet})`, backend: 'js' },
    dispose() {},
    predict: (hits) =>
      Promise.resolve(predictBoosted(c, featureMatrix(c.featureSet, hits, geometry, c.features))),
  };
}
