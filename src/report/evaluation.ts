/**
 * Evaluation summaries of reconstructed vs true values, for any number of methods on the same
 * events: resolutions (3σ-clipped σ, plain std, 68 % half-width, bias, clipped fraction), and per
 * energy bin the bias and the spread both around the truth (rms) and around the bin's own mean
 * (std), plus the d bias across the vertex range. Pure statistics; the Markdown and SVG views of
 * these summaries are in evaluation-report.ts.
 */
import { binnedSpread, fitCalorimeter, spread, type CalorimeterFit, type Spread } from './resolution.js';

export const SIGMA_METHOD =
  'std after iterative 3-sigma clipping (plain std and 68% half-width reported beside it)';
export const DEFAULT_ENERGY_EDGES = [1, 2, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
/** d ranges (cm) for the bias across the vertex range: both edges and the middle. */
export const DEFAULT_D_EDGES = [-7.5, -6.5, -4.25, -3.25, -1, 0];

export interface Resolution {
  /** The robust σ (see SIGMA_METHOD). */
  readonly sigma: number;
  readonly std: number;
  readonly half_width_68: number;
  /** Plain mean of the residual (around the truth). */
  readonly mean: number;
  /** Mean of the residuals kept by the clipping. */
  readonly bias: number;
  /** Root mean square around the truth (includes the bias). */
  readonly rms: number;
  readonly clipped_fraction: number;
  readonly n: number;
}

export function resolution(values: ArrayLike<number>): Resolution {
  const s: Spread = spread(values);
  return {
    sigma: s.sigmaClipped,
    std: s.std,
    half_width_68: s.halfWidth68,
    mean: s.mean,
    bias: s.meanClipped,
    rms: Math.sqrt(s.std * s.std * ((s.n - 1) / Math.max(s.n, 1)) + s.mean * s.mean),
    clipped_fraction: s.clippedFraction,
    n: s.n,
  };
}

export interface EnergyBin extends Resolution {
  readonly lo: number;
  readonly hi: number;
  /** Harmonic mean of E in the bin (see BinnedSpread.centre). */
  readonly e_centre: number;
  readonly sigma_err: number;
}

export interface EnergyVertexSummary {
  readonly name: string;
  readonly energy: Resolution;
  readonly energy_by_bin: EnergyBin[];
  /** Fit of the clipped σ per bin: σ(ΔE/E) = a/√E ⊕ b. */
  readonly energy_fit: CalorimeterFit;
  readonly energy_rmse_gev: number;
  readonly d: Resolution;
  readonly d_by_range: (Resolution & { lo: number; hi: number })[];
}

export interface TransverseSummary {
  readonly name: string;
  readonly x: Resolution;
  readonly y: Resolution;
}

/** Truth and reconstruction of E (GeV) and d (cm), index-aligned. */
export interface EnergyVertexValues {
  readonly energyGeV: ArrayLike<number>;
  readonly dCm: ArrayLike<number>;
}

export function summariseEnergyVertex(
  name: string,
  truth: EnergyVertexValues,
  reco: EnergyVertexValues,
  edges: readonly number[] = DEFAULT_ENERGY_EDGES,
  dEdges: readonly number[] = DEFAULT_D_EDGES,
): EnergyVertexSummary {
  const n = truth.energyGeV.length;
  const relE = new Float64Array(n);
  const dRes = new Float64Array(n);
  let se = 0;
  for (let i = 0; i < n; i++) {
    relE[i] = (reco.energyGeV[i]! - truth.energyGeV[i]!) / truth.energyGeV[i]!;
    dRes[i] = reco.dCm[i]! - truth.dCm[i]!;
    se += (reco.energyGeV[i]! - truth.energyGeV[i]!) ** 2;
  }
  const bins = binnedSpread(truth.energyGeV, relE, edges).map((b) => {
    const sel = selectIn(truth.energyGeV, relE, b.lo, b.hi, b.hi === edges[edges.length - 1]);
    const r = resolution(sel);
    return {
      ...r,
      lo: b.lo,
      hi: b.hi,
      e_centre: b.centre,
      sigma_err: r.sigma / Math.sqrt(2 * Math.max(r.n - 1, 1)),
    };
  });
  const dBins = [];
  for (let k = 0; k + 1 < dEdges.length; k++) {
    const lo = dEdges[k]!;
    const hi = dEdges[k + 1]!;
    dBins.push({ ...resolution(selectIn(truth.dCm, dRes, lo, hi, k + 2 === dEdges.length)), lo, hi });
  }
  return {
    name,
    energy: resolution(relE),
    energy_by_bin: bins,
    energy_fit: fitCalorimeter(bins.map((b) => ({ e: b.e_centre, sigma: b.sigma, n: b.n }))),
    energy_rmse_gev: Math.sqrt(se / Math.max(n, 1)),
    d: resolution(dRes),
    d_by_range: dBins,
  };
}

export function summariseTransverse(
  name: string,
  truth: { readonly xCm: ArrayLike<number>; readonly yCm: ArrayLike<number> },
  reco: { readonly xCm: ArrayLike<number>; readonly yCm: ArrayLike<number> },
): TransverseSummary {
  const n = truth.xCm.length;
  const dx = Float64Array.from({ length: n }, (_, i) => reco.xCm[i]! - truth.xCm[i]!);
  const dy = Float64Array.from({ length: n }, (_, i) => reco.yCm[i]! - truth.yCm[i]!);
  return { name, x: resolution(dx), y: resolution(dy) };
}

export interface EfficiencyBin {
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
  readonly ok: number;
  readonly efficiency: number;
}

/** Fraction of events per true-energy bin that the reconstruction accepted (status ok). */
export function efficiencyByBin(
  energyGeV: ArrayLike<number>,
  ok: ArrayLike<boolean>,
  edges: readonly number[] = DEFAULT_ENERGY_EDGES,
): EfficiencyBin[] {
  const out: EfficiencyBin[] = [];
  for (let b = 0; b + 1 < edges.length; b++) {
    const lo = edges[b]!;
    const hi = edges[b + 1]!;
    const last = b + 2 === edges.length;
    let n = 0;
    let k = 0;
    for (let i = 0; i < energyGeV.length; i++) {
      const e = energyGeV[i]!;
      if (e >= lo && (e < hi || (last && e === hi))) {
        n++;
        if (ok[i]) k++;
      }
    }
    out.push({ lo, hi, n, ok: k, efficiency: n > 0 ? k / n : NaN });
  }
  return out;
}

function selectIn(
  key: ArrayLike<number>,
  values: ArrayLike<number>,
  lo: number,
  hi: number,
  closed: boolean,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < key.length; i++) {
    const k = key[i]!;
    if (k >= lo && (k < hi || (closed && k === hi))) out.push(values[i]!);
  }
  return out;
}

/** Best (smallest) value of a metric among rows, with the row's name. */
export function bestOf<T extends { name: string }>(
  rows: readonly T[],
  metric: (r: T) => number,
): { name: string; value: number } {
  let best = { name: '', value: Infinity };
  for (const r of rows) {
    const v = metric(r);
    if (v < best.value) best = { name: r.name, value: v };
  }
  return best;
}
