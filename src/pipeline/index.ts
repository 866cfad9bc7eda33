export { createPipeline, DEFAULT_PIPELINE, type Pipeline, type PipelineConfig, type PipelineDeps, type PipelineSinks, type BatchReport } from './pipeline.js';
export { microBatch, orderedMap } from './operators.js';
export { withRetry, isRetriable, DEFAULT_RETRY, type RetryPolicy } from './retry.js';
export { COMPONENTS, type ComponentName } from './stages.js';
export { isInputBatch, type Ack, type InputMessage, type InputBatch, type PipelineInput, type Sink } from './types.js';
export {
  createMemorySource,
  createMemorySink,
  type MemorySource,
  type MemorySourceConfig,
  type MemorySink,
  type MemorySinkOptions,
} from './memory.js';
