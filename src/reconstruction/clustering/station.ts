/**
 * Clusters of one frame, station by station: DBSCAN on pixel centres (mm), count-weighted
 * centres (cm, detector frame), the strongest few clusters per station kept for the track choice.
 */
import {
  ContractError,
  pixelToXCm,
  pixelToYCm,
  type DetectorGeometry,
  type Hits,
} from '../../domain/index.js';
import { createDbscan, type Dbscan, type SpatialIndexKind } from './dbscan.js';

export interface StationClusteringConfig {
  /** DBSCAN radius, mm, between pixel centres. */
  readonly epsMm: number;
  /** DBSCAN minimum neighbourhood size (point itself included), as sklearn's min_samples. */
  readonly minHits: number;
  /**
   * false (default): every hit is one point, min_samples counts hits — a pixel crossed by many
   * particles is still one hit, so an isolated hot or noisy pixel never becomes a cluster.
   * true: the neighbourhood weight is the summed particle count (sklearn sample_weight=count).
   */
  readonly weightByCount: boolean;
  readonly index: SpatialIndexKind;
  /** Clusters kept per station (the largest by summed count) for the track combination. */
  readonly maxClustersPerStation: number;
}

export const DEFAULT_STATION_CLUSTERING: StationClusteringConfig = {
  epsMm: 2.0,
  minHits: 3,
  weightByCount: false,
  index: 'lattice',
  maxClustersPerStation: 3,
};

export interface StationCluster {
  readonly station: number;
  /** Count-weighted centre, cm. */
  readonly xCm: number;
  readonly yCm: number;
  /** Summed particle count of the cluster's hits. */
  readonly sumCount: number;
  readonly nHits: number;
}

export interface StationClusterer {
  readonly config: StationClusteringConfig;
  /** Clusters per station (index = station), each list sorted by summed count, largest first. */
  cluster(hits: Hits): StationCluster[][];
}

export function createStationClusterer(
  geometry: DetectorGeometry,
  config: StationClusteringConfig = DEFAULT_STATION_CLUSTERING,
): StationClusterer {
  if (!(config.maxClustersPerStation >= 1)) throw new ContractError('maxClustersPerStation must be >= 1');
  return new StationClustererRuntime(geometry, config);
}

class StationClustererRuntime implements StationClusterer {
  private readonly dbscan: Dbscan;
  private xMm = new Float64Array(1024);
  private yMm = new Float64Array(1024);
  private w = new Float64Array(1024);
  private idx = new Int32Array(1024);

  constructor(
    private readonly geometry: DetectorGeometry,
    readonly config: StationClusteringConfig,
  ) {
    this.dbscan = createDbscan({
      eps: config.epsMm,
      minSamples: config.minHits,
      index: config.index,
      latticePitch: geometry.pixelPitchMm,
    });
  }

  cluster(hits: Hits): StationCluster[][] {
    const g = this.geometry;
    const nSt = g.nStations;
    const n = hits.station.length;
    if (this.idx.length < n) this.grow(n);
    // Bucket hit indices by station (counting sort): one pass, no per-station filtering.
    const offsets = new Int32Array(nSt + 1);
    for (let i = 0; i < n; i++) {
      const s = hits.station[i]!;
      if (s < nSt) offsets[s + 1]!++;
    }
    for (let s = 0; s < nSt; s++) offsets[s + 1]! += offsets[s]!;
    const fill = offsets.slice(0, nSt);
    for (let i = 0; i < n; i++) {
      const s = hits.station[i]!;
      if (s < nSt) this.idx[fill[s]!++] = i;
    }
    const pitchMm = g.pixelPitchMm;
    const out: StationCluster[][] = [];
    for (let s = 0; s < nSt; s++) {
      const a = offsets[s]!;
      const m = offsets[s + 1]! - a;
      for (let k = 0; k < m; k++) {
        const i = this.idx[a + k]!;
        this.xMm[k] = (hits.ix[i]! + 0.5) * pitchMm;
        this.yMm[k] = (hits.iy[i]! + 0.5) * pitchMm;
        this.w[k] = hits.count[i]!;
      }
      out.push(m === 0 ? [] : this.summarise(s, m, a, hits));
    }
    return out;
  }

  private summarise(station: number, m: number, offset: number, hits: Hits): StationCluster[] {
    const r = this.dbscan.run(this.xMm, this.yMm, m, this.config.weightByCount ? this.w : undefined);
    const k = r.nClusters;
    if (k === 0) return [];
    const sw = new Float64Array(k);
    const sx = new Float64Array(k);
    const sy = new Float64Array(k);
    const nh = new Int32Array(k);
    for (let j = 0; j < m; j++) {
      const c = r.labels[j]!;
      if (c < 0) continue;
      const i = this.idx[offset + j]!;
      const w = this.w[j]!;
      sw[c]! += w;
      // Sum in pixel units, converted once per cluster: fewer float ops, same result.
      sx[c]! += w * hits.ix[i]!;
      sy[c]! += w * hits.iy[i]!;
      nh[c]!++;
    }
    const g = this.geometry;
    const clusters: StationCluster[] = [];
    for (let c = 0; c < k; c++) {
      const wsum = sw[c]!;
      clusters.push({
        station,
        xCm: pixelToXCm(g, sx[c]! / wsum),
        yCm: pixelToYCm(g, sy[c]! / wsum),
        sumCount: wsum,
        nHits: nh[c]!,
      });
    }
    clusters.sort((p, q) => q.sumCount - p.sumCount || q.nHits - p.nHits);
    return clusters.length > this.config.maxClustersPerStation
      ? clusters.slice(0, this.config.maxClustersPerStation)
      : clusters;
  }

  private grow(n: number): void {
    const cap = Math.max(n, this.idx.length * 2);
    this.xMm = new Float64Array(cap);
    this.yMm = new Float64Array(cap);
    this.w = new Float64Array(cap);
    this.idx = new Int32Array(cap);
  }
}
