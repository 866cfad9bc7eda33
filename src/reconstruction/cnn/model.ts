/**
 * The energy/vertex CNN: CoordConv blocks (3×3 CoordConv → batch norm → ReLU → 2×2 max-pool),
 * a small dense head, two outputs. Targets are scaled to the same range [−1, 1]:
 *   energy: log10(E / GeV) − 1   (E ∈ [1, 100] GeV; relative errors become additive)
 *   vertex: d / 3.75 cm + 1      (d ∈ [−7.5, 0] cm)
 * The preprocessing spec and target scaling travel with the model in model.json's
 * userDefinedMetadata under "showertrig", so a loaded model prepares its own inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelError, type DetectorGeometry, type Hits } from '../../domain/index.js';
import { calibrateEnergy, energyCalibrationProblem } from '../calibration.js';
import type { EnergyVertexModel } from '../reconstructor.js';
import { activeBackend } from './backend.js';
import { CoordConv, registerCoordConv } from './coord-conv.js';
import { graphExecution, layersExecution, planExecution, type Execution } from './execution.js';
import { loadPlanGraph, type SavedModelStore } from './graph-run.js';
import { compileInferencePlan, type InferencePlan } from './inference-plan.js';
import {
  buildModelInputs,
  type FeatureInput,
  type ModelInputs,
  type ModelInputSpec,
} from './model-inputs.js';
import {
  DEFAULT_ARCHITECTURE,
  featureInputProblem,
  readMetadata,
  type ModelMetadata,
  type NetArchitecture,
} from './model-metadata.js';
import { inputChannels, validateInputSpec, type InputSpec } from './preprocess.js';

export type { EnergyVertexModel } from '../reconstructor.js';
export { featureInputs, featureInputLength, featureRow, type FeatureInput } from './model-inputs.js';

export { DEFAULT_ARCHITECTURE, readMetadata, attachMetadata } from './model-metadata.js';
export type { NetArchitecture, ModelMetadata } from './model-metadata.js';

export function scaleEnergy(eGeV: number): number {
  return Math.log10(eGeV) - 1;
}
export function unscaleEnergy(t: number): number {
  return 10 ** (t + 1);
}
export function scaleVertex(dCm: number): number {
  return dCm / 3.75 + 1;
}
export function unscaleVertex(t: number): number {
  return (t - 1) * 3.75;
}

/** nFeatures > 0 adds the second input 'features' (see FeatureInput). */
export function buildEnergyVertexNet(
  spec: InputSpec,
  arch: NetArchitecture = DEFAULT_ARCHITECTURE,
  name = 'coordconv',
  nFeatures = 0,
): tf.LayersModel {
  registerCoordConv();
  // Seeded initial weights: the same architecture trains the same way on every run of a backend.
  let seed = 10;
  const he = () => tf.initializers.heNormal({ seed: seed++ });
  const glorot = () => tf.initializers.glorotUniform({ seed: seed++ });
  const input = tf.input({ shape: [spec.size, spec.size, inputChannels(spec)], name: 'hits' });
  let x: tf.SymbolicTensor = input;
  for (let b = 0; b < arch.blocks; b++) {
    const filters = arch.width * Math.min(4, 2 ** b);
    x = new CoordConv({ filters, useBias: false, name: `coordconv_${b}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ momentum: 0.9, name: `bn_${b}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ name: `relu_${b}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool_${b}` }).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  const inputs = [input];
  if (nFeatures > 0) {
    const f = tf.input({ shape: [nFeatures], name: 'features' });
    inputs.push(f);
    const fd = tf.layers
      .dense({
        units: arch.denseUnits,
        activation: 'relu',
        kernelInitializer: he(),
        name: 'features_dense',
      })
      .apply(f) as tf.SymbolicTensor;
    x = tf.layers.concatenate({ name: 'join' }).apply([x, fd]) as tf.SymbolicTensor;
  }
  x = tf.layers
    .dense({ units: arch.denseUnits, activation: 'relu', kernelInitializer: he(), name: 'dense' })
    .apply(x) as tf.SymbolicTensor;
  if (nFeatures > 0)
    x = tf.layers
      .dense({ units: arch.denseUnits, activation: 'relu', kernelInitializer: he(), name: 'dense_2' })
      .apply(x) as tf.SymbolicTensor;
  const energy = tf.layers
    .dense({ units: 1, kernelInitializer: glorot(), name: 'energy' })
    .apply(x) as tf.SymbolicTensor;
  const vertex = tf.layers
    .dense({ units: 1, kernelInitializer: glorot(), name: 'vertex' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs, outputs: [energy, vertex], name });
}

export function metadataFor(
  name: string,
  spec: InputSpec,
  arch: NetArchitecture,
  features?: FeatureInput,
): ModelMetadata {
  return {
    format: 'showertrig-energy-vertex/1',
    name,
    inputSpec: spec,
    architecture: arch,
    targets: { energy: 'log10(E/GeV)-1', vertex: 'd/3.75cm+1' },
    ...(features === undefined ? {} : { features }),
  };
}

export { predictScaled } from './execution.js';

export interface ModelOptions {
  /**
   * 'auto' (default): the fused plan (inference-plan.ts: batch norms folded, ReLUs fused, heads
   * merged) run as one TensorFlow graph per batch where the backend is native and a SavedModel
   * store is given (graph-run.ts), else the plan op by op, else (a layer the plan does not know)
   * the layers model; 'graph': the graph or a ModelError saying why not; 'plan': never the graph;
   * 'layers': always the layers model (the reference the others are tested against).
   */
  readonly execution?: 'auto' | 'graph' | 'plan' | 'layers';
  /** Where the graph's SavedModel is written while it loads (src/io's temporarySavedModelStore). */
  readonly savedModels?: SavedModelStore;
}

/** The plan (checked against the model's two-output contract), or why the layers model runs. */
function planFor(
  net: tf.LayersModel,
  meta: ModelMetadata,
  options: ModelOptions,
): { plan?: InferencePlan; execution?: Execution } {
  const spec = meta.inputSpec;
  if (options.execution === 'layers') return { execution: layersExecution(net, spec, 'layers model') };
  const compiled = compileInferencePlan(net);
  const plan = compiled.plan;
  if (plan === undefined)
    return { execution: layersExecution(net, spec, `layers model (no fused plan: ${compiled.reason})`) };
  const nInputs = meta.features === undefined ? 1 : 2;
  if (plan.inputs !== nInputs || plan.outputs.length !== 2 || plan.outputs.some((o) => o.width !== 1)) {
    plan.dispose();
    throw new ModelError(
      `model ${meta.name}: expected ${nInputs} input(s) and two 1-wide outputs (energy, vertex)`,
    );
  }
  return { plan };
}

function checkSpec(meta: ModelMetadata, geometry: DetectorGeometry): void {
  const problem = validateInputSpec(meta.inputSpec, geometry);
  if (problem !== undefined)
    throw new ModelError(`model ${meta.name}: input spec does not fit the detector: ${problem}`);
}

/**
 * Wraps a net + its metadata as the reconstructor's EnergyVertexModel, running the fused plan op
 * by op (or the layers model); loadEnergyVertexModel can also run it as a graph. With the plan it
 * snapshots the weights: build it after training, not before.
 */
export function createEnergyVertexModel(
  net: tf.LayersModel,
  meta: ModelMetadata,
  geometry: DetectorGeometry,
  options: ModelOptions = {},
): CnnModel {
  checkSpec(meta, geometry);
  if (options.execution === 'graph')
    throw new ModelError(
      `model ${meta.name}: graph execution needs loadEnergyVertexModel (the session loads asynchronously)`,
    );
  const { plan, execution } = planFor(net, meta, options);
  return wrapModel(
    net,
    meta,
    geometry,
    execution ?? planExecution(plan!, meta.inputSpec, `fused plan: ${plan!.summary}`),
  );
}

/** The graph where it loads (see ModelOptions), else the plan with the reason, else the layers model. */
async function chooseExecution(
  net: tf.LayersModel,
  meta: ModelMetadata,
  options: ModelOptions,
): Promise<Execution> {
  const { plan, execution } = planFor(net, meta, options);
  if (execution !== undefined) {
    if (options.execution === 'graph')
      throw new ModelError(`model ${meta.name}: no graph: ${execution.description}`);
    return execution;
  }
  const spec = meta.inputSpec;
  const planned = `fused plan: ${plan!.summary}`;
  if (options.execution === 'plan') return planExecution(plan!, spec, planned);
  const loaded =
    options.savedModels === undefined
      ? { graph: undefined, reason: 'no SavedModel store given' }
      : await loadPlanGraph(plan!, options.savedModels);
  if (loaded.graph === undefined) {
    if (options.execution === 'graph') {
      plan!.dispose();
      throw new ModelError(`model ${meta.name}: no graph: ${loaded.reason}`);
    }
    return planExecution(plan!, spec, `${planned} (no graph: ${loaded.reason})`);
  }
  plan!.dispose(); // its weights live in the graph now
  return graphExecution(loaded.graph, spec, `graph: ${loaded.graph.summary}; ${planned}`);
}

/** The CNN as an EnergyVertexModel, with the spec of its inputs (to build them elsewhere) and predictInputs. */
export interface CnnModel extends EnergyVertexModel {
  readonly inputSpec: ModelInputSpec;
  predictInputs(x: ModelInputs): Promise<{ energyGeV: Float32Array; dCm: Float32Array }>;
}

function wrapModel(
  net: tf.LayersModel,
  meta: ModelMetadata,
  geometry: DetectorGeometry,
  execution: Execution,
): CnnModel {
  const spec: ModelInputSpec =
    meta.features === undefined
      ? { inputSpec: meta.inputSpec }
      : { inputSpec: meta.inputSpec, features: meta.features };
  /** The image buffer, reused from batch to batch (it grows to the largest batch). */
  let buffer: Float32Array = new Float32Array(0);
  const predictInputs = async (x: ModelInputs): Promise<{ energyGeV: Float32Array; dCm: Float32Array }> => {
    if (x.n === 0) return { energyGeV: new Float32Array(0), dCm: new Float32Array(0) };
    const s = execution.scaled(x.images, x.features);
    const energyGeV = new Float32Array(x.n);
    const dCm = new Float32Array(x.n);
    for (let i = 0; i < x.n; i++) {
      const e = unscaleEnergy(s.energy[i]!);
      energyGeV[i] = meta.energyCalibration === undefined ? e : calibrateEnergy(meta.energyCalibration, e);
      dCm[i] = unscaleVertex(s.vertex[i]!);
    }
    return { energyGeV, dCm };
  };
  return {
    info: { name: meta.name, backend: activeBackend(), execution: execution.description },
    async predict(hits: readonly Hits[]) {
      const x = buildModelInputs(spec, hits, geometry, buffer);
      if (x.images.buffer !== buffer.buffer) buffer = new Float32Array(x.images.buffer);
      return predictInputs(x);
    },
    inputSpec: spec,
    predictInputs,
    dispose: () => {
      execution.dispose();
      net.dispose();
    },
  };
}

/** Loads a saved model through any tfjs IOHandler (files: src/io/model-files.ts; tests: tf.io.fromMemory). */
export async function loadEnergyVertexModel(
  handler: tf.io.IOHandler,
  geometry: DetectorGeometry,
  options: ModelOptions = {},
): Promise<CnnModel> {
  registerCoordConv();
  let net: tf.LayersModel;
  try {
    net = await tf.loadLayersModel(handler);
  } catch (e) {
    throw new ModelError(`cannot load the energy/vertex model: ${(e as Error).message}`, { cause: e });
  }
  const meta = readMetadata(net);
  const shape = net.inputs[0]?.shape;
  const s = meta.inputSpec;
  if (shape?.[1] !== s.size || shape[2] !== s.size || shape[3] !== inputChannels(s)) {
    net.dispose();
    throw new ModelError(
      `model input shape ${JSON.stringify(shape)} does not match its spec ${JSON.stringify(s)}`,
    );
  }
  const calibration =
    meta.energyCalibration === undefined ? undefined : energyCalibrationProblem(meta.energyCalibration);
  const problem =
    calibration === undefined
      ? featureInputProblem(net, meta, geometry)
      : `energyCalibration needs ${calibration}`;
  if (problem !== undefined) {
    net.dispose();
    throw new ModelError(`model ${meta.name}: ${problem}`);
  }
  try {
    checkSpec(meta, geometry);
    return wrapModel(net, meta, geometry, await chooseExecution(net, meta, options));
  } catch (e) {
    net.dispose();
    throw e;
  }
}
