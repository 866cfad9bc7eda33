/**
 * Assembly shared by the commands that run the trigger (run, replay): config → backend + model →
 * reconstructor → metrics + HTTP endpoint → pipeline. Sources and sinks are chosen by the caller.
 */
import type { ShowertrigConfig } from '../config/index.js';
import { createCodecs, type CodecSet } from '../codecs/index.js';
import type { Reconstructor } from '../domain/index.js';
import { createPipeline, DEFAULT_PIPELINE, type Pipeline, type PipelineSinks } from '../pipeline/index.js';
import { createReconstructor, reconstructorConfig } from '../reconstruction/index.js';
import { createMetrics, createMetricsServer, Registry, type Logger, type Metrics, type MetricsServer } from '../telemetry/index.js';
import { loadCnnModel } from './evaluate.js';

export interface TriggerRuntime {
  readonly codecs: CodecSet;
  readonly reconstructor: Reconstructor;
  readonly metrics: Metrics;
  readonly server: MetricsServer;
  readonly metricsUrl: string;
  pipeline(sinks: PipelineSinks): Pipeline;
  close(): Promise<void>;
}

export async function startTriggerRuntime(
  cfg: ShowertrigConfig,
  logger: Logger,
  opts: { ready?: () => boolean; metricsPort?: number } = {},
): Promise<TriggerRuntime> {
  const r = cfg.reconstruction;
  const model = await loadCnnModel(r.modelDir, cfg.detector, r.backend);
  const reconstructor = createReconstructor(cfg.detector, model, reconstructorConfig(r));
  logger.info('inference backend', { backend: reconstructor.info.backend, model: reconstructor.info.model });
  const registry = new Registry();
  const metrics = createMetrics(registry);
  metrics.setBackend(reconstructor.info.backend);
  const server = createMetricsServer({ registry, ready: opts.ready ?? (() => true) });
  const addr = await server.start(opts.metricsPort ?? cfg.service.metricsPort, cfg.service.metricsHost);
  const codecs = createCodecs('avro');
  return {
    codecs,
    reconstructor,
    metrics,
    server,
    metricsUrl: `http://${addr.host}:${addr.port}/metrics`,
    pipeline: (sinks) =>
      createPipeline(
        {
          ...DEFAULT_PIPELINE,
          geometry: cfg.detector,
          trigger: cfg.trigger,
          maxHits: r.maxHits,
          batchSize: r.batchSize,
          batchTimeoutMs: r.batchTimeoutMs,
        },
        { decode: (b) => codecs.frame.decode(b), reconstructor, sinks, metrics, logger },
      ),
    async close() {
      await server.close();
      reconstructor.dispose();
    },
  };
}
