/**
 * Evaluation summary of reconstructed vs true values: resolutions (robust and plain), energy
 * resolution per bin with the a/√E ⊕ b fit, and the report files (Markdown + SVG) built from it.
 */
import { markdownTable } from './markdown.js';
import { binnedSpread, calorimeterSigma, fitCalorimeter, spread, type CalorimeterFit, type Spread } from './resolution.js';
import { histogramChart, scatterChart } from './svg.js';

export const SIGMA_METHOD = 'std after iterative 3-sigma clipping (plain std and 68% half-width reported beside it)';
export const DEFAULT_ENERGY_EDGES = [1, 2, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

/** Per-event values of one method, index-aligned with the truth. */
export interface MethodValues {
  readonly energyGeV: ArrayLike<number>;
  readonly dCm: ArrayLike<number>;
  readonly xCm: ArrayLike<number>;
  readonly yCm: ArrayLike<number>;
}
export interface TruthValues extends MethodValues {}

export interface Resolution {
  /** The robust σ (see SIGMA_METHOD). */
  readonly sigma: number;
  readonly std: number;
  readonly half_width_68: number;
  readonly bias: number;
  readonly clipped_fraction: number;
  readonly n: number;
}

export interface MethodSummary {
  readonly energy_resolution: Resolution;
  readonly energy_resolution_by_bin: {
    readonly bins: { lo: number; hi: number; e_centre: number; n: number; sigma: number; std: number; sigma_err: number }[];
    /** Fit of the robust σ per bin: σ(ΔE/E) = a/√E ⊕ b. */
    readonly fit: CalorimeterFit;
  };
  readonly energy_rmse_gev: number;
  readonly d_resolution_cm: Resolution;
  readonly x_resolution_cm: Resolution;
  readonly y_resolution_cm: Resolution;
}

function resolution(s: Spread): Resolution {
  return { sigma: s.sigmaClipped, std: s.std, half_width_68: s.halfWidth68, bias: s.meanClipped, clipped_fraction: s.clippedFraction, n: s.n };
}

export interface Residuals {
  readonly relE: Float64Array;
  readonly dCm: Float64Array;
  readonly xCm: Float64Array;
  readonly yCm: Float64Array;
}

/** (E_reco − E_true)/E_true, d_reco − d_true, X_reco − X_true, Y_reco − Y_true. */
export function residuals(truth: TruthValues, reco: MethodValues): Residuals {
  const n = truth.energyGeV.length;
  const r = { relE: new Float64Array(n), dCm: new Float64Array(n), xCm: new Float64Array(n), yCm: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    r.relE[i] = (reco.energyGeV[i]! - truth.energyGeV[i]!) / truth.energyGeV[i]!;
    r.dCm[i] = reco.dCm[i]! - truth.dCm[i]!;
    r.xCm[i] = reco.xCm[i]! - truth.xCm[i]!;
    r.yCm[i] = reco.yCm[i]! - truth.yCm[i]!;
  }
  return r;
}

export function summariseMethod(truth: TruthValues, reco: MethodValues, edges: readonly number[] = DEFAULT_ENERGY_EDGES): MethodSummary {
  const r = residuals(truth, reco);
  const bins = binnedSpread(truth.energyGeV, r.relE, edges).map((b) => ({
    lo: b.lo,
    hi: b.hi,
    e_centre: b.centre,
    n: b.spread.n,
    sigma: b.spread.sigmaClipped,
    std: b.spread.std,
    sigma_err: b.spread.sigmaClipped / Math.sqrt(2 * Math.max(b.spread.n - 1, 1)),
  }));
  let se = 0;
  for (let i = 0; i < r.relE.length; i++) se += (r.relE[i]! * truth.energyGeV[i]!) ** 2;
  return {
    energy_resolution: resolution(spread(r.relE)),
    energy_resolution_by_bin: { bins, fit: fitCalorimeter(bins.map((b) => ({ e: b.e_centre, sigma: b.sigma, n: b.n }))) },
    energy_rmse_gev: Math.sqrt(se / Math.max(r.relE.length, 1)),
    d_resolution_cm: resolution(spread(r.dCm)),
    x_resolution_cm: resolution(spread(r.xCm)),
    y_resolution_cm: resolution(spread(r.yCm)),
  };
}

export interface EvaluationReport {
  readonly title: string;
  readonly primaryLabel: string;
  readonly baselineLabel: string;
  readonly primary: MethodSummary;
  readonly baseline: MethodSummary;
  /** Free-form lines shown under the title (run parameters, speed, model). */
  readonly notes: readonly string[];
}

export function evaluationMarkdown(r: EvaluationReport): string {
  const rows = (label: string, pick: (m: MethodSummary) => Resolution, unit: string): (string | number)[][] =>
    [
      [r.primaryLabel, r.primary],
      [r.baselineLabel, r.baseline],
    ].map(([name, m]) => {
      const res = pick(m as MethodSummary);
      return [`${label} ${unit}`, name as string, res.sigma, res.std, res.half_width_68, res.bias, res.n];
    });
  const head = ['quantity', 'method', 'σ (3σ-clipped)', 'std', '68 % half-width', 'bias', 'events'];
  const table = markdownTable(head, [
    ...rows('ΔE/E', (m) => m.energy_resolution, ''),
    ...rows('d', (m) => m.d_resolution_cm, 'cm'),
    ...rows('X', (m) => m.x_resolution_cm, 'cm'),
    ...rows('Y', (m) => m.y_resolution_cm, 'cm'),
  ]);
  const byBin = markdownTable(
    ['E bin (GeV)', 'E centre', 'n', `σ ${r.primaryLabel}`, `σ ${r.baselineLabel}`],
    r.primary.energy_resolution_by_bin.bins.map((b, k) => [
      `${b.lo}–${b.hi}`,
      b.e_centre,
      b.n,
      b.sigma,
      r.baseline.energy_resolution_by_bin.bins[k]?.sigma,
    ]),
  );
  const fit = (m: MethodSummary): string => {
    const f = m.energy_resolution_by_bin.fit;
    return `a = ${f.a.toFixed(3)} √GeV, b = ${f.b.toFixed(3)} (χ²/ndf = ${f.chi2.toFixed(1)}/${f.ndf})`;
  };
  return [
    `# ${r.title}`,
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
    `σ is ${SIGMA_METHOD}.`,
    '',
    '## Resolutions',
    '',
    table,
    '## Energy resolution per bin',
    '',
    byBin,
    `Fit σ(ΔE/E) = a/√E ⊕ b: ${r.primaryLabel}: ${fit(r.primary)}; ${r.baselineLabel}: ${fit(r.baseline)}.`,
    '',
    '## Plots',
    '',
    ...['energy_resolution_vs_e', 'residual_energy', 'residual_d', 'residual_x', 'residual_y'].map((p) => `![${p}](${p}.svg)`),
    '',
  ].join('\n');
}

const C1 = '#d62728';
const C2 = '#1f77b4';

/** SVG files by name (without directory): σ(ΔE/E) vs E with fits, and residual histograms. */
export function evaluationPlots(r: EvaluationReport, primary: Residuals, baseline: Residuals): Record<string, string> {
  const pts = (m: MethodSummary): { x: number; y: number; err: number }[] =>
    m.energy_resolution_by_bin.bins.map((b) => ({ x: b.e_centre, y: b.sigma, err: b.sigma_err }));
  const both = (label: string, a: Float64Array, b: Float64Array, range: number, unit: string): string =>
    histogramChart(
      { title: `${label} residual: ${r.primaryLabel} vs ${r.baselineLabel}`, xLabel: `${label} reco − true${unit}`, yLabel: 'events' },
      [
        { label: r.primaryLabel, colour: C1, values: a },
        { label: r.baselineLabel, colour: C2, values: b },
      ],
      -range,
      range,
      80,
    );
  const w = (s: MethodSummary, pick: (m: MethodSummary) => Resolution): number => 4 * Math.max(pick(s).sigma, 1e-6);
  const range = (pick: (m: MethodSummary) => Resolution): number => Math.max(w(r.primary, pick), w(r.baseline, pick));
  return {
    'energy_resolution_vs_e.svg': scatterChart(
      { title: 'Energy resolution vs E', xLabel: 'E true (GeV)', yLabel: 'σ(ΔE/E)' },
      [
        { label: r.primaryLabel, colour: C1, points: pts(r.primary) },
        { label: r.baselineLabel, colour: C2, points: pts(r.baseline) },
      ],
      [
        { label: `${r.primaryLabel} a/√E ⊕ b`, colour: C1, f: (e) => calorimeterSigma(r.primary.energy_resolution_by_bin.fit, e) },
        { label: `${r.baselineLabel} a/√E ⊕ b`, colour: C2, f: (e) => calorimeterSigma(r.baseline.energy_resolution_by_bin.fit, e) },
      ],
    ),
    'residual_energy.svg': both('ΔE/E', primary.relE, baseline.relE, range((m) => m.energy_resolution), ''),
    'residual_d.svg': both('d', primary.dCm, baseline.dCm, range((m) => m.d_resolution_cm), ' (cm)'),
    'residual_x.svg': both('X', primary.xCm, baseline.xCm, range((m) => m.x_resolution_cm), ' (cm)'),
    'residual_y.svg': both('Y', primary.yCm, baseline.yCm, range((m) => m.y_resolution_cm), ' (cm)'),
  };
}
