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
 * core: prongs, a second photon, a second shower), and the number of DBSCAN clusters the
 * reconstruction found in the station (passed in: counting them again would cost more than the rest).
 * Upstream: log(1 + hits within CORE_OUTER_CM of the axis in stations before the track's first).
 * Units in the names. Pure; one pass over the hits (a few µs per event), scratch memory only.
 */
import { planeZCm, type DetectorGeometry, type Hits, type RecoEvent } from '../domain/index.js';
import type { TrackFit } from './clustering/index.js';

/** Core radius for the core fraction, cm (about a third of lead's Molière radius of 1.6 cm). */
export const CORE_CM = 0.5;
/** Radius of the shower window for the width and the ADC sum, cm (~3 Molière radii of lead). */
export const CORE_OUTER_CM = 5;
/** Hits beyond this radius from the axis count as activity outside the core, cm. */
export const HALO_CM = 3;

const ELECTRON_MASS_GEV = 0.51099895e-3;
const GLOBAL = [
  'log10_e_gev',
  'd_cm',
  'x_cm',
  'y_cm',
  'edge_cm',
  'slope_x',
  'slope_y',
  'theta_rad',
  'e_theta2_over_2me',
  'slope_err_rad',
  'fit_rms_cm',
  'stations_used',
  'first_station',
  'log1p_hits',
  'log1p_upstream_hits',
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
  clustersPerStation: readonly number[],
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
  out[o++] = Math.min(
    geometry.planeWidthCm / 2 - Math.abs(reco.xCm),
    geometry.planeHeightCm / 2 - Math.abs(reco.yCm),
  );
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
  const sh = stationShapes(hits, geometry, track);
  let upstream = 0;
  for (let s = 0; s < nSt; s++) {
    if (s < first) upstream += sh.nWindow[s]!;
    const adc = sh.adc[s]!;
    out[o++] = Math.log1p(adc);
    out[o++] = adc > 0 ? Math.sqrt(sh.sr2[s]! / adc) : 0;
    out[o++] = adc > 0 ? sh.core[s]! / adc : 0;
    out[o++] = Math.log1p(sh.halo[s]!);
    out[o++] = clustersPerStation[s] ?? 0;
  }
  out[upstreamAt] = Math.log1p(upstream);
}

interface Shapes {
  readonly adc: Float64Array;
  readonly sr2: Float64Array;
  readonly core: Float64Array;
  readonly halo: Float64Array;
  readonly nWindow: Float64Array;
}

let scratch: Shapes | undefined;

/** One pass over the hits: per station, around the axis at its plane, the sums the shape features need. */
function stationShapes(hits: Hits, g: DetectorGeometry, track: TrackFit): Shapes {
  const nSt = g.nStations;
  if (scratch === undefined || scratch.adc.length !== nSt) {
    scratch = {
      adc: new Float64Array(nSt),
      sr2: new Float64Array(nSt),
      core: new Float64Array(nSt),
      halo: new Float64Array(nSt),
      nWindow: new Float64Array(nSt),
    };
  }
  const sc = scratch;
  for (const a of [sc.adc, sc.sr2, sc.core, sc.halo, sc.nWindow]) a.fill(0);
  const pitch = g.pixelPitchMm / 10;
  // Axis at each plane in pixel-centre coordinates: x = (ix + 0.5)·pitch − W/2.
  const ax = new Float64Array(nSt);
  const ay = new Float64Array(nSt);
  for (let s = 0; s < nSt; s++) {
    const z = planeZCm(g, s);
    ax[s] = track.x0Cm + track.slopeX * z + g.planeWidthCm / 2 - 0.5 * pitch;
    ay[s] = track.y0Cm + track.slopeY * z + g.planeHeightCm / 2 - 0.5 * pitch;
  }
  const r2Outer = CORE_OUTER_CM * CORE_OUTER_CM;
  const r2Core = CORE_CM * CORE_CM;
  const r2Halo = HALO_CM * HALO_CM;
  const n = hits.station.length;
  for (let i = 0; i < n; i++) {
    const s = hits.station[i]!;
    if (s >= nSt) continue;
    const w = hits.count[i]!;
    const dx = hits.ix[i]! * pitch - ax[s]!;
    const dy = hits.iy[i]! * pitch - ay[s]!;
    const r2 = dx * dx + dy * dy;
    if (r2 <= r2Outer) {
      sc.adc[s]! += w;
      sc.sr2[s]! += w * r2;
      sc.nWindow[s]!++;
      if (r2 <= r2Core) sc.core[s]! += w;
    }
    if (r2 > r2Halo) sc.halo[s]! += w;
  }
  return sc;
}
