/**
 * Training and measuring the event classifier: simulated classes → features → softmax boosted
 * trees (TypeScript) and a small tfjs net → scores of fresh events of another seed → ROC per
 * background class, the Asimov-Z working point, cuts vs classifier, efficiency vs true E, and the
 * efficiency-flat variant (signal weights raised where the efficiency at the working point is low,
 * uBoost-style, re-trained twice). The caller writes files.
 */
import {
  classifierFeatureNames,
  DEFAULT_MLP,
  DEFAULT_SOFTMAX_GBT,
  predictMlp,
  predictSoftmaxGbt,
  trainMlp,
  trainSoftmaxGbt,
  type ClassifierFile,
  type MlpConfig,
  type SoftmaxGbtConfig,
  type SoftmaxGbtModel,
} from '../../reconstruction/index.js';
import {
  auc,
  bestWorkingPoint,
  efficiencyFlatness,
  roc,
  workingPointAt,
  type RocPoint,
  type ScoredClass,
  type WorkingPoint,
} from '../../trigger/index.js';
import { buildClassSamples, trainingRows, type ClassSamples, type SampleOptions } from './samples.js';

export interface ClassifierTrainingOptions extends Omit<SampleOptions, 'eventsPerClass' | 'seed'> {
  readonly trainEvents: number;
  readonly evalEvents: number;
  readonly seed: number;
  readonly evalSeed: number;
  readonly signalClass: string;
  readonly ratesHz: Readonly<Record<string, number>>;
  readonly windowS: number;
  readonly gbt?: SoftmaxGbtConfig;
  readonly mlp?: MlpConfig | false;
  /** Bin edges of true energy for the efficiency curves and the flatness, GeV. */
  readonly energyBinsGeV: readonly number[];
  readonly log?: (line: string) => void;
}

export type Method = 'cuts' | 'gbt' | 'gbt-flat' | 'mlp';

export interface MethodResult {
  readonly method: Method;
  readonly workingPoint: WorkingPoint;
  /** AUC of signal vs each background class, on reconstructed events. */
  readonly auc: Readonly<Record<string, number>>;
  readonly roc: Readonly<Record<string, RocPoint[]>>;
  /** Signal efficiency per true-energy bin at the working point, and its flatness. */
  readonly efficiencyVsE: readonly { lo: number; hi: number; n: number; eff: number }[];
  readonly flatness: number;
}

export interface ClassifierTrainingResult {
  readonly file: ClassifierFile;
  readonly samples: { readonly train: ClassSamples; readonly eval: ClassSamples };
  /** Scores of the evaluation events per method (signal probability; −1 when not reconstructed). */
  readonly evalScores: Readonly<Record<Exclude<Method, 'cuts'>, Float64Array>>;
  readonly results: readonly MethodResult[];
  readonly seconds: { simulate: number; gbt: number; mlp: number; flat: number };
}

export async function trainEventClassifier(o: ClassifierTrainingOptions): Promise<ClassifierTrainingResult> {
  const log = o.log ?? (() => {});
  const t0 = performance.now();
  const { train, evalS } = await trainingSamples(o, log);
  const classes = train.classes;
  const sig = classes.indexOf(o.signalClass as (typeof classes)[number]);
  if (sig < 0) throw new RangeError(`signal class ${o.signalClass} not among ${classes.join(', ')}`);
  const tSim = performance.now();
  const rows = trainingRows(train);
  const { x, y, n, p } = rows;
  log(`training rows (reconstructed events): ${n} of ${train.label.length}; ${p} features`);
  const gbtCfg = o.gbt ?? DEFAULT_SOFTMAX_GBT;
  const gbt = trainSoftmaxGbt(x, y, n, p, classes, gbtCfg);
  log(
    `gbt: ${gbt.forests[0]!.trees.length} rounds × ${classes.length} classes, validation log-loss ${gbt.validationLoss.at(-1)?.toFixed(4)}`,
  );
  const tGbt = performance.now();
  const mlp =
    o.mlp === false
      ? undefined
      : await trainMlp(x, y, n, p, classes.length, o.mlp ?? DEFAULT_MLP, undefined, (e, tl, vl) =>
          log(`mlp epoch ${e}: loss ${tl.toFixed(4)} val ${vl.toFixed(4)}`),
        );
  const tMlp = performance.now();
  const score = (m: SoftmaxGbtModel): Float64Array =>
    scoresOf(evalS, sig, (r, out) => predictSoftmaxGbt(m, r, out));
  const scored = scoredClasses(evalS, sig, o.ratesHz);
  const gbtScores = score(gbt);
  const flatCtx = { train, rows, sig, cfg: gbtCfg, windowS: o.windowS, edges: o.energyBinsGeV };
  const flat = trainFlat(flatCtx, gbt, bestWorkingPoint(scored(gbtScores), o.windowS), score, scored, log);
  const tFlat = performance.now();
  const evalScores: Record<string, Float64Array> = { gbt: gbtScores, 'gbt-flat': score(flat) };
  if (mlp !== undefined) evalScores['mlp'] = scoresOf(evalS, sig, (r, out) => predictMlp(mlp, r, out));
  const results = measureAll(evalS, sig, evalScores, scored, o);
  const thresholds: Record<string, number> = {};
  for (const r of results) if (r.method !== 'cuts') thresholds[r.method] = r.workingPoint.threshold;
  const file: ClassifierFile = {
    version: 1,
    classes,
    signalClass: o.signalClass,
    featureNames: classifierFeatureNames(o.geometry.nStations),
    gbt,
    gbtFlat: flat,
    ...(mlp === undefined ? {} : { mlp }),
    thresholds,
    provenance: provenance(o, gbtCfg),
  };
  return {
    file,
    samples: { train, eval: evalS },
    evalScores: evalScores as ClassifierTrainingResult['evalScores'],
    results,
    seconds: {
      simulate: (tSim - t0) / 1000,
      gbt: (tGbt - tSim) / 1000,
      mlp: (tMlp - tGbt) / 1000,
      flat: (tFlat - tMlp) / 1000,
    },
  };
}

/** The training and the evaluation samples, each of its own seed. */
async function trainingSamples(
  o: ClassifierTrainingOptions,
  log: (line: string) => void,
): Promise<{ train: ClassSamples; evalS: ClassSamples }> {
  const progress =
    (what: string) =>
    (d: number, n: number): void => {
      if (d === n || d % 2048 === 0) log(`${what}: ${d}/${n} events simulated and reconstructed`);
    };
  const train = await buildClassSamples({
    ...o,
    eventsPerClass: o.trainEvents,
    seed: o.seed,
    progress: progress('training sample'),
  });
  const evalS = await buildClassSamples({
    ...o,
    eventsPerClass: o.evalEvents,
    seed: o.evalSeed,
    progress: progress('evaluation sample'),
  });
  return { train, evalS };
}

type Scored = (s: Float64Array) => ScoredClass[];

/** Scores of the sample's events → per-class score lists with the configured rates (for the working point). */
function scoredClasses(s: ClassSamples, sig: number, ratesHz: Readonly<Record<string, number>>): Scored {
  return (scores) =>
    s.classes.map((c, ci) => ({
      name: c,
      isSignal: ci === sig,
      rateHz: ratesHz[c] ?? 0,
      scores: scores.filter((_, i) => s.label[i] === ci),
    }));
}

interface FlatContext {
  readonly train: ClassSamples;
  readonly rows: ReturnType<typeof trainingRows>;
  readonly sig: number;
  readonly cfg: SoftmaxGbtConfig;
  readonly windowS: number;
  readonly edges: readonly number[];
}

/**
 * Efficiency flatness: twice, raise the weight of signal rows in true-energy bins with low
 * efficiency at the working point (× mean / bin efficiency, clipped to [0.2, 5]) and re-train.
 */
function trainFlat(
  c: FlatContext,
  gbt: SoftmaxGbtModel,
  gbtWp: WorkingPoint,
  score: (m: SoftmaxGbtModel) => Float64Array,
  scored: Scored,
  log: (line: string) => void,
): SoftmaxGbtModel {
  const { train, sig } = c;
  const { x, y, n, p } = c.rows;
  let flat = gbt;
  let flatWp = gbtWp;
  const weight = new Float64Array(n).fill(1);
  for (let round = 0; round < 2; round++) {
    const trainScores = scoresOf(train, sig, (r, out) => predictSoftmaxGbt(flat, r, out));
    const eff = efficiencyByBin(train, sig, trainScores, flatWp.threshold, c.edges);
    const mean =
      eff.reduce((s, b) => s + b.eff * b.n, 0) /
      Math.max(
        1,
        eff.reduce((s, b) => s + b.n, 0),
      );
    for (let k = 0; k < n; k++) {
      const i = train.okIndex[k]!;
      if (train.label[i] !== sig) continue;
      const b = binOf(c.edges, train.trueEnergyGeV[i]!);
      const e = b < 0 ? mean : Math.max(eff[b]!.eff, 0.05);
      weight[k] = Math.min(5, Math.max(0.2, weight[k]! * (mean / e)));
    }
    flat = trainSoftmaxGbt(x, y, n, p, train.classes, c.cfg, weight);
    flatWp = bestWorkingPoint(scored(score(flat)), c.windowS);
    log(`flat round ${round + 1}: threshold ${flatWp.threshold.toFixed(3)} Z ${flatWp.z.toFixed(2)}`);
  }
  return flat;
}

/** The cuts (at their decision) and each classifier (at its best working point), measured on the evaluation sample. */
function measureAll(
  evalS: ClassSamples,
  sig: number,
  evalScores: Readonly<Record<string, Float64Array>>,
  scored: Scored,
  o: ClassifierTrainingOptions,
): MethodResult[] {
  const cutScores = Float64Array.from(evalS.cutSelected, (v) => (v ? 1 : 0));
  const cutWp = workingPointAt(scored(cutScores), 0.5, o.windowS);
  const results = [measure('cuts', evalS, sig, cutScores, cutWp, o.energyBinsGeV)];
  for (const [m, s] of Object.entries(evalScores))
    results.push(
      measure(m as Method, evalS, sig, s, bestWorkingPoint(scored(s), o.windowS), o.energyBinsGeV),
    );
  return results;
}

function provenance(o: ClassifierTrainingOptions, gbtCfg: SoftmaxGbtConfig): Record<string, number> {
  return {
    trainEventsPerClass: o.trainEvents,
    trainSeed: o.seed,
    evalEventsPerClass: o.evalEvents,
    evalSeed: o.evalSeed,
    gbtSeed: gbtCfg.seed,
    mlpSeed: (o.mlp || DEFAULT_MLP).seed,
  };
}

/** Signal probability of every event of the sample (−1 for events not reconstructed). */
export function scoresOf(
  s: ClassSamples,
  sig: number,
  predict: (row: Float64Array, out: Float64Array) => Float64Array,
): Float64Array {
  const out = new Float64Array(s.label.length).fill(-1);
  const probs = new Float64Array(s.classes.length);
  for (let k = 0; k < s.okIndex.length; k++) {
    predict(s.features.subarray(k * s.nFeatures, (k + 1) * s.nFeatures), probs);
    out[s.okIndex[k]!] = probs[sig]!;
  }
  return out;
}

function binOf(edges: readonly number[], v: number): number {
  for (let b = 0; b + 1 < edges.length; b++) if (v >= edges[b]! && v < edges[b + 1]!) return b;
  return -1;
}

function efficiencyByBin(
  s: ClassSamples,
  sig: number,
  scores: Float64Array,
  threshold: number,
  edges: readonly number[],
): { lo: number; hi: number; n: number; eff: number }[] {
  const n = new Array<number>(edges.length - 1).fill(0);
  const k = new Array<number>(edges.length - 1).fill(0);
  for (let i = 0; i < s.label.length; i++) {
    if (s.label[i] !== sig) continue;
    const b = binOf(edges, s.trueEnergyGeV[i]!);
    if (b < 0) continue;
    n[b]!++;
    if (scores[i]! >= threshold) k[b]!++;
  }
  return n.map((nb, b) => ({ lo: edges[b]!, hi: edges[b + 1]!, n: nb, eff: nb > 0 ? k[b]! / nb : 0 }));
}

function measure(
  method: Method,
  s: ClassSamples,
  sig: number,
  scores: Float64Array,
  wp: WorkingPoint,
  edges: readonly number[],
): MethodResult {
  const a: Record<string, number> = {};
  const r: Record<string, RocPoint[]> = {};
  const okSig: number[] = [];
  for (const i of s.okIndex) if (s.label[i] === sig) okSig.push(scores[i]!);
  s.classes.forEach((c, ci) => {
    if (ci === sig) return;
    const bk: number[] = [];
    for (const i of s.okIndex) if (s.label[i] === ci) bk.push(scores[i]!);
    if (bk.length === 0) return;
    const curve = roc(okSig, bk);
    a[c] = auc(curve);
    r[c] = thin(curve, 200);
  });
  const eff = efficiencyByBin(s, sig, scores, wp.threshold, edges);
  return {
    method,
    workingPoint: wp,
    auc: a,
    roc: r,
    efficiencyVsE: eff,
    flatness: efficiencyFlatness(
      eff.map((b) => b.eff * b.n),
      eff.map((b) => b.n),
    ),
  };
}

/** At most m points of a curve, evenly spaced in index (first and last kept). */
function thin(c: RocPoint[], m: number): RocPoint[] {
  if (c.length <= m) return c;
  return Array.from({ length: m }, (_, i) => c[Math.round((i * (c.length - 1)) / (m - 1))]!);
}
