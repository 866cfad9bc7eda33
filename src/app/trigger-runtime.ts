/**
 * Assembly shared by the commands that run the trigger (run, replay): config → backend + model →
 * reconstructor (behind the online hot-pixel mask, one per pipeline) → metrics + HTTP endpoint →
 * pipeline. Sources and sinks are chosen by the caller; the excess stage is excess-runtime.ts,
 * fed by the pipeline's candidates sink. The excess-only role needs no model:
 * startServiceRuntime is the part without it.
 */
import { from, lastValueFrom } from 'rxjs';
import { availableParallelism } from 'node:os';
import { reconstructionThreads, type ShowertrigConfig } from '../config/index.js';
import { createCodecs, decodeFrame, type CodecSet } from '../codecs/index.js';
import { Rng, type Reconstructor } from '../domain/index.js';
import {
  createPipeline,
  DEFAULT_PIPELINE,
  type AnomalyStage,
  type InputBatch,
  type Pipeline,
  type PipelineSinks,
  type PipelineTap,
  type Sink,
} from '../pipeline/index.js';
import { generateEvent } from '../sim/index.js';
import {
  createDisplayHub,
  createDisplayRoutes,
  displayHubConfig,
  type DisplayHub,
} from '../display/index.js';
import {
  createMetrics,
  createMetricsServer,
  Registry,
  silentLogger,
  type Logger,
  type Metrics,
  type MetricsServer,
} from '../telemetry/index.js';
import { loadOnlineAnomaly, type OnlineAnomaly } from './anomaly-runtime.js';
import { hotPixelReporter } from './hot-pixel-log.js';
import { loadCnnModel, loadEventClassifier } from './model.js';

/** Metrics registry, /metrics + /healthz + /readyz, codecs: what every trigger role serves. */
export interface ServiceRuntime {
  readonly codecs: CodecSet;
  readonly metrics: Metrics;
  readonly server: MetricsServer;
  readonly metricsUrl: string;
  /** The live display page (same server), fed by the pipeline's tap and the batch reports. */
  readonly displayUrl: string;
  readonly display: DisplayHub;
  /** Label of the summary line: the inference backend, or "none" without reconstruction. */
  readonly backend: string;
  close(): Promise<void>;
}

/** Per-pipeline options of TriggerRuntime.pipeline. */
export interface PipelineOptions {
  /** The DLQ topic's record limit (Kafka: known once connected); default no limit. */
  readonly maxDeadLetterBytes?: number;
  /** Rejected candidates too go to the candidates sink (the in-process excess input: they move its watermark). */
  readonly writeRejectedCandidates?: boolean;
}

export interface TriggerRuntime extends ServiceRuntime {
  readonly reconstructor: Reconstructor;
  /**
   * A pipeline on this runtime's reconstructor and metrics. It runs no excess monitor: its selected
   * candidates go to the candidates sink, which feeds the excess stage (excess-runtime.ts).
   */
  pipeline(sinks: PipelineSinks, opts?: PipelineOptions): Pipeline;
}

export interface RuntimeOptions {
  readonly ready?: () => boolean;
  /** Lines of the /readyz body after ready / not ready (each Kafka member's state). */
  readonly status?: () => string;
  readonly metricsPort?: number;
  /** Shown on the live display, e.g. "run --brokers". */
  readonly mode?: string;
}

/** Binds the endpoint (at once, so a port in use fails before anything slow). /readyz follows `warm() && opts.ready()`. */
export async function startServiceRuntime(
  cfg: ShowertrigConfig,
  opts: RuntimeOptions = {},
  backend = 'none',
  warm: () => boolean = () => true,
): Promise<ServiceRuntime> {
  const registry = new Registry();
  const metrics = createMetrics(registry);
  const display = createDisplayHub(
    displayHubConfig(cfg, { backend, model: 'none' }, opts.mode ?? 'trigger'),
    metrics,
  );
  const server = createMetricsServer({
    registry,
    ready: () => warm() && (opts.ready ?? (() => true))(),
    ...(opts.status === undefined ? {} : { status: opts.status }),
    routes: createDisplayRoutes(display),
  });
  const port = opts.metricsPort ?? cfg.service.metricsPort;
  // A port in use is a MetricsPortError naming --metrics-port (telemetry/server.ts).
  const addr = await server.start(port, cfg.service.metricsHost);
  display.start();
  return {
    // Outputs use the configured codec; inputs are decoded whatever codec their header names.
    codecs: createCodecs(cfg.kafka.codec),
    metrics,
    server,
    metricsUrl: `http://${addr.host}:${addr.port}/metrics`,
    displayUrl: `http://${addr.host}:${addr.port}/`,
    display,
    backend,
    close: () => {
      display.stop();
      return server.close();
    },
  };
}

export async function startTriggerRuntime(
  cfg: ShowertrigConfig,
  logger: Logger,
  opts: RuntimeOptions = {},
): Promise<TriggerRuntime> {
  // The endpoint first: a port in use fails the command at once, before seconds of model loading.
  // /readyz stays false until the model is loaded and warm (and then follows opts.ready).
  let warm = false;
  const service = await startServiceRuntime(cfg, opts, 'loading', () => warm);
  let loaded: Loaded;
  try {
    loaded = await loadReconstruction(cfg, service, logger);
  } catch (e) {
    await service.close();
    throw e;
  }
  const { reco, classifier, anomaly, pool } = loaded;
  const codecs = createCodecs(cfg.kafka.codec);
  const make = pipelineMaker(cfg, classifier);
  // The warm-up's pipeline reconstructs without the mask: its simulated frames must not count as occupancy.
  const warmupMs = await warmUp(cfg, codecs, (sinks, metrics, log) =>
    make(sinks, { metrics, log, recon: reco, anomalyStage: anomaly?.stage() }),
  );
  warm = true;
  const backend = reco.info.backend;
  logger.info('inference backend', { ...backendLine(loaded), warmupMs: Math.round(warmupMs) });
  service.metrics.setBackend(backend);
  service.display.describe(reco.info);
  const masked = maskedReconstructor(cfg, loaded, service.metrics);
  return {
    ...service,
    backend,
    reconstructor: reco,
    pipeline: (sinks, o = {}) =>
      make(sinks, {
        ...o,
        metrics: service.metrics,
        log: logger,
        tap: service.display.tap,
        recon: masked(logger),
        anomalyStage: anomaly?.stage(anomaly.metrics),
      }),
    async close() {
      await service.close();
      await pool?.close();
      reco.dispose();
    },
  };
}

/** What the trigger runtime loads before it serves: the reconstructor (model, classifier, worker pool) and the anomaly path. */
interface Loaded {
  readonly reco: Reconstructor;
  readonly model: Awaited<ReturnType<typeof loadCnnModel>>;
  readonly classifier: import('../reconstruction/index.js').EventClassifier | undefined;
  readonly anomaly: OnlineAnomaly | undefined;
  readonly pool: import('../reconstruction/index.js').PreparePool | undefined;
  readonly lib: typeof import('../reconstruction/index.js');
}

async function loadReconstruction(
  cfg: ShowertrigConfig,
  service: ServiceRuntime,
  logger: Logger,
): Promise<Loaded> {
  const r = cfg.reconstruction;
  const anomaly = await loadOnlineAnomaly(cfg, service);
  const model = await loadCnnModel(r.modelDir, cfg.detector, r.backend);
  const sel = cfg.trigger.selection;
  const classifier =
    sel.mode === 'classifier'
      ? await loadEventClassifier(r.modelDir, sel.classifier, sel.classifierThreshold)
      : undefined;
  if (sel.mode === 'classifier' && classifier === undefined)
    logger.warn('no classifier.json in the model directory: the cut list selects', { modelDir: r.modelDir });
  const lib = await import('../reconstruction/index.js');
  const rc = lib.reconstructorConfig(r);
  // Worker threads prepare each batch's DBSCAN, robust centres and CNN inputs beside this thread.
  const threads = reconstructionThreads(r.threads, availableParallelism());
  const pool =
    threads === 0
      ? undefined
      : lib.createPreparePool(
          { threads, geometry: cfg.detector, transverse: rc.transverse, spec: model.inputSpec },
          {
            onWorkerLost: (i, e) =>
              logger.warn('reconstruction worker thread lost; its share is prepared on the main thread', {
                worker: i,
                error: e.message,
              }),
          },
        );
  try {
    const reco = lib.createReconstructor(cfg.detector, model, rc, {
      ...(pool === undefined ? {} : { preparer: pool }),
      ...(classifier === undefined ? {} : { classify: (row: Float64Array) => classifier.classify(row) }),
    });
    return { reco, model, classifier, anomaly, pool, lib };
  } catch (e) {
    await pool?.close();
    throw e;
  }
}

/** The fields of the "inference backend" log line. */
function backendLine({ reco, model, classifier, anomaly }: Loaded): Record<string, unknown> {
  return {
    selection: classifier === undefined ? 'cuts' : `classifier ${classifier.kind} >= ${classifier.threshold}`,
    backend: reco.info.backend,
    model: reco.info.model,
    execution: model.info.execution,
    preparedBy: reco.info.preparedBy ?? 'the main thread',
    anomaly:
      anomaly === undefined
        ? 'off'
        : `${anomaly.scorer.name}, threshold ${anomaly.scorer.reference.threshold.toPrecision(4)} for ${anomaly.scorer.reference.budgetHz} Hz`,
  };
}

/** Each pipeline (one per trigger process) learns its own hot-pixel mask from the frames it reconstructs. */
function maskedReconstructor(
  cfg: ShowertrigConfig,
  { reco, lib }: Loaded,
  metrics: Metrics,
): (log: Logger) => Reconstructor {
  return (log) => {
    const mask = lib.createHotPixelMask(cfg.detector, cfg.reconstruction.hotPixels);
    return mask.enabled
      ? lib.withHotPixelMask(reco, mask, hotPixelReporter(mask, cfg.detector.nStations, metrics, log))
      : reco;
  };
}

interface PipelineParts extends PipelineOptions {
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly recon: Reconstructor;
  readonly tap?: PipelineTap;
  readonly anomalyStage?: AnomalyStage | undefined;
}

/** Pipelines on the configured stages; none runs an excess monitor (the excess stage does, excess-runtime.ts). */
function pipelineMaker(
  cfg: ShowertrigConfig,
  classifier: Loaded['classifier'],
): (sinks: PipelineSinks, p: PipelineParts) => Pipeline {
  const r = cfg.reconstruction;
  return (sinks, p) =>
    createPipeline(
      {
        ...DEFAULT_PIPELINE,
        geometry: cfg.detector,
        trigger: cfg.trigger,
        maxHits: r.maxHits,
        batchSize: r.batchSize,
        batchTimeoutMs: r.batchTimeoutMs,
        excess: 'downstream',
        writeRejectedCandidates: p.writeRejectedCandidates ?? false,
        plausibility: cfg.validation,
        duplicateIdWindow: cfg.validation.duplicateIdWindow,
        maxDeadLetterBytes: p.maxDeadLetterBytes ?? Infinity,
        ...(classifier === undefined ? {} : { classifierThreshold: classifier.threshold }),
      },
      {
        decode: decodeFrame,
        reconstructor: p.recon,
        sinks,
        metrics: p.metrics,
        logger: p.log,
        ...(p.tap === undefined ? {} : { tap: seenBy(p.recon, p.tap) }),
        ...(p.anomalyStage === undefined ? {} : { anomaly: p.anomalyStage }),
      },
    );
}

/**
 * The display is shown the frames as the reconstruction saw them (hot pixels masked): its
 * clusters are then the ones the reconstruction used.
 */
function seenBy(recon: Reconstructor, tap: PipelineTap): PipelineTap {
  const seen = recon.seen;
  if (seen === undefined) return tap;
  return {
    onBatch: (b) => tap.onBatch({ ...b, selected: b.selected.map((s) => ({ ...s, frame: seen(s.frame) })) }),
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
    return codecs.frame.encode({
      runId: 'warmup',
      eventId: `warmup-${i}`,
      timestampNs: BigInt(i) * 1_000_000n,
      hits,
    });
  });
  const batches: InputBatch[] = [];
  for (let round = 0; round < WARMUP_ROUNDS; round++) {
    for (const n of WARMUP_BATCHES)
      batches.push({ messages: values.slice(0, n).map((value, i) => ({ key: `warmup-${i}`, value })) });
  }
  const drop: Sink<unknown> = { write: async () => undefined };
  const pipeline = makePipeline(
    { reco: drop, candidates: drop, alerts: drop, deadLetters: drop },
    createMetrics(new Registry(), { defaultMetrics: false }),
    silentLogger,
  );
  await lastValueFrom(pipeline.run(from(batches)), { defaultValue: undefined });
  return performance.now() - t0;
}
