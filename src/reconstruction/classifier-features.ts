/**
 * The event-class features: what a classifier may use to tell a DM–electron shower from the
 * backgrounds, computed from the reconstruction already run (the reconstructed E, d, X, Y, the
 * DBSCAN track's direction and fit) and one pass over the hits. No truth enters.
 *
 * Global: log10 E, d, X, Y, distance to the nearest plane edge, the track's slopes, polar angle θ,
 * E·θ²/(2 mₑ) (below 1 for elastic scattering on an electron at rest, to the resolution), the
 * slope error from the fit (rms / √Σ(z − z̄)², 0 for two stations), fit rms, stations used,
 * first station with a cluster, log(1 + hits).
 * Per station (k = 0 .. nStations − 1), around the track's axis at that plane: log(1 + ADC sum)
 * within CORE_OUTER_CM, the count-weighted rms radius there, the core fraction (ADC within
 * CORE_CM over ADC within CORE_OUTER_CM), log(1 + ADC beyond HALO_CM) (activity outside the
 * core: prongs, a second photon, a second shower), and the number of clusters (connected groups
 * of occupied CELL_MM cells with at least CLUSTER_MIN_HITS hits).
 * Upstream: log(1 + hits within CORE_OUTER_CM of the axis in stations before the track's first).
 * Units in the names. Pure; scratch memory only.
 */
import { planeZCm, pixelToXCm, pixelToYCm, type DetectorGeometry, type Hits, type RecoEvent } from '../domain/index.js';
import type { TrackFit } from './clustering/index.js';
import { stationIndex } from './station-index.js';

/** Core radius for the core fraction, cm (about a third of lead's Molière radius of 1.6 cm). */
export const CORE_CM = 0.5;
/** Radius of the shower window for the width and the ADC sum, cm (~3 Molière radii of lead). */
export const CORE_OUTER_CM = 5;
/** Hits beyond this radius from the axis count as activity outside the core, cm. */
export const HALO_CM = 3;
/** Cell size for counting clusters, mm (8 pixels of 0.5 mm). */
export const CELL_MM = 4;
/** A group of cells counts as a cluster from this many hits on (a dark-noise pixel is one). */
export const CLUSTER_MIN_HITS = 3;

const ELECTRON_MASS_GEV = 0.51099895e-3;
const GLOBAL = [
  'log10_e_gev', 'd_cm', 'x_cm', 'y_cm', 'edge_cm', 'slope_x', 'slope_y', 'theta_rad', 'e_theta2_over_2me',
  'slope_err_rad', 'fit_rms_cm', 'stations_used', 'first_station', 'log1p_hits', 'log1p_upstream_hits',
] as const;
const PER_STATION = ['log1p_adc', 'rms_radius_cm', 'core_fraction', 'log1p_halo_adc', 'clusters'] as const;

export function classifierFeatureNames(nStations: number): string[] {
  const out: string[] = [...GLOBAL];
  for (let s = 0; s < nStations; s++) for (const n of PER_STATION) out.push(`s${s}_${n}`);
  return out;
}

export function classifierFeatureCount(nStations: number): number {
  return GLOBAL.length + PER_STATION.length * nStations;
}

/** The features of one reconstructed (status ok) event into out[offset ..). */
export function classifierFeatures(
  hits: Hits,
  geometry: DetectorGeometry,
  reco: Pick<RecoEvent, 'energyGeV' | 'dCm' | 'xCm' | 'yCm' | 'nHits'>,
  track: TrackFit,
  out: Float64Array,
  offset = 0,
): void {
  const nSt = geometry.nStations;
  const theta = Math.hypot(track.slopeX, track.slopeY);
  let zMean = 0;
  for (const p of track.points) zMean += planeZCm(geometry, p.station);
  zMean /= track.points.length;
  let szz = 0;
  let first = nSt;
  for (const p of track.points) {
    szz += (planeZCm(geometry, p.station) - zMean) ** 2;
    first = Math.min(first, p.station);
  }
  const slopeErr = szz > 0 && track.points.length > 2 ? track.rmsCm / Math.sqrt(szz) : 0;
  const e = Math.max(reco.energyGeV, 1e-3);
  let o = offset;
  out[o++] = Math.log10(e);
  out[o++] = reco.dCm;
  out[o++] = reco.xCm;
  out[o++] = reco.yCm;
  out[o++] = Math.min(geometry.planeWidthCm / 2 - Math.abs(reco.xCm), geometry.planeHeightCm / 2 - Math.abs(reco.yCm));
  out[o++] = track.slopeX;
  out[o++] = track.slopeY;
  out[o++] = theta;
  out[o++] = (e * theta * theta) / (2 * ELECTRON_MASS_GEV);
  out[o++] = slopeErr;
  out[o++] = track.rmsCm;
  out[o++] = track.stationsUsed;
  out[o++] = first;
  out[o++] = Math.log1p(reco.nHits);
  const upstreamAt = o++;
  let upstream = 0;
  const { offsets, order } = stationIndex(hits, nSt);
  for (let s = 0; s < nSt; s++) {
    const z = planeZCm(geometry, s);
    const ax = track.x0Cm + track.slopeX * z;
    const ay = track.y0Cm + track.slopeY * z;
    const st = stationShape(hits, geometry, order, offsets[s]!, offsets[s + 1]!, ax, ay);
    if (s < first) upstream += st.nWindow;
    out[o++] = Math.log1p(st.adc);
    out[o++] = st.rms;
    out[o++] = st.core;
    out[o++] = Math.log1p(st.halo);
    out[o++] = st.clusters;
  }
  out[upstreamAt] = Math.log1p(upstream);
}

interface StationShape {
  readonly adc: number;
  readonly rms: number;
  readonly core: number;
  readonly halo: number;
  readonly clusters: number;
  readonly nWindow: number;
}

const cellHits = new Map<number, number>();

function stationShape(hits: Hits, g: DetectorGeometry, order: Int32Array, a: number, b: number, ax: number, ay: number): StationShape {
  const r2Outer = CORE_OUTER_CM * CORE_OUTER_CM;
  const r2Core = CORE_CM * CORE_CM;
  const r2Halo = HALO_CM * HALO_CM;
  const cellPx = Math.max(1, Math.round(CELL_MM / g.pixelPitchMm));
  let adc = 0;
  let sr2 = 0;
  let core = 0;
  let halo = 0;
  let nWindow = 0;
  cellHits.clear();
  for (let k = a; k < b; k++) {
    const i = order[k]!;
    const w = hits.count[i]!;
    const dx = pixelToXCm(g, hits.ix[i]!) - ax;
    const dy = pixelToYCm(g, hits.iy[i]!) - ay;
    const r2 = dx * dx + dy * dy;
    if (r2 <= r2Outer) {
      adc += w;
      sr2 += w * r2;
      nWindow++;
      if (r2 <= r2Core) core += w;
    }
    if (r2 > r2Halo) halo += w;
    // Cells keyed by (column, row) with 16 bits each: planes are at most 65535 pixels wide.
    const key = Math.floor(hits.ix[i]! / cellPx) * 65536 + Math.floor(hits.iy[i]! / cellPx);
    cellHits.set(key, (cellHits.get(key) ?? 0) + 1);
  }
  return { adc, rms: adc > 0 ? Math.sqrt(sr2 / adc) : 0, core: adc > 0 ? core / adc : 0, halo, clusters: countClusters(cellHits), nWindow };
}

/** Connected groups (8-neighbourhood) of occupied cells with at least CLUSTER_MIN_HITS hits; consumes the map. */
function countClusters(cells: Map<number, number>): number {
  let clusters = 0;
  const stack: number[] = [];
  for (const [start, n0] of cells) {
    if (n0 < 0) continue;
    let n = 0;
    stack.push(start);
    cells.set(start, -1);
    n += n0;
    while (stack.length > 0) {
      const c = stack.pop()!;
      const cx = Math.floor(c / 65536);
      const cy = c - cx * 65536;
      for (let dx = -1; dx <= 1; dx++) {
        for (let dy = -1; dy <= 1; dy++) {
          const nb = (cx + dx) * 65536 + (cy + dy);
          const m = cells.get(nb);
          if (m === undefined || m < 0) continue;
          n += m;
          cells.set(nb, -1);
          stack.push(nb);
        }
      }
    }
    if (n >= CLUSTER_MIN_HITS) clusters++;
  }
  return clusters;
}
