import type { RecoStatus } from './event.js';
import type { HitFrame, Hits } from './frame.js';
import { pixelsX, pixelsY, type DetectorGeometry } from './geometry.js';

export interface HitsVerdict {
  readonly status: RecoStatus;
  readonly detail?: string;
}

/** Default limit on hits per frame (config reconstruction.maxHits): more is refused as too_many_hits. */
export const DEFAULT_MAX_HITS = 200_000;

/**
 * Checks a frame's hits against the detector model before any physics runs on them.
 * Order matters: the cheapest, most fundamental problems are reported first.
 */
export function checkHits(h: Hits, g: DetectorGeometry, maxHits: number): HitsVerdict {
  const n = h.station.length;
  if (h.ix.length !== n || h.iy.length !== n || h.count.length !== n) {
    return {
      status: 'non_finite',
      detail: `hit arrays differ in length (${n}, ${h.ix.length}, ${h.iy.length}, ${h.count.length})`,
    };
  }
  if (n === 0) return { status: 'no_hits', detail: 'frame has no hits' };
  if (n > maxHits) return { status: 'too_many_hits', detail: `${n} hits > maxHits ${maxHits}` };
  const nx = pixelsX(g);
  const ny = pixelsY(g);
  let stationsMask = 0;
  for (let i = 0; i < n; i++) {
    const s = h.station[i]!;
    const ix = h.ix[i]!;
    const iy = h.iy[i]!;
    const c = h.count[i]!;
    if (!Number.isFinite(ix) || !Number.isFinite(iy) || !Number.isFinite(c)) {
      return { status: 'non_finite', detail: `hit ${i} has a non-finite value` };
    }
    if (s >= g.nStations || ix < 0 || ix >= nx || iy < 0 || iy >= ny) {
      return {
        status: 'out_of_plane',
        detail: `hit ${i} (station ${s}, ix ${ix}, iy ${iy}) outside ${g.nStations} x ${nx} x ${ny}`,
      };
    }
    if (c <= 0) return { status: 'non_finite', detail: `hit ${i} has count ${c} <= 0` };
    stationsMask |= 1 << s;
  }
  let stations = 0;
  for (let m = stationsMask; m !== 0; m &= m - 1) stations++;
  if (stations < 2)
    return { status: 'single_station', detail: 'hits in one station only: no direction, no vertex' };
  return { status: 'ok' };
}

/**
 * Plausibility limits for a frame's content beyond the detector's shape (config `validation`).
 * Values outside them are not physics but corrupt or fabricated input: the frame is dead-lettered.
 */
export interface Plausibility {
  /** Charged particles (or readout counts) in one pixel. A 100 GeV shower core gives tens. */
  readonly maxCountPerHit: number;
  /** Sum of the counts of one frame (a 100 GeV shower: about 2,000). */
  readonly maxTotalCount: number;
  /** DAQ timestamp range, seconds since the Unix epoch. */
  readonly timestampRangeS: readonly [number, number];
  /** Longest run id or event id, characters. */
  readonly maxIdLength: number;
  /** Truth energy range, GeV (simulated frames). */
  readonly truthEnergyRangeGeV: readonly [number, number];
  /** Largest |slope| of a truth direction (dx/dz, dy/dz). */
  readonly maxTruthSlope: number;
}

export const DEFAULT_PLAUSIBILITY: Plausibility = {
  maxCountPerHit: 10_000,
  maxTotalCount: 1_000_000,
  timestampRangeS: [0, 9.2e9],
  maxIdLength: 256,
  truthEnergyRangeGeV: [0, 10_000],
  maxTruthSlope: 10,
};

/** Dead-letter reasons of frames whose content is implausible (beside checkHits' non_finite, out_of_plane, too_many_hits). */
export const CONTENT_REASONS = [
  'bad_id',
  'bad_timestamp',
  'non_positive_count',
  'implausible_count',
  'non_finite_truth',
  'implausible_truth',
] as const;
export type ContentReason = (typeof CONTENT_REASONS)[number];

export interface FrameRules {
  readonly geometry: DetectorGeometry;
  readonly maxHits: number;
  readonly plausibility: Plausibility;
}

/** The one validation of a decoded frame: ids, timestamp, truth, then hits (checkHits), then counts. */
export type FrameVerdict = { readonly status: RecoStatus | ContentReason; readonly detail?: string };

export function validateFrame(f: HitFrame, rules: FrameRules): FrameVerdict {
  const p = rules.plausibility;
  for (const [name, id] of [
    ['runId', f.runId],
    ['eventId', f.eventId],
  ] as const) {
    if (typeof id !== 'string' || id.length === 0 || id.length > p.maxIdLength) {
      return {
        status: 'bad_id',
        detail: `${name} must have 1..${p.maxIdLength} characters (has ${typeof id === 'string' ? id.length : typeof id})`,
      };
    }
  }
  const [t0, t1] = p.timestampRangeS;
  const tS = Number(f.timestampNs) / 1e9;
  if (!(tS >= t0 && tS <= t1))
    return { status: 'bad_timestamp', detail: `timestamp ${f.timestampNs} ns outside [${t0}, ${t1}] s` };
  if (f.truth !== undefined) {
    const t = f.truth;
    for (const k of ['energyGeV', 'x0Cm', 'y0Cm', 'dCm', 'slopeX', 'slopeY'] as const) {
      if (!Number.isFinite(t[k])) return { status: 'non_finite_truth', detail: `truth.${k} = ${t[k]}` };
    }
    const g = rules.geometry;
    const [e0, e1] = p.truthEnergyRangeGeV;
    if (t.energyGeV < e0 || t.energyGeV > e1)
      return { status: 'implausible_truth', detail: `truth.energyGeV ${t.energyGeV} outside [${e0}, ${e1}]` };
    if (Math.abs(t.x0Cm) > g.planeWidthCm || Math.abs(t.y0Cm) > g.planeHeightCm) {
      return {
        status: 'implausible_truth',
        detail: `truth origin (${t.x0Cm}, ${t.y0Cm}) cm far outside the ${g.planeWidthCm} x ${g.planeHeightCm} cm plane`,
      };
    }
    const reach = g.nStations * g.stationPitchCm + g.brickThicknessCm;
    if (Math.abs(t.dCm) > reach)
      return { status: 'implausible_truth', detail: `truth.dCm ${t.dCm} beyond ±${reach} cm` };
    if (Math.abs(t.slopeX) > p.maxTruthSlope || Math.abs(t.slopeY) > p.maxTruthSlope) {
      return {
        status: 'implausible_truth',
        detail: `truth slopes (${t.slopeX}, ${t.slopeY}) beyond ±${p.maxTruthSlope}`,
      };
    }
  }
  // A hit is at least one count: zero or negative is corrupt input, not a non-finite value (NaN passes
  // this and is checkHits' non_finite, as are hit arrays of different lengths).
  const counts = f.hits.count;
  const n = f.hits.station.length;
  const aligned = f.hits.ix.length === n && f.hits.iy.length === n && counts.length === n;
  for (let i = 0; aligned && i < n; i++) {
    const x = counts[i]!;
    if (x <= 0) return { status: 'non_positive_count', detail: `hit ${i} has count ${x} <= 0` };
  }
  const v = checkHits(f.hits, rules.geometry, rules.maxHits);
  if (
    v.status === 'non_finite' ||
    v.status === 'out_of_plane' ||
    v.status === 'too_many_hits' ||
    v.status === 'no_hits'
  )
    return v;
  let total = 0;
  const c = f.hits.count;
  for (let i = 0; i < c.length; i++) {
    const x = c[i]!;
    if (x > p.maxCountPerHit)
      return { status: 'implausible_count', detail: `hit ${i} has count ${x} > ${p.maxCountPerHit}` };
    total += x;
  }
  if (total > p.maxTotalCount)
    return { status: 'implausible_count', detail: `total count ${total} > ${p.maxTotalCount}` };
  return v;
}
