/**
 * Assembly shared by the commands that run the trigger (run, replay): config → backend + model →
 * reconstructor → metrics + HTTP endpoint → pipeline. Sources and sinks are chosen by the caller.
 * The excess-only role needs no model: startServiceRuntime is the part without it.
 */
import { from, lastValueFrom } from 'rxjs';
import type { ShowertrigConfig } from '../config/index.js';
import { createCodecs, decodeFrame, type CodecSet } from '../codecs/index.js';
import { Rng, type Reconstructor } from '../domain/index.js';
import { createPipeline, DEFAULT_PIPELINE, type InputBatch, type Pipeline, type PipelineConfig, type PipelineSinks, type Sink } from '../pipeline/index.js';
import { generateEvent } from '../sim/index.js';
import { createMetrics, createMetricsServer, Registry, silentLogger, type Logger, type Metrics, type MetricsServer } from '../telemetry/index.js';
import { loadCnnModel } from './model.js';

/** Metrics registry, /metrics + /healthz + /readyz, codecs: what every trigger role serves. */
export interface ServiceRuntime {
  readonly codecs: CodecSet;
  readonly metrics: Metrics;
  readonly server: MetricsServer;
  readonly metricsUrl: string;
  /** Label of the summary line: the inference backend, or "none" without reconstruction. */
  readonly backend: string;
  close(): Promise<void>;
}

export interface TriggerRuntime extends ServiceRuntime {
  readonly reconstructor: Reconstructor;
  /** A pipeline on this runtime's reconstructor and metrics; excess 'downstream' leaves the excess to the global stage. */
  pipeline(sinks: PipelineSinks, opts?: { excess?: PipelineConfig['excess'] }): Pipeline;
}

export interface RuntimeOptions {
  readonly ready?: () => boolean;
  readonly metricsPort?: number;
}

export async function startServiceRuntime(cfg: ShowertrigConfig, opts: RuntimeOptions = {}, backend = 'none'): Promise<ServiceRuntime> {
  const registry = new Registry();
  const metrics = createMetrics(registry);
  const server = createMetricsServer({ registry, ready: opts.ready ?? (() => true) });
  const addr = await server.start(opts.metricsPort ?? cfg.service.metricsPort, cfg.service.metricsHost);
  return {
    // Outputs use the configured codec; inputs are decoded whatever codec their header names.
    codecs: createCodecs(cfg.kafka.codec),
    metrics,
    server,
    metricsUrl: `http://${addr.host}:${addr.port}/metrics`,
    backend,
    close: () => server.close(),
  };
}

export async function startTriggerRuntime(cfg: ShowertrigConfig, logger: Logger, opts: RuntimeOptions = {}): Promise<TriggerRuntime> {
  const r = cfg.reconstruction;
  // The endpoint listens first, so a port in use stops the command at once, not after the model
  // loaded; /readyz stays 503 until the model is loaded and warmed up.
  let loaded = false;
  const service = await startServiceRuntime(cfg, { ...opts, ready: () => loaded && (opts.ready?.() ?? true) });
  const model = await loadCnnModel(r.modelDir, cfg.detector, r.backend).catch(async (e: unknown) => {
    await service.close();
    throw e;
  });
  const { createReconstructor, reconstructorConfig } = await import('../reconstruction/index.js');
  const reconstructor = createReconstructor(cfg.detector, model, reconstructorConfig(r));
  const codecs = createCodecs(cfg.kafka.codec);
  const makePipeline = (sinks: PipelineSinks, metrics: Metrics, log: Logger, excess: PipelineConfig['excess'] = 'inline'): Pipeline =>
    createPipeline(
      { ...DEFAULT_PIPELINE, geometry: cfg.detector, trigger: cfg.trigger, maxHits: r.maxHits, batchSize: r.batchSize, batchTimeoutMs: r.batchTimeoutMs, excess },
      { decode: decodeFrame, reconstructor, sinks, metrics, logger: log },
    );
  const warmupMs = await warmUp(cfg, codecs, makePipeline);
  logger.info('inference backend', { backend: reconstructor.info.backend, model: reconstructor.info.model, execution: model.info.execution, warmupMs: Math.round(warmupMs) });
  service.metrics.setBackend(reconstructor.info.backend);
  loaded = true;
  return {
    ...service,
    backend: reconstructor.info.backend,
    reconstructor,
    pipeline: (sinks, o = {}) => makePipeline(sinks, service.metrics, logger, o.excess),
    async close() {
      await service.close();
      reconstructor.dispose();
    },
  };
}

/** Batch sizes the warm-up runs, each WARMUP_ROUNDS times: the sizes micro-batches mostly take. */
const WARMUP_BATCHES = [1, 4, 16, 64];
const WARMUP_ROUNDS = 3;

/**
 * Runs simulated showers through a throwaway pipeline (its own metrics registry, sinks that drop)
 * before the runtime reports itself: the first calls of a fresh process (JIT of decode, validation,
 * selection and the excess monitor, wasm kernels, first inference per batch shape) take tens of
 * milliseconds more than later ones, and without this the first seconds of a stream pay for them.
 */
async function warmUp(
  cfg: ShowertrigConfig,
  codecs: CodecSet,
  makePipeline: (sinks: PipelineSinks, metrics: Metrics, log: Logger) => Pipeline,
): Promise<number> {
  const t0 = performance.now();
  const rng = new Rng(0x5eed);
  const values = Array.from({ length: Math.max(...WARMUP_BATCHES) }, (_, i) => {
    const { hits } = generateEvent(cfg.detector, cfg.simulation, 'signal', rng);
    return codecs.frame.encode({ runId: 'warmup', eventId: `warmup-${i}`, timestampNs: BigInt(i) * 1_000_000n, hits });
  });
  const batches: InputBatch[] = [];
  for (let round = 0; round < WARMUP_ROUNDS; round++) {
    for (const n of WARMUP_BATCHES) batches.push({ messages: values.slice(0, n).map((value, i) => ({ key: `warmup-${i}`, value })) });
  }
  const drop: Sink<unknown> = { write: async () => undefined };
  const pipeline = makePipeline({ reco: drop, candidates: drop, alerts: drop, deadLetters: drop }, createMetrics(new Registry(), { defaultMetrics: false }), silentLogger);
  await lastValueFrom(pipeline.run(from(batches)), { defaultValue: undefined });
  return performance.now() - t0;
}
