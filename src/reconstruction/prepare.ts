/**
 * The per-event part of the reconstruction that does not need the energy/vertex model: the DBSCAN
 * track, the robust centre that seeds the transverse origin, and the net's inputs (image and
 * feature row) for the events with a track. It is most of the CPU time per event (bench-reco).
 * Events are independent, so a batch can be split across threads (parallel/) and merged back.
 * Pure and synchronous; buffers belong to the returned batch.
 */
import type { DetectorGeometry, Hits } from '../domain/index.js';
import {
  createTransverseReconstructor,
  robustCentreTrack,
  type TrackFit,
  type TransverseConfig,
} from './clustering/index.js';

/** A model's inputs for a batch (the CNN's: cnn/model-inputs.ts): images n × per-event length, feature rows n × q. */
export interface ModelInputs {
  readonly n: number;
  readonly images: Float32Array;
  readonly features?: Float32Array;
}

/** Builds a model's inputs for a batch of hits (pure; e.g. cnn/model-inputs.ts's buildModelInputs with a spec). */
export type ModelInputBuilder = (hits: readonly Hits[]) => ModelInputs;

export interface PreparedEvent {
  /** The DBSCAN track; undefined when no station has a cluster (the event is not reconstructed). */
  readonly track?: TrackFit;
  /** The robust centre of the busiest station (only for events with a track). */
  readonly robust?: TrackFit;
  /** DBSCAN clusters found per station (only for events with a track; the event classifier's features use them). */
  readonly clustersPerStation?: readonly number[];
}

export interface PreparedBatch {
  readonly events: PreparedEvent[];
  /** The model's inputs for the events with a track, in batch order (when an input builder is given). */
  readonly inputs?: ModelInputs;
}

export interface EventPreparer {
  prepare(hits: readonly Hits[]): PreparedBatch;
}

export function createEventPreparer(
  geometry: DetectorGeometry,
  transverse: TransverseConfig,
  buildInputs?: ModelInputBuilder,
): EventPreparer {
  const t = createTransverseReconstructor(geometry, transverse);
  return {
    prepare(hits) {
      const events: PreparedEvent[] = new Array<PreparedEvent>(hits.length);
      const withTrack: Hits[] = [];
      for (let i = 0; i < hits.length; i++) {
        const h = hits[i]!;
        const { track, clustersPerStation } = t.reconstruct(h);
        if (track === undefined) {
          events[i] = {};
          continue;
        }
        const robust = robustCentreTrack(h, geometry);
        events[i] =
          robust === undefined ? { track, clustersPerStation } : { track, robust, clustersPerStation };
        withTrack.push(h);
      }
      return buildInputs === undefined ? { events } : { events, inputs: buildInputs(withTrack) };
    },
  };
}

/** Concatenates batches prepared for consecutive chunks of one batch (same input builder), in order. */
export function mergePrepared(parts: readonly PreparedBatch[]): PreparedBatch {
  if (parts.length === 1) return parts[0]!;
  const events = parts.flatMap((p) => p.events);
  const inputs = parts.map((p) => p.inputs);
  if (inputs.some((x) => x === undefined)) return { events };
  const all = inputs as ModelInputs[];
  const images = concat(all.map((x) => x.images));
  const n = all.reduce((s, x) => s + x.n, 0);
  const features = all[0]!.features === undefined ? undefined : concat(all.map((x) => x.features!));
  return { events, inputs: features === undefined ? { n, images } : { n, images, features } };
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
