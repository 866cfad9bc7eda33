export {
  createDbscan,
  SPATIAL_INDEXES,
  type Dbscan,
  type DbscanConfig,
  type DbscanResult,
  type SpatialIndexKind,
} from './dbscan.js';
export {
  createStationClusterer,
  DEFAULT_STATION_CLUSTERING,
  type StationCluster,
  type StationClusterer,
  type StationClusteringConfig,
} from './station.js';
export {
  chooseTrack,
  fitLine,
  originAt,
  weightedMeanTrack,
  DEFAULT_TRACK_CHOICE,
  type TrackChoiceConfig,
  type TrackFit,
  type TrackPoint,
} from './track.js';
export {
  createTransverseReconstructor,
  DEFAULT_TRANSVERSE,
  type TransverseConfig,
  type TransverseReconstructor,
  type TransverseResult,
} from './transverse.js';
export { stationCombinedOrigin, DEFAULT_ORIGIN, type OriginConfig } from './origin.js';
export {
  robustCentres,
  robustCentreTrack,
  robustLineTrack,
  DEFAULT_ROBUST_CENTRE,
  type RobustCentreConfig,
} from './robust.js';
