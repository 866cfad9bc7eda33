/**
 * Markdown and SVG views of an evaluation (summaries from evaluation.ts): every method's
 * resolution with clipped σ, plain std and 68 % half-width side by side, per energy bin the
 * efficiency, bias and both spreads, the d bias across the range, and the targets as ratios.
 */
import {
  SIGMA_METHOD,
  type EfficiencyBin,
  type EnergyVertexSummary,
  type Resolution,
  type TransverseSummary,
} from './evaluation.js';
import { markdownTable } from './markdown.js';
import { calorimeterSigma } from './resolution.js';
import { histogramChart, scatterChart } from './svg.js';

export interface TargetCheck {
  readonly quantity: string;
  readonly metric: string;
  readonly value: number;
  readonly reference: string;
  readonly referenceValue: number;
  readonly limit: number;
  readonly pass: boolean;
}

export interface EvaluationReport {
  readonly title: string;
  readonly notes: readonly string[];
  /** E and d methods; the first is the primary reconstruction. */
  readonly energyVertex: readonly EnergyVertexSummary[];
  /** Transverse methods; the first is the primary reconstruction. */
  readonly transverse: readonly TransverseSummary[];
  readonly efficiency: readonly EfficiencyBin[];
  readonly targets: readonly TargetCheck[];
  /** Optional information floors: the best feature regressor given more than a detector delivers (never a baseline). */
  readonly floor?: readonly EnergyVertexSummary[];
}

export interface NamedResiduals {
  readonly name: string;
  readonly values: ArrayLike<number>;
}

const row = (quantity: string, name: string, r: Resolution): (string | number)[] => [
  quantity,
  name,
  r.sigma,
  r.std,
  r.half_width_68,
  r.bias,
  r.mean,
  r.clipped_fraction,
  r.n,
];
const HEAD = [
  'quantity',
  'method',
  'σ (3σ-clipped)',
  'std',
  '68 % half-width',
  'clipped mean',
  'mean',
  'fraction clipped',
  'events',
];

/** Every method's resolutions: E and d of the energy-vertex methods, X and Y of the transverse ones. */
function resolutionsTable(r: EvaluationReport): string {
  return markdownTable(HEAD, [
    ...r.energyVertex.map((m) => row('ΔE/E', m.name, m.energy)),
    ...r.energyVertex.map((m) => row('d (cm)', m.name, m.d)),
    ...r.transverse.map((m) => row('X (cm)', m.name, m.x)),
    ...r.transverse.map((m) => row('Y (cm)', m.name, m.y)),
  ]);
}

/** The primary method's efficiency, bias and spread per energy bin. */
function perBinTable(r: EvaluationReport): string {
  return markdownTable(
    [
      'E bin (GeV)',
      'events',
      'efficiency',
      'bias (mean ΔE/E)',
      'clipped mean',
      'σ around truth (rms)',
      'σ around bin mean (std)',
      'σ clipped',
      '68 % half-width',
    ],
    r.energyVertex[0]!.energy_by_bin.map((b, k) => [
      `${b.lo}–${b.hi}`,
      r.efficiency[k]?.n,
      r.efficiency[k]?.efficiency,
      b.mean,
      b.bias,
      b.rms,
      b.std,
      b.sigma,
      b.half_width_68,
    ]),
  );
}

const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;

/** σ(ΔE/E) per energy bin, one column per method. */
function sigmaBinsTable(r: EvaluationReport): string {
  return markdownTable(
    ['E bin (GeV)', ...r.energyVertex.map((m) => `${m.name}: σ clipped / std / mean`)],
    r.energyVertex[0]!.energy_by_bin.map((b, k) => [
      `${b.lo}–${b.hi}`,
      ...r.energyVertex.map((m) => {
        const x = m.energy_by_bin[k]!;
        return `${x.sigma.toFixed(3)} / ${x.std.toFixed(3)} / ${signed(x.mean)}`;
      }),
    ]),
  );
}

/** The d bias and σ across the vertex range, one column per method. */
function dEdgesTable(r: EvaluationReport): string {
  return markdownTable(
    ['d range (cm)', ...r.energyVertex.map((m) => `${m.name}: bias / σ clipped`)],
    r.energyVertex[0]!.d_by_range.map((b, k) => [
      `${b.lo} – ${b.hi}`,
      ...r.energyVertex.map((m) => {
        const x = m.d_by_range[k]!;
        return `${signed(x.mean)} / ${x.sigma.toFixed(3)}`;
      }),
    ]),
  );
}

function targetsTable(r: EvaluationReport): string {
  return markdownTable(
    ['quantity', 'metric', 'primary', 'reference', 'reference value', 'ratio', 'limit', 'met'],
    r.targets.map((t) => [
      t.quantity,
      t.metric,
      t.value,
      t.reference,
      t.referenceValue,
      t.value / t.referenceValue,
      t.limit,
      t.pass ? 'yes' : 'no',
    ]),
  );
}

/** The information-floor section, when the report has floors. */
function floorSection(r: EvaluationReport): string[] {
  if (r.floor === undefined || r.floor.length === 0) return [];
  return [
    '## Information floors: how much room the detector response leaves',
    '',
    'The same boosted trees on the 12 moments + signal features, trained and scored on their own fresh showers of the same physics (GFlash profile ' +
      'and lateral fluctuations, plane-count fluctuations) read out ideally: each pixel reports the charged particles crossing it. "+ true d" also ' +
      'hands the trees the true vertex depth. No detector delivers these inputs; a realistic-response method is not expected to beat them.',
    '',
    markdownTable(
      ['method', 'σ(ΔE/E) clipped', 'std', '68 % half-width', 'σ(d) clipped (cm)', 'std', '68 % half-width'],
      [r.energyVertex[0]!, r.energyVertex[1]!, ...r.floor]
        .filter((m) => m !== undefined)
        .map((m) => [
          m.name,
          m.energy.sigma,
          m.energy.std,
          m.energy.half_width_68,
          ...(m.d.n === 0 ? ['–', '–', '–'] : [m.d.sigma, m.d.std, m.d.half_width_68]),
        ]),
    ),
  ];
}

const PLOTS = [
  'energy_resolution_vs_e',
  'energy_bias_vs_e',
  'residual_energy',
  'residual_d',
  'residual_x',
  'residual_y',
];

export function evaluationMarkdown(r: EvaluationReport): string {
  const p = r.energyVertex[0]!;
  const fits = r.energyVertex.map(
    (m) =>
      `${m.name}: a = ${m.energy_fit.a.toFixed(3)} √GeV, b = ${m.energy_fit.b.toFixed(3)} (χ²/ndf = ${m.energy_fit.chi2.toFixed(1)}/${m.energy_fit.ndf})`,
  );
  return [
    `# ${r.title}`,
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
    `σ is the ${SIGMA_METHOD}. Every method is scored on the same events (those the primary reconstruction accepted).`,
    '',
    '## Resolutions',
    '',
    resolutionsTable(r),
    '## Targets (ratio = primary / reference)',
    '',
    targetsTable(r),
    ...floorSection(r),
    `## ${p.name}: efficiency, bias and spread per energy bin`,
    '',
    'Bias is the mean of ΔE/E = (E_reco − E_true)/E_true around the truth; "σ around truth" includes it, "σ around bin mean" does not.',
    '',
    perBinTable(r),
    '## σ(ΔE/E) per energy bin, every method',
    '',
    sigmaBinsTable(r),
    `Fits σ(ΔE/E) = a/√E ⊕ b of the clipped σ per bin: ${fits.join('; ')}.`,
    '',
    '## d bias across the vertex range (d_reco − d_true, cm)',
    '',
    dEdgesTable(r),
    '## Plots',
    '',
    ...PLOTS.map((n) => `![${n}](${n}.svg)`),
    '',
  ].join('\n');
}

const COLOURS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

function residualHistogram(
  label: string,
  unit: string,
  series: readonly NamedResiduals[],
  range: number,
): string {
  return histogramChart(
    { title: `${label} residual`, xLabel: `${label} reco − true${unit}`, yLabel: 'events' },
    series.map((s, k) => ({ label: s.name, colour: COLOURS[k % COLOURS.length]!, values: s.values })),
    -range,
    range,
    80,
  );
}

/** A residual histogram's half range: 4 × the widest clipped σ among the methods. */
const histRange = (rs: readonly Resolution[]): number => 4 * Math.max(1e-6, ...rs.map((m) => m.sigma));

/** σ(ΔE/E) and the bias vs E, per energy-vertex method, with the a/√E ⊕ b fits of the first two. */
function energyPlots(ev: EvaluationReport['energyVertex']): Record<string, string> {
  return {
    'energy_resolution_vs_e.svg': scatterChart(
      { title: 'Energy resolution vs E (3σ-clipped σ per bin)', xLabel: 'E true (GeV)', yLabel: 'σ(ΔE/E)' },
      ev.map((m, k) => ({
        label: m.name,
        colour: COLOURS[k % COLOURS.length]!,
        points: m.energy_by_bin.map((b) => ({ x: b.e_centre, y: b.sigma, err: b.sigma_err })),
      })),
      ev.slice(0, 2).map((m, k) => ({
        label: `${m.name} a/√E ⊕ b`,
        colour: COLOURS[k]!,
        f: (e: number) => calorimeterSigma(m.energy_fit, e),
      })),
    ),
    'energy_bias_vs_e.svg': scatterChart(
      { title: 'Energy bias vs E (mean ΔE/E per bin)', xLabel: 'E true (GeV)', yLabel: 'mean ΔE/E' },
      ev.map((m, k) => ({
        label: m.name,
        colour: COLOURS[k % COLOURS.length]!,
        points: m.energy_by_bin.map((b) => ({
          x: b.e_centre,
          y: b.mean,
          err: b.std / Math.sqrt(Math.max(b.n, 1)),
        })),
      })),
    ),
  };
}

/** SVG files by name: σ(ΔE/E) and bias vs E for every E method, residual histograms of the primary and the best references. */
export function evaluationPlots(
  r: EvaluationReport,
  residuals: {
    energy: readonly NamedResiduals[];
    d: readonly NamedResiduals[];
    x: readonly NamedResiduals[];
    y: readonly NamedResiduals[];
  },
): Record<string, string> {
  const ev = r.energyVertex;
  return {
    ...energyPlots(ev),
    'residual_energy.svg': residualHistogram(
      'ΔE/E',
      '',
      residuals.energy,
      histRange(ev.map((m) => m.energy)),
    ),
    'residual_d.svg': residualHistogram('d', ' (cm)', residuals.d, histRange(ev.map((m) => m.d))),
    'residual_x.svg': residualHistogram('X', ' (cm)', residuals.x, histRange(r.transverse.map((m) => m.x))),
    'residual_y.svg': residualHistogram('Y', ' (cm)', residuals.y, histRange(r.transverse.map((m) => m.y))),
  };
}
