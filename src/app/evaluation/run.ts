/**
 * The evaluation procedure: fresh signal events through the full reconstruction (the primary:
 * energy/vertex model + clustering + station-combined origin), and on exactly the events it
 * accepted, every baseline: the feature regressors for E and d (trained and calibrated on their
 * own seeded samples) and the simple transverse estimators. Returns the summaries, the target
 * ratios, the residuals for plots and the rows for the independent scikit-learn reference.
 */
import type { SimulationConfig } from '../../config/index.js';
import type { DetectorGeometry, HitFrame, RecoStatus, Truth } from '../../domain/index.js';
import {
  createReconstructor,
  createTransverseReconstructor,
  originAt,
  robustCentreTrack,
  weightedMeanTrack,
  type EnergyVertexModel,
  type ReconstructorConfig,
  type TrackFit,
} from '../../reconstruction/index.js';
import {
  bestOf,
  efficiencyByBin,
  summariseEnergyVertex,
  summariseTransverse,
  type EnergyVertexSummary,
  type EvaluationReport,
  type NamedResiduals,
  type TargetCheck,
  type TransverseSummary,
} from '../../report/index.js';
import {
  BASELINE_NAMES,
  featureSample,
  predictBaseline,
  simulateFeatures,
  trainFeatureBaselines,
  type FeatureBaselines,
  type FeatureSample,
} from './baselines.js';
import { predictOthers } from './others.js';
import { SEED_OFFSETS, simulatedSource, type EvaluationSource, type HitsTransform } from './samples.js';

export interface EvaluationOptions {
  readonly geometry: DetectorGeometry;
  readonly simulation: SimulationConfig;
  readonly reconstruction: ReconstructorConfig;
  /** The primary energy/vertex model (the CNN). */
  readonly model: EnergyVertexModel;
  readonly primaryLabel: string;
  /** Fresh simulated signal events to score (ignored when `source` is given). */
  readonly events: number;
  /** The events to score instead of `events` fresh simulated ones (e.g. a recording with truth). */
  readonly source?: EvaluationSource;
  readonly seed: number;
  readonly trainEvents: number;
  readonly calibrationEvents: number;
  readonly batchSize: number;
  /** Applied to the evaluation events only (robustness runs); the baselines train on nominal events. */
  readonly transform?: HitsTransform;
  /** More energy/vertex models scored on exactly the accepted events (rows after the primary's). */
  readonly others?: readonly { readonly label: string; readonly model: EnergyVertexModel }[];
  /** Reuse baselines trained by an earlier run (robustness variants). */
  readonly baselines?: { readonly models: FeatureBaselines; readonly train: FeatureSample };
  readonly progress?: (message: string) => void;
}

/** Names of the simple transverse estimators, best-known first. */
export const SIMPLE_TRANSVERSE = [
  'robust centre ±1 cm, busiest station',
  'robust centre ±0.5 cm, busiest station',
  'weighted mean, busiest station',
] as const;
export const PREVIOUS_TRANSVERSE = 'DBSCAN + line fit (previous primary)';

export interface EvaluationOutcome {
  readonly report: EvaluationReport;
  readonly energyVertex: readonly EnergyVertexSummary[];
  readonly transverse: readonly TransverseSummary[];
  readonly statusCounts: Partial<Record<RecoStatus, number>>;
  readonly eventsOk: number;
  /** Events scored (accepted or not): `events`, or what the source delivered. */
  readonly eventsScored: number;
  readonly eventsPerSecond: number;
  readonly residuals: {
    energy: NamedResiduals[];
    d: NamedResiduals[];
    x: NamedResiduals[];
    y: NamedResiduals[];
  };
  readonly baselines: { readonly models: FeatureBaselines; readonly train: FeatureSample };
  /** Feature rows and primary predictions of the accepted evaluation events (for the scikit-learn reference). */
  readonly test: FeatureSample & {
    readonly primaryEnergyGeV: Float64Array;
    readonly primaryDCm: Float64Array;
  };
  readonly calibrationSample: FeatureSample;
  /** E and d of every energy/vertex row (primary, others, baselines) on the accepted events, by row name. */
  readonly predictions: Readonly<Record<string, { energyGeV: ArrayLike<number>; dCm: ArrayLike<number> }>>;
}

export async function runEvaluation(o: EvaluationOptions): Promise<EvaluationOutcome> {
  const g = o.geometry;
  const say = o.progress ?? (() => {});
  const { base, calibrationSample } = baselinesFor(o);
  const reco = createReconstructor(g, o.model, o.reconstruction);
  const transverse = createTransverseReconstructor(g, o.reconstruction.transverse);
  const statusCounts: Partial<Record<RecoStatus, number>> = {};
  const allE: number[] = [];
  const okFlags: boolean[] = [];
  const okEvents: { hits: HitFrame['hits']; truth: Truth }[] = [];
  const prim = { energyGeV: [] as number[], dCm: [] as number[], xCm: [] as number[], yCm: [] as number[] };
  const simple: { xCm: number[]; yCm: number[] }[] = [...SIMPLE_TRANSVERSE, PREVIOUS_TRANSVERSE].map(() => ({
    xCm: [],
    yCm: [],
  }));
  let recoMs = 0;
  const source = o.source ?? simulatedSource(g, o.simulation, o.events, o.seed, o.transform);
  let scored = 0;
  for (let start = 0; ; start += o.batchSize) {
    const batch = await source.next(o.batchSize);
    const n = batch.length;
    if (n === 0) break;
    scored += n;
    const frames: HitFrame[] = batch.map((ev, k) => ({
      runId: 'evaluate',
      eventId: String(start + k),
      timestampNs: BigInt(start + k),
      hits: ev.hits,
      truth: ev.truth,
    }));
    const t0 = performance.now();
    const out = await reco.reconstruct(frames);
    recoMs += performance.now() - t0;
    out.forEach((e, k) => {
      statusCounts[e.status] = (statusCounts[e.status] ?? 0) + 1;
      const t = batch[k]!.truth;
      allE.push(t.energyGeV);
      okFlags.push(e.status === 'ok');
      if (e.status !== 'ok') return;
      const hits = batch[k]!.hits;
      okEvents.push({ hits, truth: t });
      prim.energyGeV.push(e.energyGeV);
      prim.dCm.push(e.dCm);
      prim.xCm.push(e.xCm);
      prim.yCm.push(e.yCm);
      const tracks: (TrackFit | undefined)[] = [
        robustCentreTrack(hits, g),
        robustCentreTrack(hits, g, { halfWindowCm: 0.5, minSignalFraction: 0 }),
        weightedMeanTrack(hits, g),
        transverse.reconstruct(hits).track,
      ];
      tracks.forEach((tr, j) => {
        const p = tr === undefined ? { xCm: NaN, yCm: NaN } : originAt(tr, e.dCm);
        simple[j]!.xCm.push(p.xCm);
        simple[j]!.yCm.push(p.yCm);
      });
    });
    say(
      o.source === undefined ? `evaluated ${start + n}/${o.events} events` : `evaluated ${start + n} events`,
    );
  }
  const truth = {
    energyGeV: okEvents.map((e) => e.truth.energyGeV),
    dCm: okEvents.map((e) => e.truth.dCm),
    xCm: okEvents.map((e) => e.truth.x0Cm),
    yCm: okEvents.map((e) => e.truth.y0Cm),
  };
  const test = featureSample(g, okEvents);
  const baselineReco = BASELINE_NAMES.map((name) => ({
    name,
    ...predictBaseline(base.models, name, test, base.models.calibration[name]),
  }));
  const others = await predictOthers(o.others ?? [], okEvents, o.batchSize);
  const energyVertex = [
    summariseEnergyVertex(o.primaryLabel, truth, prim),
    ...others.map((b) => summariseEnergyVertex(b.name, truth, b)),
    ...baselineReco.map((b) => summariseEnergyVertex(b.name, truth, b)),
  ];
  const transverseRows = [
    summariseTransverse(`${o.primaryLabel} + clustering + station combination`, truth, prim),
    ...[...SIMPLE_TRANSVERSE, PREVIOUS_TRANSVERSE].map((name, j) =>
      summariseTransverse(name, truth, simple[j]!),
    ),
  ];
  const targets = targetChecks(energyVertex, transverseRows);
  const rel = (e: ArrayLike<number>): Float64Array =>
    Float64Array.from(truth.energyGeV, (t, i) => (e[i]! - t) / t);
  const diff = (a: ArrayLike<number>, b: readonly number[]): Float64Array =>
    Float64Array.from(b, (t, i) => a[i]! - t);
  const bestGbt = baselineReco[0]!;
  const bestSimple = simple[0]!;
  if (scored === 0) throw new RangeError(`${source.label}: no events to evaluate`);
  const eventsPerSecond = scored / (recoMs / 1000);
  const report: EvaluationReport = {
    title: `Evaluation on ${o.source === undefined ? source.label : `${scored} events of the ${source.label}`}`,
    notes: [],
    energyVertex,
    transverse: transverseRows,
    efficiency: efficiencyByBin(allE, okFlags),
    targets,
  };
  return {
    report,
    energyVertex,
    transverse: transverseRows,
    statusCounts,
    eventsOk: okEvents.length,
    eventsScored: scored,
    eventsPerSecond,
    residuals: {
      energy: [
        { name: o.primaryLabel, values: rel(prim.energyGeV) },
        { name: bestGbt.name, values: rel(bestGbt.energyGeV) },
      ],
      d: [
        { name: o.primaryLabel, values: diff(prim.dCm, truth.dCm) },
        { name: bestGbt.name, values: diff(bestGbt.dCm, truth.dCm) },
      ],
      x: [
        { name: transverseRows[0]!.name, values: diff(prim.xCm, truth.xCm) },
        { name: SIMPLE_TRANSVERSE[0], values: diff(bestSimple.xCm, truth.xCm) },
      ],
      y: [
        { name: transverseRows[0]!.name, values: diff(prim.yCm, truth.yCm) },
        { name: SIMPLE_TRANSVERSE[0], values: diff(bestSimple.yCm, truth.yCm) },
      ],
    },
    baselines: base,
    test: {
      ...test,
      primaryEnergyGeV: Float64Array.from(prim.energyGeV),
      primaryDCm: Float64Array.from(prim.dCm),
    },
    calibrationSample,
    predictions: Object.fromEntries(
      [{ name: o.primaryLabel, ...prim }, ...others, ...baselineReco].map((r) => [
        r.name,
        { energyGeV: r.energyGeV, dCm: r.dCm },
      ]),
    ),
  };
}

/** The feature baselines of `o` (trained here unless given) and the calibration sample to export. */
function baselinesFor(o: EvaluationOptions): {
  base: NonNullable<EvaluationOptions['baselines']>;
  calibrationSample: FeatureSample;
} {
  const say = o.progress ?? (() => {});
  const g = o.geometry;
  if (o.baselines !== undefined) {
    const n = Math.min(o.calibrationEvents, 100);
    return {
      base: o.baselines,
      calibrationSample: simulateFeatures(g, o.simulation, n, o.seed + SEED_OFFSETS.calibration),
    };
  }
  const sample = (n: number, offset: number, what: string): FeatureSample =>
    simulateFeatures(g, o.simulation, n, o.seed + offset, (i) => say(`${what} events ${i}/${n}`));
  const train = sample(o.trainEvents, SEED_OFFSETS.training, 'baseline training');
  const calibrationSample = sample(o.calibrationEvents, SEED_OFFSETS.calibration, 'calibration');
  say('training the feature baselines');
  return { base: { models: trainFeatureBaselines(g, train, calibrationSample), train }, calibrationSample };
}

const METRICS = [
  ['σ clipped', (r: { sigma: number }) => r.sigma],
  ['std', (r: { std: number }) => r.std],
  ['68 % half-width', (r: { half_width_68: number }) => r.half_width_68],
] as const;

/** Primary ≤ 0.9 × the best feature regressor (E, d) and the best simple transverse estimator (X, Y), metric by metric. */
export function targetChecks(
  ev: readonly EnergyVertexSummary[],
  tr: readonly TransverseSummary[],
  limit = 0.9,
): TargetCheck[] {
  const out: TargetCheck[] = [];
  const gbt = ev.slice(1).filter((m) => m.name.startsWith('GBT'));
  const simple = tr.filter((m) => (SIMPLE_TRANSVERSE as readonly string[]).includes(m.name));
  for (const [metric, f] of METRICS) {
    for (const [quantity, pick] of [
      ['ΔE/E', (m: EnergyVertexSummary) => m.energy],
      ['d', (m: EnergyVertexSummary) => m.d],
    ] as const) {
      const best = bestOf(gbt, (m) => f(pick(m)));
      const value = f(pick(ev[0]!));
      out.push({
        quantity,
        metric,
        value,
        reference: best.name,
        referenceValue: best.value,
        limit,
        pass: value <= limit * best.value,
      });
    }
    for (const [quantity, pick] of [
      ['X', (m: TransverseSummary) => m.x],
      ['Y', (m: TransverseSummary) => m.y],
    ] as const) {
      const best = bestOf(simple, (m) => f(pick(m)));
      const value = f(pick(tr[0]!));
      out.push({
        quantity,
        metric,
        value,
        reference: best.name,
        referenceValue: best.value,
        limit,
        pass: value <= limit * best.value,
      });
    }
  }
  return out;
}
