export {
  createPipeline,
  DEFAULT_PIPELINE,
  type Pipeline,
  type PipelineConfig,
  type PipelineDeps,
  type PipelineSinks,
} from './pipeline.js';
export { recordExcess, type BatchReport } from './report.js';
export {
  createExcessPipeline,
  type CandidateBatch,
  type ExcessControl,
  type ExcessInput,
  type ExcessRunOptions,
  type ExcessPipeline,
  type ExcessPipelineConfig,
  type ExcessPipelineDeps,
} from './excess-pipeline.js';
export {
  createExcessStage,
  DEFAULT_MAX_TRACKED_IDS,
  type ExcessStage,
  type ExcessStageConfig,
  type ExcessStageUpdate,
  type SkippedMessage,
  type SourcedCandidate,
} from './excess-stage.js';
export {
  createWatermarkTracker,
  type UpstreamPending,
  type WatermarkConfig,
  type WatermarkTracker,
} from './watermark.js';
export { microBatch, orderedMap } from './operators.js';
export { withRetry, isRetriable, untilElapsed, DEFAULT_RETRY, type RetryPolicy } from './retry.js';
export { COMPONENTS, type ComponentName } from './stages.js';
export {
  isInputBatch,
  type Ack,
  type InputMessage,
  type InputBatch,
  type PipelineInput,
  type PipelineTap,
  type Sink,
  type TapBatch,
  type WriteContext,
} from './types.js';
export {
  deadLetter,
  deadLetterHeaders,
  deadLetterKey,
  fitDeadLetter,
  keyOf,
  sha256Hex,
  MAX_DEAD_LETTER_KEY_BYTES,
} from './dead-letter.js';
export { createDuplicateIdGuard, frameFingerprint, type DuplicateIdGuard } from './duplicate-ids.js';
export { createAnomalyStage, type AnomalyStage, type AnomalyStageDeps } from './anomaly-stage.js';
