/**
 * Transverse reconstruction of one frame: DBSCAN clusters per station → best straight track
 * (clustering), and beside it the weighted-mean track (baseline). The origin needs the vertex z,
 * which comes from the energy/vertex model: call originAt(track, dCm) once d is known.
 */
import { ContractError } from '../../domain/index.js';
import type { DetectorGeometry, Hits } from '../../domain/index.js';
import {
  createStationClusterer,
  DEFAULT_STATION_CLUSTERING,
  type StationClusteringConfig,
} from './station.js';
import {
  chooseTrack,
  DEFAULT_TRACK_CHOICE,
  weightedMeanTrack,
  type TrackChoiceConfig,
  type TrackFit,
} from './track.js';

export interface TransverseConfig {
  readonly clustering: StationClusteringConfig;
  readonly track: TrackChoiceConfig;
}
export const DEFAULT_TRANSVERSE: TransverseConfig = {
  clustering: DEFAULT_STATION_CLUSTERING,
  track: DEFAULT_TRACK_CHOICE,
};

export interface TransverseResult {
  /** Track through the chosen DBSCAN clusters; undefined when no station has a cluster. */
  readonly track: TrackFit | undefined;
  /** Number of DBSCAN clusters found per station (before the top-k cut). */
  readonly clustersPerStation: readonly number[];
}

export interface TransverseReconstructor {
  readonly config: TransverseConfig;
  reconstruct(hits: Hits): TransverseResult;
  /** The baseline track: count-weighted mean of all hits of the busiest station (weightedMeanTrack). */
  baseline(hits: Hits): TrackFit | undefined;
}

export function createTransverseReconstructor(
  geometry: DetectorGeometry,
  config: TransverseConfig = DEFAULT_TRANSVERSE,
): TransverseReconstructor {
  const clusterer = createStationClusterer(geometry, {
    ...config.clustering,
    maxClustersPerStation: Number.MAX_SAFE_INTEGER,
  });
  const k = config.clustering.maxClustersPerStation;
  if (!(k >= 1)) throw new ContractError('clustering.maxClustersPerStation must be >= 1');
  return {
    config,
    reconstruct(hits) {
      const all = clusterer.cluster(hits);
      const clustersPerStation = all.map((l) => l.length);
      const kept = all.map((l) => (l.length > k ? l.slice(0, k) : l));
      return { track: chooseTrack(kept, geometry, config.track), clustersPerStation };
    },
    baseline: (hits) => weightedMeanTrack(hits, geometry),
  };
}
