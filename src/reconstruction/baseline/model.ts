/**
 * The Gaussian-moment baseline for E and d: linear ridge regression on the moment features,
 * serialisable as a plain JSON object, usable wherever the CNN is (EnergyVertexModel).
 */
import { ModelError } from '../../domain/index.js';
import type { DetectorGeometry, Hits, Truth } from '../../domain/index.js';
import type { EnergyVertexModel } from '../reconstructor.js';
import {
  DEFAULT_MOMENT_FEATURES,
  FEATURES_PER_STATION,
  featureNames,
  momentFeatures,
  type MomentFeatureConfig,
} from './features.js';
import { fitRidge, predictLinear, type LinearModel } from './regression.js';

/**
 * 'log': regress ln E and exponentiate (a multiplicative error model, matching σ(ΔE/E));
 * 'linear': regress E directly. Which is better on the simulator is measured by evaluate.
 */
export type EnergyTarget = 'log' | 'linear';

export interface BaselineTrainingConfig {
  readonly features: MomentFeatureConfig;
  readonly energyTarget: EnergyTarget;
  /** Ridge term per sample on standardised features. */
  readonly lambda: number;
}
export const DEFAULT_BASELINE_TRAINING: BaselineTrainingConfig = {
  features: DEFAULT_MOMENT_FEATURES,
  energyTarget: 'log',
  lambda: 1e-4,
};

/** Everything needed to predict; JSON.stringify-able and checked by parseBaselineCoefficients. */
export interface BaselineCoefficients {
  readonly kind: 'gaussian-moment-ridge';
  readonly version: 1;
  readonly nStations: number;
  readonly featureNames: string[];
  readonly features: MomentFeatureConfig;
  readonly energyTarget: EnergyTarget;
  readonly energy: LinearModel;
  readonly d: LinearModel;
  readonly trainedOn: number;
}

export function trainBaseline(
  samples: readonly { hits: Hits; truth: Truth }[],
  geometry: DetectorGeometry,
  config: BaselineTrainingConfig = DEFAULT_BASELINE_TRAINING,
): BaselineCoefficients {
  return trainBaselineStream(samples.length, (i) => samples[i]!, geometry, config);
}

/**
 * The same fit, pulling sample i from `sample(i)` (called once each, in order) so that the
 * frames need not be held in memory: only the 4·nStations features per event are kept.
 */
export function trainBaselineStream(
  n: number,
  sample: (i: number) => { hits: Hits; truth: Truth },
  geometry: DetectorGeometry,
  config: BaselineTrainingConfig = DEFAULT_BASELINE_TRAINING,
): BaselineCoefficients {
  const p = FEATURES_PER_STATION * geometry.nStations;
  const x = new Float64Array(n * p);
  const ye = new Float64Array(n);
  const yd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = sample(i);
    momentFeatures(s.hits, geometry, config.features, x, i * p);
    ye[i] = config.energyTarget === 'log' ? Math.log(s.truth.energyGeV) : s.truth.energyGeV;
    yd[i] = s.truth.dCm;
  }
  return {
    kind: 'gaussian-moment-ridge',
    version: 1,
    nStations: geometry.nStations,
    featureNames: featureNames(geometry.nStations),
    features: config.features,
    energyTarget: config.energyTarget,
    energy: fitRidge(x, ye, n, p, config.lambda),
    d: fitRidge(x, yd, n, p, config.lambda),
    trainedOn: n,
  };
}

/** Validates a parsed JSON object as coefficients for this geometry; throws TypeError naming the field. */
export function parseBaselineCoefficients(raw: unknown, geometry: DetectorGeometry): BaselineCoefficients {
  const o = raw as Partial<BaselineCoefficients> | null;
  const p = FEATURES_PER_STATION * geometry.nStations;
  if (o === null || typeof o !== 'object' || o.kind !== 'gaussian-moment-ridge' || o.version !== 1) {
    throw new ModelError('baseline coefficients: kind must be "gaussian-moment-ridge", version 1');
  }
  if (o.nStations !== geometry.nStations)
    throw new ModelError(`baseline coefficients: nStations ${o.nStations} != geometry ${geometry.nStations}`);
  if (o.energyTarget !== 'log' && o.energyTarget !== 'linear')
    throw new ModelError('baseline coefficients: energyTarget');
  if (!(typeof o.features?.windowCm === 'number' && o.features.windowCm > 0))
    throw new ModelError('baseline coefficients: features.windowCm');
  for (const key of ['energy', 'd'] as const) {
    const m = o[key];
    const ok =
      m !== undefined &&
      Number.isFinite(m.intercept) &&
      [m.mean, m.scale, m.weights].every(
        (a) => Array.isArray(a) && a.length === p && a.every(Number.isFinite),
      );
    if (!ok)
      throw new ModelError(
        `baseline coefficients: ${key} needs finite mean/scale/weights of length ${p} and an intercept`,
      );
  }
  return o as BaselineCoefficients;
}

export function createBaselineModel(
  coefficients: BaselineCoefficients,
  geometry: DetectorGeometry,
): EnergyVertexModel {
  const c = parseBaselineCoefficients(coefficients, geometry);
  const p = FEATURES_PER_STATION * geometry.nStations;
  const row = new Float64Array(p);
  return {
    info: { name: `gaussian-moment-ridge(${c.energyTarget} E)`, backend: 'js' },
    dispose() {},
    predict(hits) {
      const energyGeV = new Float32Array(hits.length);
      const dCm = new Float32Array(hits.length);
      for (let i = 0; i < hits.length; i++) {
        momentFeatures(hits[i]!, geometry, c.features, row);
        const e = predictLinear(c.energy, row);
        energyGeV[i] = c.energyTarget === 'log' ? Math.exp(e) : e;
        dCm[i] = predictLinear(c.d, row);
      }
      return Promise.resolve({ energyGeV, dCm });
    },
  };
}
