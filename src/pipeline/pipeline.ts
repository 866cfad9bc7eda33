/**
 * The stage wiring (RxJS). Input batches (or single messages, micro-batched here) run through the
 * stateless stages with bounded, order-preserving concurrency; the excess monitor, the sinks and
 * the acks then run strictly in input order, one batch at a time:
 *
 *   input ─► [microBatch] ─► split (≤ batchSize) ─► orderedGroupMap(merge waiting batches ≤ batchSize:
 *            decode→validate→reconstruct→select → release, maxConcurrentBatches)
 *         ─► groupWhileBusy(excess monitor → sinks (all resolved) → acks → metrics) ─► BatchReport per batch
 *
 * Batching adapts to the load: a source batch (one Kafka fetch of a partition) holds what arrived
 * since the last fetch, so a short queue gives small batches (low latency) and a backlog full ones
 * (throughput). A source batch larger than batchSize is split into batchSize pieces, so outputs of
 * the first piece are written while the next one reconstructs, instead of after the whole fetch;
 * the source batch's ack is called with its last piece's. Small batches that wait together (one
 * per partition of a Kafka fetch) are merged into one reconstruction call of up to batchSize
 * frames; each keeps its own ack and release, and each candidate goes to its input's partition.
 *
 * A batch is acknowledged only after every sink resolved its outputs; a sink failure (after
 * retries) errors the stream without acking, so the source redelivers (outputs are idempotent by
 * event id). At input completion the excess monitor is flushed and its last alerts written.
 *
 * With excess 'downstream' (both trigger modes, app/excess-runtime.ts) there is no monitor here:
 * the selected candidates go to the candidates sink, into the input's partition, and the global
 * excess stage (excess-pipeline.ts) counts every partition once.
 */
import { createSelector } from '../trigger/index.js';
import { silentLogger } from '../telemetry/index.js';
import { createStages } from './stages.js';
import { type Pipeline, type PipelineConfig, type PipelineDeps } from './pipeline-config.js';
import { OutputWriter } from './pipeline-output.js';
import { PipelineRun } from './pipeline-run.js';
import { type TapBatch } from './types.js';

export {
  DEFAULT_PIPELINE,
  type Pipeline,
  type PipelineConfig,
  type PipelineDeps,
  type PipelineSinks,
} from './pipeline-config.js';
export { splitBatch } from './pipeline-run.js';

const wallClockNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

/** The stages, the selector and the writer, made once; each `run` has its own excess monitor. */
export function createPipeline(config: PipelineConfig, deps: PipelineDeps): Pipeline {
  const logger = deps.logger ?? silentLogger;
  const m = deps.metrics;
  m.setBackend(deps.reconstructor.info.backend);
  const selector = createSelector({
    selection: config.trigger.selection,
    geometry: config.geometry,
    ...(config.classifierThreshold === undefined ? {} : { classifierThreshold: config.classifierThreshold }),
  });
  const stages = createStages(config, {
    decode: deps.decode,
    reconstructor: deps.reconstructor,
    selector,
    metrics: m,
    logger,
    ...(deps.anomaly === undefined ? {} : { anomaly: deps.anomaly }),
  });
  const writer = new OutputWriter(config, deps.sinks, stages.components, logger, m);
  const tap = (b: TapBatch): void => {
    try {
      deps.tap?.onBatch(b);
    } catch (e) {
      logger.warn('pipeline tap failed', { error: String(e) });
    }
  };
  const parts = { config, deps, stages, writer, logger, clock: deps.clock ?? wallClockNs, tap };
  return {
    run: (input$) => new PipelineRun(parts).run(input$),
  };
}
