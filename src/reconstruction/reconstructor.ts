/**
 * The full per-frame reconstruction: DBSCAN track per frame → energy/vertex model on the batch of
 * frames with a track → transverse origin from every station around the robust centre of the
 * busiest station, given the reconstructed E and d (clustering/origin.ts) → RecoEvent. DBSCAN
 * decides whether there is a shower (status no_cluster otherwise) and gives the track quality.
 * Frames arrive validated (domain validateFrame, run once by the
 * pipeline stages; simulated frames are valid by construction): nothing here checks them again.
 * A frame without a usable cluster, or a non-finite model output, gets a status that says why and
 * every number 0 (no NaN). Only infrastructure failures (the model throwing) reject.
 */
import {
  type Classification,
  type DetectorGeometry,
  type HitFrame,
  type Hits,
  type RecoEvent,
  type RecoStatus,
  type Reconstructor,
} from '../domain/index.js';
import {
  DEFAULT_ORIGIN,
  DEFAULT_TRANSVERSE,
  originAt,
  stationCombinedOrigin,
  type OriginConfig,
  type TransverseConfig,
} from './clustering/index.js';
import { classifierFeatureCount, classifierFeatures } from './classifier-features.js';
import { createEventPreparer, type ModelInputs, type PreparedBatch } from './prepare.js';

/**
 * Energy and longitudinal vertex for a batch of frames' hits, same order. Implemented by the CNN
 * (src/reconstruction/cnn) and by the Gaussian-moment baseline (src/reconstruction/baseline).
 */
export interface EnergyVertexModel {
  predict(hits: readonly Hits[]): Promise<{ energyGeV: Float32Array; dCm: Float32Array }>;
  /**
   * For a model whose inputs are built without it (the CNN, cnn/model-inputs.ts): predict on
   * inputs built elsewhere, possibly in worker threads. Same results as predict on the same hits.
   */
  predictInputs?(x: ModelInputs): Promise<{ energyGeV: Float32Array; dCm: Float32Array }>;
  /** execution: how the model runs, for logs (e.g. the CNN's fused inference plan, or why not). */
  readonly info: { readonly name: string; readonly backend: string; readonly execution?: string };
  dispose(): void;
}

export interface ReconstructorConfig {
  readonly transverse: TransverseConfig;
  /** The origin from every station around the clustering's axis (clustering/origin.ts). */
  readonly origin: OriginConfig;
}

export const DEFAULT_RECONSTRUCTOR: ReconstructorConfig = {
  transverse: DEFAULT_TRANSVERSE,
  origin: DEFAULT_ORIGIN,
};

/** Maps the validated `reconstruction` config section onto the clustering parameters. */
export function reconstructorConfig(r: { dbscanEpsMm: number; dbscanMinHits: number }): ReconstructorConfig {
  return {
    origin: DEFAULT_ORIGIN,
    transverse: {
      ...DEFAULT_TRANSVERSE,
      clustering: { ...DEFAULT_TRANSVERSE.clustering, epsMm: r.dbscanEpsMm, minHits: r.dbscanMinHits },
    },
  };
}

export interface ReconstructorOptions {
  /**
   * Prepares each batch (prepare.ts), with the model's inputs for a model with predictInputs: in
   * this thread or split across worker threads (parallel/). By default the batch is prepared
   * here without model inputs, and the model builds them in predict.
   */
  readonly preparer?: BatchPreparer;
  /**
   * Event classification: called with the event-class features (classifier/features.ts) of each
   * reconstructed (status ok) event; what it returns travels in the RecoEvent. The row is scratch
   * memory, valid during the call only.
   */
  readonly classify?: (row: Float64Array) => Classification | undefined;
}

export interface BatchPreparer {
  prepare(hits: readonly Hits[]): PreparedBatch | Promise<PreparedBatch>;
  /** Where batches are prepared, for logs (e.g. "2 worker threads + this one"); undefined: this thread. */
  readonly preparedBy?: string;
}

export function createReconstructor(
  geometry: DetectorGeometry,
  model: EnergyVertexModel,
  config: ReconstructorConfig = DEFAULT_RECONSTRUCTOR,
  options: ReconstructorOptions = {},
): Reconstructor {
  const preparer: BatchPreparer = options.preparer ?? createEventPreparer(geometry, config.transverse);
  const info = { backend: model.info.backend, model: model.info.name };
  const classify = options.classify;
  const row = new Float64Array(classifierFeatureCount(geometry.nStations));
  // Read when asked: a pool that lost a worker says so.
  if (options.preparer !== undefined)
    Object.defineProperty(info, 'preparedBy', { enumerable: true, get: () => preparer.preparedBy });
  return {
    info,
    dispose: () => model.dispose(),
    async reconstruct(frames: readonly HitFrame[]): Promise<RecoEvent[]> {
      const hits = frames.map((f) => f.hits);
      const prepared = await preparer.prepare(hits);
      const out = new Array<RecoEvent>(frames.length);
      const pending: number[] = [];
      for (let i = 0; i < frames.length; i++) {
        if (prepared.events[i]!.track === undefined) {
          out[i] = rejected(
            frames[i]!,
            'no_cluster',
            `no DBSCAN cluster in any station (eps ${config.transverse.clustering.epsMm} mm, min ${config.transverse.clustering.minHits} hits)`,
          );
          continue;
        }
        pending.push(i);
      }
      if (pending.length > 0) {
        const pred =
          prepared.inputs !== undefined && model.predictInputs !== undefined
            ? await model.predictInputs(prepared.inputs)
            : await model.predict(pending.map((i) => hits[i]!));
        for (let k = 0; k < pending.length; k++) {
          const i = pending[k]!;
          const { track, robust, clustersPerStation } = prepared.events[i]!;
          const f = frames[i]!;
          const e = pred.energyGeV[k];
          const d = pred.dCm[k];
          if (e === undefined || d === undefined || !Number.isFinite(e) || !Number.isFinite(d)) {
            out[i] = rejected(f, 'non_finite', `model ${model.info.name} returned E=${e}, d=${d}`);
            continue;
          }
          // Seed: the robust centre of the busiest station (DBSCAN's line, extrapolated, has longer tails).
          const axis = originAt(robust ?? track!, d);
          const o = stationCombinedOrigin(f.hits, geometry, axis, e, d, config.origin) ?? axis;
          const classification =
            classify === undefined
              ? undefined
              : classifyAccepted(classify, row, [
                  f.hits,
                  geometry,
                  { energyGeV: e, dCm: d, xCm: o.xCm, yCm: o.yCm, nHits: f.hits.station.length },
                  track!,
                  clustersPerStation ?? [],
                ]);
          out[i] = {
            runId: f.runId,
            eventId: f.eventId,
            timestampNs: f.timestampNs,
            status: 'ok',
            nHits: f.hits.station.length,
            energyGeV: e,
            dCm: d,
            xCm: o.xCm,
            yCm: o.yCm,
            fitRmsCm: track!.rmsCm,
            stationsUsed: track!.stationsUsed,
            ...(classification === undefined ? {} : { classification }),
            ...(f.truth === undefined ? {} : { truth: f.truth }),
          };
        }
      }
      return out;
    },
  };
}

/** classifierFeatures' inputs before its output row. */
type ClassifierInputs = [
  Parameters<typeof classifierFeatures>[0],
  Parameters<typeof classifierFeatures>[1],
  Parameters<typeof classifierFeatures>[2],
  Parameters<typeof classifierFeatures>[3],
  Parameters<typeof classifierFeatures>[4],
];

/** The classifier's verdict on an accepted event, its feature row written into `row` (reused scratch). */
function classifyAccepted(
  classify: (row: Float64Array) => Classification | undefined,
  row: Float64Array,
  args: ClassifierInputs,
): Classification | undefined {
  classifierFeatures(...args, row);
  return classify(row);
}

function rejected(f: HitFrame, status: RecoStatus, detail: string): RecoEvent {
  return {
    runId: f.runId,
    eventId: f.eventId,
    timestampNs: f.timestampNs,
    status,
    detail,
    nHits: f.hits.station.length,
    energyGeV: 0,
    dCm: 0,
    xCm: 0,
    yCm: 0,
    fitRmsCm: 0,
    stationsUsed: 0,
    ...(f.truth === undefined ? {} : { truth: f.truth }),
  };
}
