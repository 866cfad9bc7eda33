/**
 * What the energy/vertex net reads, built from hits without TensorFlow: the image (preprocess.ts)
 * and the optional second input of standardised baseline features with the stacked trees' ln E
 * and d. Pure, so that the reconstruction's worker threads (../parallel) prepare a batch's inputs
 * and the thread that owns the net only runs it.
 */
import type { DetectorGeometry, Hits } from '../../domain/index.js';
import {
  DEFAULT_MOMENT_FEATURES,
  featureCount,
  featuresOf,
  predictGbt,
  type BoostedCoefficients,
  type FeatureSet,
} from '../baseline/index.js';
import type { ModelInputs } from '../prepare.js';

export type { ModelInputs };
import { buildInputs, inputLength, type InputSpec } from './preprocess.js';

/**
 * The optional second input: a feature set of the baselines (baseline/features.ts), standardised
 * with the training sample's mean and scale, joined to the image branch before the dense head.
 */
export interface FeatureInput {
  readonly set: FeatureSet;
  readonly mean: number[];
  readonly scale: number[];
  /**
   * Stacking: boosted trees on the same feature set, trained on a separate sample, whose ln E and
   * d estimates are appended to the features (so the net learns what the image adds to them).
   */
  readonly boosted?: BoostedCoefficients;
}

/** Length of the feature input: the set's features, plus ln E and d of the stacked trees. */
export function featureInputLength(f: Pick<FeatureInput, 'set' | 'boosted'>, nStations: number): number {
  return featureCount(f.set, nStations) + (f.boosted === undefined ? 0 : 2);
}

/** The raw (unstandardised) feature row of one event into row[0 .. featureInputLength). */
export function featureRow(
  f: Pick<FeatureInput, 'set' | 'boosted'>,
  hits: Hits,
  geometry: DetectorGeometry,
  row: Float64Array,
): void {
  featuresOf(f.set, hits, geometry, DEFAULT_MOMENT_FEATURES, row);
  if (f.boosted === undefined) return;
  const q = featureCount(f.set, geometry.nStations);
  row[q] = predictGbt(f.boosted.energy, row);
  row[q + 1] = predictGbt(f.boosted.d, row);
}

/** Standardised feature rows (n × q, float32) for the net's second input. */
export function featureInputs(
  hits: readonly Hits[],
  geometry: DetectorGeometry,
  f: FeatureInput,
): Float32Array {
  const q = featureInputLength(f, geometry.nStations);
  const row = new Float64Array(q);
  const out = new Float32Array(hits.length * q);
  hits.forEach((h, i) => {
    featureRow(f, h, geometry, row);
    for (let j = 0; j < q; j++) out[i * q + j] = (row[j]! - f.mean[j]!) / f.scale[j]!;
  });
  return out;
}

/** Everything buildModelInputs needs: plain data (a worker receives it by structured clone). */
export interface ModelInputSpec {
  readonly inputSpec: InputSpec;
  readonly features?: FeatureInput;
}

/** Builds a batch's inputs; `images` is used as the image buffer when it is long enough. */
export function buildModelInputs(
  spec: ModelInputSpec,
  hits: readonly Hits[],
  geometry: DetectorGeometry,
  images?: Float32Array,
): ModelInputs {
  const need = inputLength(spec.inputSpec) * hits.length;
  const buf = images !== undefined && images.length >= need ? images : new Float32Array(need);
  const x = buildInputs(hits, geometry, spec.inputSpec, buf).subarray(0, need);
  return {
    n: hits.length,
    images: x,
    ...(spec.features === undefined ? {} : { features: featureInputs(hits, geometry, spec.features) }),
  };
}
