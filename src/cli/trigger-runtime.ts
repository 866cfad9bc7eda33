/**
 * Assembly shared by the commands that run the trigger (run, replay): config → backend + model →
 * reconstructor → metrics + HTTP endpoint → pipeline. Sources and sinks are chosen by the caller.
 */
import type { ShowertrigConfig } from '../config/index.js';
import { createCodecs, type CodecSet } from '../codecs/index.js';
import { Rng, type HitFrame, type Reconstructor } from '../domain/index.js';
import { createPipeline, DEFAULT_PIPELINE, type Pipeline, type PipelineSinks } from '../pipeline/index.js';
import { createReconstructor, reconstructorConfig } from '../reconstruction/index.js';
import { generateEvent } from '../sim/index.js';
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
  const warmupMs = await warmUp(reconstructor, cfg);
  logger.info('inference backend', { backend: reconstructor.info.backend, model: reconstructor.info.model, warmupMs: Math.round(warmupMs) });
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

/** Batch sizes the warm-up runs, each WARMUP_ROUNDS times: the sizes micro-batches mostly take. */
const WARMUP_BATCHES = [1, 4, 16, 64];
const WARMUP_ROUNDS = 3;

/**
 * Reconstructs simulated showers before the runtime reports itself: the first calls of a fresh
 * process (JIT, wasm kernels, first inference per batch shape) take tens of milliseconds more than
 * later ones, and without this the first second of a stream pays for them in latency.
 */
async function warmUp(reconstructor: Reconstructor, cfg: ShowertrigConfig): Promise<number> {
  const t0 = performance.now();
  const frames = warmupFrames(cfg, Math.max(...WARMUP_BATCHES));
  for (let round = 0; round < WARMUP_ROUNDS; round++) {
    for (const n of WARMUP_BATCHES) await reconstructor.reconstruct(frames.slice(0, n));
  }
  return performance.now() - t0;
}

function warmupFrames(cfg: ShowertrigConfig, n: number): HitFrame[] {
  const rng = new Rng(0x5eed);
  return Array.from({ length: n }, (_, i) => {
    const { hits } = generateEvent(cfg.detector, cfg.simulation, 'signal', rng);
    return { runId: 'warmup', eventId: `warmup-${i}`, timestampNs: BigInt(i), hits };
  });
}
