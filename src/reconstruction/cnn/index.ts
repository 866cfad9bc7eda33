export {
  selectBackend,
  activeBackend,
  nativeBindingStatus,
  type BackendRequest,
  type BackendName,
  type BackendChoiceResult,
} from './backend.js';
export { registerWasmGradKernels, conv2dBackpropFilterViaConv } from './wasm-kernels.js';
export { CoordConv, registerCoordConv, coordinateChannels, type CoordConvArgs } from './coord-conv.js';
export {
  buildInputs,
  windowCentre,
  inputLength,
  inputChannels,
  inputSpecFor,
  validateInputSpec,
  DEFAULT_INPUT_SPEC,
  DEFAULT_WINDOW_CM,
  type InputSpec,
} from './preprocess.js';
export {
  buildEnergyVertexNet,
  createEnergyVertexModel,
  loadEnergyVertexModel,
  attachMetadata,
  readMetadata,
  metadataFor,
  predictScaled,
  featureInputs,
  featureInputLength,
  featureRow,
  type FeatureInput,
  scaleEnergy,
  unscaleEnergy,
  scaleVertex,
  unscaleVertex,
  DEFAULT_ARCHITECTURE,
  type NetArchitecture,
  type ModelMetadata,
  type ModelOptions,
  type CnnModel,
} from './model.js';
export { buildModelInputs, type ModelInputSpec } from './model-inputs.js';
export { SparseInputs, datasetFrom, datasetFromDense, type Dataset } from './dataset.js';
export {
  trainEnergyVertexNet,
  evaluateEnergyVertexNet,
  energyVertexResolution,
  l2At,
  DEFAULT_TRAIN,
  type TrainConfig,
  type TrainHooks,
  type EpochReport,
  type Resolution,
} from './train.js';
export { paretoMarkdown, paretoFront, type CnnVariantResult } from './report.js';
export {
  compileInferencePlan,
  type InferencePlan,
  type PlanStep,
  type PlanResult,
} from './inference-plan.js';
export { runPlan, outputValues } from './inference-run.js';
export { forwardFlopsPerEvent } from './flops.js';
export { loadPlanGraph, type SavedModelStore, type GraphRunner, type GraphResult } from './graph-run.js';
export { planGraph, type PlanGraph } from './graph-def.js';
export { nativeSavedModelApi } from './backend.js';
