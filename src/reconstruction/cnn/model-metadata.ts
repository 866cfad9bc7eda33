/**
 * The energy/vertex model's metadata (userDefinedMetadata.showertrig in model.json): what the net
 * was built and trained for, read, attached and checked against the net's inputs.
 */
import type * as tf from '@tensorflow/tfjs';
import { ModelError, type DetectorGeometry } from '../../domain/index.js';
import type { EnergyCalibration } from '../calibration.js';
import { featureInputLength, type FeatureInput } from './model-inputs.js';
import type { InputSpec } from './preprocess.js';

export interface NetArchitecture {
  /** Filters of the first block; block k has width · 2^k (capped at 4 · width). */
  readonly width: number;
  readonly blocks: number;
  readonly denseUnits: number;
}

export const DEFAULT_ARCHITECTURE: NetArchitecture = { width: 8, blocks: 3, denseUnits: 64 };

export interface ModelMetadata {
  readonly format: 'showertrig-energy-vertex/1';
  readonly name: string;
  readonly inputSpec: InputSpec;
  readonly architecture: NetArchitecture;
  readonly targets: { readonly energy: 'log10(E/GeV)-1'; readonly vertex: 'd/3.75cm+1' };
  readonly features?: FeatureInput;
  /** Applied to the net's energy (fitted on the validation sample after training). */
  readonly energyCalibration?: EnergyCalibration;
}

export function readMetadata(net: tf.LayersModel): ModelMetadata {
  const raw = (net.getUserDefinedMetadata() as Record<string, unknown> | undefined)?.['showertrig'] as
    Partial<ModelMetadata> | undefined;
  if (
    raw?.format !== 'showertrig-energy-vertex/1' ||
    raw.inputSpec === undefined ||
    raw.architecture === undefined ||
    typeof raw.name !== 'string'
  ) {
    throw new ModelError(
      'model.json has no showertrig metadata (userDefinedMetadata.showertrig with format showertrig-energy-vertex/1)',
    );
  }
  return raw as ModelMetadata;
}

/** Attaches the metadata to the net so that net.save() writes it into model.json. */
export function attachMetadata(net: tf.LayersModel, meta: ModelMetadata): void {
  net.setUserDefinedMetadata({ showertrig: meta as unknown as Record<string, unknown> } as unknown as object);
}

/** Why the net's inputs and the metadata's feature input disagree, or undefined when they agree. */
export function featureInputProblem(
  net: tf.LayersModel,
  meta: ModelMetadata,
  geometry: DetectorGeometry,
): string | undefined {
  const f = meta.features;
  if (f === undefined)
    return net.inputs.length === 1
      ? undefined
      : `${net.inputs.length} inputs but no feature input in its metadata`;
  if (f.set !== 'moments' && f.set !== 'moments+signal' && f.set !== 'rich')
    return `unknown feature set ${JSON.stringify(f.set)}`;
  if (f.boosted !== undefined && (f.boosted.kind !== 'gbt-energy-vertex' || f.boosted.featureSet !== f.set))
    return `stacked trees must be gbt-energy-vertex on ${f.set}`;
  const q = featureInputLength(f, geometry.nStations);
  if (net.inputs.length !== 2 || net.inputs[1]?.shape[1] !== q)
    return `feature input needs a second input of ${q} features`;
  const ok = (a: unknown): boolean =>
    Array.isArray(a) && a.length === q && a.every((v) => Number.isFinite(v));
  if (!ok(f.mean) || !ok(f.scale) || f.scale.some((v) => v <= 0))
    return `feature mean/scale must be ${q} finite numbers (scale > 0)`;
  return undefined;
}
