/**
 * Multi-class histogram gradient boosting with the softmax (multinomial log-loss) objective, as
 * XGBoost's multi:softprob and scikit-learn's HistGradientBoostingClassifier: per round one tree
 * per class on the gradient p_k − y_k and hessian p_k(1 − p_k) (times the sample weight), leaves
 * −Σg/(Σh + λ) times the learning rate, split gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ), trees
 * grown leaf-wise to maxLeafNodes with minSamplesLeaf rows and minChildWeight hessian per leaf,
 * early stopping on a held-out fraction's weighted log-loss. Feature binning is gbt.ts's (255
 * quantile bins). Pure; the model is plain JSON with one regression forest per class, so the
 * prediction is gbt-model.ts's flat-forest walk.
 */
import { binnedRows, shuffledSplit } from './gbt-grow.js';
import { createGrower } from './gbt-softmax-grow.js';
import { predictGbt, type GbtModel, type GbtTree } from './gbt-model.js';

export interface SoftmaxGbtConfig {
  readonly maxIter: number;
  readonly learningRate: number;
  readonly maxLeafNodes: number;
  readonly minSamplesLeaf: number;
  /** Minimum hessian sum in a leaf (XGBoost's min_child_weight). */
  readonly minChildWeight: number;
  readonly l2: number;
  readonly maxBins: number;
  readonly validationFraction: number;
  readonly nIterNoChange: number;
  readonly tol: number;
  readonly seed: number;
}

/**
 * Learning rate 0.3 with 31 leaves: early stopping keeps about 11 rounds (77 trees), a fifth of the
 * node steps per event of learning rate 0.1 (60 rounds), for AUCs lower by at most 0.004 and the
 * same expected Z to 1 % (scripts/classifier-size-sweep.ts); the online cost is what decided it.
 */
export const DEFAULT_SOFTMAX_GBT: SoftmaxGbtConfig = {
  maxIter: 300,
  learningRate: 0.3,
  maxLeafNodes: 31,
  minSamplesLeaf: 20,
  minChildWeight: 1e-3,
  l2: 1,
  maxBins: 255,
  validationFraction: 0.1,
  nIterNoChange: 15,
  tol: 1e-6,
  seed: 1,
};

export interface SoftmaxGbtModel {
  readonly kind: 'gbt-softmax';
  readonly nFeatures: number;
  /** Class names, index = label. */
  readonly classes: readonly string[];
  /** One additive forest per class: raw score_k = forests[k].baseline + Σ its trees. */
  readonly forests: readonly GbtModel[];
  readonly validationLoss: number[];
}

/** Class probabilities of row x[offset ..) into out (length = classes). */
export function predictSoftmaxGbt(
  m: SoftmaxGbtModel,
  x: ArrayLike<number>,
  out: Float64Array,
  offset = 0,
): Float64Array {
  const k = m.forests.length;
  for (let c = 0; c < k; c++) out[c] = predictGbt(m.forests[c]!, x, offset);
  return softmaxInPlace(out, k);
}

export function softmaxInPlace(v: Float64Array, k: number, at = 0): Float64Array {
  let mx = -Infinity;
  for (let c = 0; c < k; c++) mx = Math.max(mx, v[at + c]!);
  let s = 0;
  for (let c = 0; c < k; c++) {
    const e = Math.exp(v[at + c]! - mx);
    v[at + c] = e;
    s += e;
  }
  for (let c = 0; c < k; c++) v[at + c]! /= s;
  return v;
}

/** Trains on rows x (row-major n × p), labels y in 0 .. classes.length − 1, optional weights. */
export function trainSoftmaxGbt(
  x: Float64Array,
  y: Int32Array,
  n: number,
  p: number,
  classes: readonly string[],
  cfg: SoftmaxGbtConfig = DEFAULT_SOFTMAX_GBT,
  weight?: Float64Array,
): SoftmaxGbtModel {
  const K = classes.length;
  if (n < 2 * cfg.minSamplesLeaf)
    throw new RangeError(`gbt-softmax needs at least ${2 * cfg.minSamplesLeaf} samples, got ${n}`);
  const { tr, val } = shuffledSplit(n, cfg.seed, cfg.validationFraction);
  const nTr = tr.length;
  const nVal = val.length;
  const w = (r: number): number => (weight === undefined ? 1 : weight[r]!);
  const { edges, bins } = binnedRows(x, tr, p, cfg.maxBins);
  const base = logPriors(y, tr, K, w);
  const raw = new Float64Array(nTr * K);
  const rawVal = new Float64Array(nVal * K);
  for (let k = 0; k < nTr; k++) for (let c = 0; c < K; c++) raw[k * K + c] = base[c]!;
  for (let k = 0; k < nVal; k++) for (let c = 0; c < K; c++) rawVal[k * K + c] = base[c]!;
  const trees: GbtTree[][] = Array.from({ length: K }, () => []);
  const validationLoss: number[] = [];
  const prob = new Float64Array(nTr * K);
  const grad = new Float64Array(nTr);
  const hess = new Float64Array(nTr);
  const grower = createGrower(bins, edges, nTr, p, cfg);
  let best = Infinity;
  let since = 0;
  for (let iter = 0; iter < cfg.maxIter; iter++) {
    prob.set(raw);
    for (let k = 0; k < nTr; k++) softmaxInPlace(prob, K, k * K);
    for (let c = 0; c < K; c++) {
      for (let k = 0; k < nTr; k++) {
        const pk = prob[k * K + c]!;
        const wk = w(tr[k]!);
        grad[k] = wk * (pk - (y[tr[k]!] === c ? 1 : 0));
        hess[k] = wk * Math.max(pk * (1 - pk), 1e-16);
      }
      const { tree, leafOf } = grower(grad, hess);
      trees[c]!.push(tree);
      for (let k = 0; k < nTr; k++) raw[k * K + c]! += tree.value[leafOf[k]!]!;
      for (let k = 0; k < nVal; k++) rawVal[k * K + c]! += walk(tree, x, val[k]! * p);
    }
    if (nVal === 0) continue;
    const loss = logLoss(rawVal, y, val, K, w);
    validationLoss.push(loss);
    if (loss < best - cfg.tol) {
      best = loss;
      since = 0;
    } else if (++since >= cfg.nIterNoChange) {
      for (const t of trees) t.length -= since;
      break;
    }
  }
  const forests = trees.map((t, c): GbtModel => ({
    kind: 'gbt',
    nFeatures: p,
    baseline: base[c]!,
    trees: t,
    validationLoss: [],
  }));
  return { kind: 'gbt-softmax', nFeatures: p, classes: [...classes], forests, validationLoss };
}

/** Baseline: log of the weighted class priors (floored so that an empty class stays finite). */
function logPriors(y: Int32Array, tr: Int32Array, K: number, w: (r: number) => number): number[] {
  const prior = new Float64Array(K);
  let wSum = 0;
  for (let k = 0; k < tr.length; k++) {
    prior[y[tr[k]!]!]! += w(tr[k]!);
    wSum += w(tr[k]!);
  }
  return Array.from(prior, (v) => Math.log(Math.max(v / wSum, 1e-6)));
}

/** Weighted mean log-loss of the validation rows val from their raw scores (row-major nVal × K). */
function logLoss(
  rawVal: Float64Array,
  y: Int32Array,
  val: Int32Array,
  K: number,
  w: (r: number) => number,
): number {
  const pv = new Float64Array(K);
  let loss = 0;
  let ws = 0;
  for (let k = 0; k < val.length; k++) {
    for (let c = 0; c < K; c++) pv[c] = rawVal[k * K + c]!;
    softmaxInPlace(pv, K);
    const r = val[k]!;
    loss -= w(r) * Math.log(Math.max(pv[y[r]!]!, 1e-15));
    ws += w(r);
  }
  return loss / ws;
}

function walk(t: GbtTree, x: ArrayLike<number>, offset: number): number {
  let node = 0;
  while (t.feature[node]! >= 0)
    node = x[offset + t.feature[node]!]! <= t.threshold[node]! ? t.left[node]! : t.right[node]!;
  return t.value[node]!;
}
