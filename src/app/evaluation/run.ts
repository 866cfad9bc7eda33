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
  efficiencyByBin,
  summariseEnergyVertex,
  summariseTransverse,
  type EnergyVertexSummary,
  type EvaluationReport,
  type NamedResiduals,
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
import { PREVIOUS_TRANSVERSE, SIMPLE_TRANSVERSE, targetChecks } from './targets.js';
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

export { SIMPLE_TRANSVERSE, PREVIOUS_TRANSVERSE, targetChecks } from './targets.js';

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
  const { base, calibrationSample } = baselinesFor(o);
  const source = o.source ?? simulatedSource(g, o.simulation, o.events, o.seed, o.transform);
  const { statusCounts, allE, okFlags, okEvents, prim, simple, recoMs, scored } = await scoreSource(
    o,
    source,
  );
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
  const bestGbt = baselineReco[0]!;
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
    residuals: residualsOf(o.primaryLabel, truth, prim, bestGbt, simple[0]!, transverseRows[0]!.name),
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

/** Each event of the source through the reconstruction; on the accepted ones the simple transverse estimators too. */
async function scoreSource(o: EvaluationOptions, source: EvaluationSource) {
  const g = o.geometry;
  const say = o.progress ?? (() => {});
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
      simpleTracks(hits, g, transverse).forEach((tr, j) => {
        const p = tr === undefined ? { xCm: NaN, yCm: NaN } : originAt(tr, e.dCm);
        simple[j]!.xCm.push(p.xCm);
        simple[j]!.yCm.push(p.yCm);
      });
    });
    say(
      o.source === undefined ? `evaluated ${start + n}/${o.events} events` : `evaluated ${start + n} events`,
    );
  }
  return { statusCounts, allE, okFlags, okEvents, prim, simple, recoMs, scored };
}

/** The simple transverse estimators' tracks, in the order of SIMPLE_TRANSVERSE then PREVIOUS_TRANSVERSE. */
function simpleTracks(
  hits: HitFrame['hits'],
  g: DetectorGeometry,
  transverse: ReturnType<typeof createTransverseReconstructor>,
): (TrackFit | undefined)[] {
  return [
    robustCentreTrack(hits, g),
    robustCentreTrack(hits, g, { halfWindowCm: 0.5, minSignalFraction: 0 }),
    weightedMeanTrack(hits, g),
    transverse.reconstruct(hits).track,
  ];
}

type Column = { energyGeV: ArrayLike<number>; dCm: ArrayLike<number> };

/** The residuals plotted: the primary's and the best feature regressor's (E, d), the primary's and the best simple estimator's (X, Y). */
function residualsOf(
  primaryLabel: string,
  truth: { energyGeV: number[]; dCm: number[]; xCm: number[]; yCm: number[] },
  prim: Column & { xCm: number[]; yCm: number[] },
  bestGbt: Column & { name: string },
  bestSimple: { xCm: number[]; yCm: number[] },
  transverseName: string,
): EvaluationOutcome['residuals'] {
  const rel = (e: ArrayLike<number>): Float64Array =>
    Float64Array.from(truth.energyGeV, (t, i) => (e[i]! - t) / t);
  const diff = (a: ArrayLike<number>, b: readonly number[]): Float64Array =>
    Float64Array.from(b, (t, i) => a[i]! - t);
  return {
    energy: [
      { name: primaryLabel, values: rel(prim.energyGeV) },
      { name: bestGbt.name, values: rel(bestGbt.energyGeV) },
    ],
    d: [
      { name: primaryLabel, values: diff(prim.dCm, truth.dCm) },
      { name: bestGbt.name, values: diff(bestGbt.dCm, truth.dCm) },
    ],
    x: [
      { name: transverseName, values: diff(prim.xCm, truth.xCm) },
      { name: SIMPLE_TRANSVERSE[0], values: diff(bestSimple.xCm, truth.xCm) },
    ],
    y: [
      { name: transverseName, values: diff(prim.yCm, truth.yCm) },
      { name: SIMPLE_TRANSVERSE[0], values: diff(bestSimple.yCm, truth.yCm) },
    ],
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
