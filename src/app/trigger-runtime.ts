/**
 * Assembly shared by the commands that run the trigger (run, replay): config → backend + model →
 * reconstructor (behind the online hot-pixel mask, one per pipeline) → metrics + HTTP endpoint → pipeline. Sources and sinks are chosen by the caller.
 * The excess-only role needs no model: startServiceRuntime is the part without it.
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
  type PipelineConfig,
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

export interface TriggerRuntime extends ServiceRuntime {
  readonly reconstructor: Reconstructor;
  /**
   * A pipeline on this runtime's reconstructor and metrics; excess 'downstream' leaves the excess to
   * the global stage; maxDeadLetterBytes is the DLQ topic's record limit (Kafka: known once connected).
   */
  pipeline(
    sinks: PipelineSinks,
    opts?: { excess?: PipelineConfig['excess']; maxDeadLetterBytes?: number },
  ): Pipeline;
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
  const r = cfg.reconstruction;
  // The endpoint first: a port in use fails the command at once, before seconds of model loading.
  // /readyz stays false until the model is loaded and warm (and then follows opts.ready).
  let warm = false;
  let backend = 'loading';
  const service = await startServiceRuntime(cfg, opts, 'loading', () => warm);
  let reconstructor: Reconstructor;
  let model: Awaited<ReturnType<typeof loadCnnModel>>;
  let recoLib: typeof import('../reconstruction/index.js');
  let pool: import('../reconstruction/index.js').PreparePool | undefined;
  let classifier: import('../reconstruction/index.js').EventClassifier | undefined;
  let anomaly: OnlineAnomaly | undefined;
  try {
    anomaly = await loadOnlineAnomaly(cfg, service);
    model = await loadCnnModel(r.modelDir, cfg.detector, r.backend);
    const sel = cfg.trigger.selection;
    classifier =
      sel.mode === 'classifier'
        ? await loadEventClassifier(r.modelDir, sel.classifier, sel.classifierThreshold)
        : undefined;
    if (sel.mode === 'classifier' && classifier === undefined)
      logger.warn('no classifier.json in the model directory: the cut list selects', {
        modelDir: r.modelDir,
      });
    recoLib = await import('../reconstruction/index.js');
    const rc = recoLib.reconstructorConfig(r);
    // Worker threads prepare each batch's DBSCAN, robust centres and CNN inputs beside this thread.
    const threads = reconstructionThreads(r.threads, availableParallelism());
    pool =
      threads === 0
        ? undefined
        : recoLib.createPreparePool(
            { threads, geometry: cfg.detector, transverse: rc.transverse, spec: model.inputSpec },
            {
              onWorkerLost: (i, e) =>
                logger.warn('reconstruction worker thread lost; its share is prepared on the main thread', {
                  worker: i,
                  error: e.message,
                }),
            },
          );
    const clf = classifier;
    reconstructor = recoLib.createReconstructor(cfg.detector, model, rc, {
      ...(pool === undefined ? {} : { preparer: pool }),
      ...(clf === undefined ? {} : { classify: (row: Float64Array) => clf.classify(row) }),
    });
  } catch (e) {
    await pool?.close();
    await service.close();
    throw e;
  }
  const reco = reconstructor;
  const { createHotPixelMask, withHotPixelMask } = recoLib;
  /** Each pipeline (one per trigger process) learns its own hot-pixel mask from the frames it reconstructs. */
  const masked = (log: Logger): Reconstructor => {
    const mask = createHotPixelMask(cfg.detector, r.hotPixels);
    return mask.enabled
      ? withHotPixelMask(reco, mask, hotPixelReporter(mask, cfg.detector.nStations, service.metrics, log))
      : reco;
  };
  const codecs = createCodecs(cfg.kafka.codec);
  // The warm-up's pipeline reconstructs without the mask: its simulated frames must not count as occupancy.
  const makePipeline = (
    sinks: PipelineSinks,
    metrics: Metrics,
    log: Logger,
    excess: PipelineConfig['excess'] = 'inline',
    maxDeadLetterBytes = Infinity,
    tap?: PipelineTap,
    recon: Reconstructor = reco,
    anomalyStage?: AnomalyStage,
  ): Pipeline =>
    createPipeline(
      {
        ...DEFAULT_PIPELINE,
        geometry: cfg.detector,
        trigger: cfg.trigger,
        maxHits: r.maxHits,
        batchSize: r.batchSize,
        batchTimeoutMs: r.batchTimeoutMs,
        excess,
        plausibility: cfg.validation,
        duplicateIdWindow: cfg.validation.duplicateIdWindow,
        maxDeadLetterBytes,
        ...(classifier === undefined ? {} : { classifierThreshold: classifier.threshold }),
      },
      {
        decode: decodeFrame,
        reconstructor: recon,
        sinks,
        metrics,
        logger: log,
        ...(tap === undefined ? {} : { tap: seenBy(recon, tap) }),
        ...(anomalyStage === undefined ? {} : { anomaly: anomalyStage }),
      },
    );
  const warmupMs = await warmUp(cfg, codecs, (sinks, metrics, log) =>
    makePipeline(sinks, metrics, log, 'inline', Infinity, undefined, reco, anomaly?.stage()),
  );
  backend = reco.info.backend;
  warm = true;
  logger.info('inference backend', {
    selection: classifier === undefined ? 'cuts' : `classifier ${classifier.kind} >= ${classifier.threshold}`,
    backend,
    model: reco.info.model,
    execution: model.info.execution,
    preparedBy: reco.info.preparedBy ?? 'the main thread',
    anomaly:
      anomaly === undefined
        ? 'off'
        : `${anomaly.scorer.name}, threshold ${anomaly.scorer.reference.threshold.toPrecision(4)} for ${anomaly.scorer.reference.budgetHz} Hz`,
    warmupMs: Math.round(warmupMs),
  });
  service.metrics.setBackend(backend);
  service.display.describe(reco.info);
  return {
    ...service,
    backend,
    reconstructor: reco,
    pipeline: (sinks, o = {}) =>
      makePipeline(
        sinks,
        service.metrics,
        logger,
        o.excess,
        o.maxDeadLetterBytes,
        service.display.tap,
        masked(logger),
        anomaly?.stage(anomaly.metrics),
      ),
    async close() {
      await service.close();
      await pool?.close();
      reco.dispose();
    },
  };
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
