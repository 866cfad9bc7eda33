/**
 * What the event display draws for one selected candidate (pure): its hits per station, each
 * labelled with its DBSCAN cluster, the cluster centres, the fitted shower axis and the vertex.
 * The clustering and track choice are re-run here with the trigger's own configuration on the
 * frame the reconstruction saw (hot pixels masked: the trigger runtime hands the display
 * Reconstructor.seen(frame)); deterministic, so they are the clusters the reconstruction used.
 * The display runs them only for the few candidates it shows, never on the pipeline's path.
 */
import {
  planeZCm,
  pixelToXCm,
  pixelToYCm,
  type Candidate,
  type DetectorGeometry,
  type HitFrame,
} from '../domain/index.js';
import {
  chooseTrack,
  createDbscan,
  type StationCluster,
  type TransverseConfig,
} from '../reconstruction/index.js';
import type { CandidateDetail, CandidateSummary, StationView } from './protocol.js';

export function candidateSummary(c: Candidate): CandidateSummary {
  const e = c.event;
  return {
    eventId: e.eventId,
    runId: e.runId,
    tS: Number(e.timestampNs / 1_000_000n) / 1000,
    energyGeV: e.energyGeV,
    dCm: e.dCm,
    xCm: e.xCm,
    yCm: e.yCm,
    nHits: e.nHits,
    stationsUsed: e.stationsUsed,
    fitRmsCm: e.fitRmsCm,
    reasons: c.reasons,
    ...(c.alertId === undefined ? {} : { alertId: c.alertId }),
    ...(e.truth === undefined ? {} : { truthClass: e.truth.eventClass }),
    ...(e.classification === undefined ? {} : { probabilities: e.classification.probabilities }),
  };
}

export interface EventDetailConfig {
  readonly geometry: DetectorGeometry;
  readonly transverse: TransverseConfig;
  /** Hits sent per station at most (the strongest by count; the rest are only counted). */
  readonly maxHitsPerStation: number;
}

/** One station's hits (indices into the frame), their DBSCAN labels and each label's rank among the clusters. */
interface LabelledStation {
  readonly idx: number[];
  readonly rankOf: Int32Array;
  readonly labels: Int32Array;
  /** The station's clusters, largest summed count first (as the station clusterer orders them). */
  readonly clusters: StationCluster[];
}

/** DBSCAN on station s's hits, then the count-weighted centres in the station clusterer's order. */
function clusterStation(
  s: number,
  idx: number[],
  h: HitFrame['hits'],
  g: DetectorGeometry,
  cl: TransverseConfig['clustering'],
  dbscan: ReturnType<typeof createDbscan>,
): LabelledStation {
  const x = Float64Array.from(idx, (i) => (h.ix[i]! + 0.5) * g.pixelPitchMm);
  const y = Float64Array.from(idx, (i) => (h.iy[i]! + 0.5) * g.pixelPitchMm);
  const w = Float64Array.from(idx, (i) => h.count[i]!);
  const r =
    idx.length === 0
      ? { labels: new Int32Array(0), nClusters: 0 }
      : dbscan.run(x, y, idx.length, cl.weightByCount ? w : undefined);
  const labels = Int32Array.from(r.labels);
  const acc = Array.from({ length: r.nClusters }, () => ({ sw: 0, sx: 0, sy: 0, n: 0 }));
  idx.forEach((i, k) => {
    const a = acc[labels[k]!];
    if (a === undefined) return;
    a.sw += h.count[i]!;
    a.sx += h.count[i]! * h.ix[i]!;
    a.sy += h.count[i]! * h.iy[i]!;
    a.n++;
  });
  // Same centres and order as the station clusterer: count-weighted, largest summed count first.
  const list = acc.map((a, label) => ({
    label,
    c: {
      station: s,
      xCm: pixelToXCm(g, a.sx / a.sw),
      yCm: pixelToYCm(g, a.sy / a.sw),
      sumCount: a.sw,
      nHits: a.n,
    },
  }));
  list.sort((p, q) => q.c.sumCount - p.c.sumCount || q.c.nHits - p.c.nHits);
  const rankOf = new Int32Array(r.nClusters);
  list.forEach((e, rank) => (rankOf[e.label] = rank));
  return { idx, rankOf, labels, clusters: list.map((e) => e.c) };
}

/** What the display draws of station s: its strongest hits with their cluster ranks, and its clusters. */
function stationView(
  s: number,
  st: LabelledStation,
  h: HitFrame['hits'],
  cfg: EventDetailConfig,
  track: ReturnType<typeof chooseTrack>,
): StationView {
  const g = cfg.geometry;
  const { idx, rankOf, labels } = st;
  const order = idx
    .map((_, k) => k)
    .sort((a, b) => h.count[idx[b]!]! - h.count[idx[a]!]!)
    .slice(0, cfg.maxHitsPerStation);
  const chosen = track?.points.find((p) => p.station === s);
  return {
    station: s,
    zCm: planeZCm(g, s),
    hitsTotal: idx.length,
    hits: {
      xCm: order.map((k) => pixelToXCm(g, h.ix[idx[k]!]!)),
      yCm: order.map((k) => pixelToYCm(g, h.iy[idx[k]!]!)),
      count: order.map((k) => h.count[idx[k]!]!),
      cluster: order.map((k) => (labels[k]! < 0 ? -1 : rankOf[labels[k]!]!)),
    },
    clusters: st.clusters.map((c) => ({
      xCm: c.xCm,
      yCm: c.yCm,
      nHits: c.nHits,
      sumCount: c.sumCount,
      chosen: chosen !== undefined && chosen.xCm === c.xCm && chosen.yCm === c.yCm,
    })),
  };
}

export function candidateDetail(c: Candidate, frame: HitFrame, cfg: EventDetailConfig): CandidateDetail {
  const g = cfg.geometry;
  const cl = cfg.transverse.clustering;
  const dbscan = createDbscan({
    eps: cl.epsMm,
    minSamples: cl.minHits,
    index: cl.index,
    latticePitch: g.pixelPitchMm,
  });
  const h = frame.hits;
  const perStation: number[][] = Array.from({ length: g.nStations }, () => []);
  for (let i = 0; i < h.station.length; i++) perStation[h.station[i]!]?.push(i);
  const labelled = perStation.map((idx, s) => clusterStation(s, idx, h, g, cl, dbscan));
  const kept = labelled.map((l) => l.clusters.slice(0, cl.maxClustersPerStation));
  const track = chooseTrack(kept, g, cfg.transverse.track);
  const stations = labelled.map((st, s) => stationView(s, st, h, cfg, track));
  const e = c.event;
  // The published origin (the station-combined one of the reconstruction), not the axis extrapolated.
  const v = { xCm: e.xCm, yCm: e.yCm };
  return {
    ...candidateSummary(c),
    stations,
    track:
      track === undefined
        ? null
        : { x0Cm: track.x0Cm, slopeX: track.slopeX, y0Cm: track.y0Cm, slopeY: track.slopeY },
    vertex: { xCm: v.xCm, yCm: v.yCm, zCm: e.dCm },
  };
}
