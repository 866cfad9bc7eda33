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
import { Rng } from '../../domain/index.js';
import { bestLeaf, binEdges, binOf, partitionLeaf, type Leaf, type Split } from './gbt.js';
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

export const DEFAULT_SOFTMAX_GBT: SoftmaxGbtConfig = {
  maxIter: 300,
  learningRate: 0.1,
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
  const rng = new Rng(cfg.seed);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  const nVal = cfg.validationFraction > 0 ? Math.max(1, Math.floor(n * cfg.validationFraction)) : 0;
  const nTr = n - nVal;
  const tr = perm.subarray(0, nTr);
  const val = perm.subarray(nTr);
  const w = (r: number): number => (weight === undefined ? 1 : weight[r]!);
  const xt = new Float64Array(nTr * p);
  for (let k = 0; k < nTr; k++) for (let f = 0; f < p; f++) xt[k * p + f] = x[tr[k]! * p + f]!;
  const edges = binEdges(xt, nTr, p, cfg.maxBins);
  const bins = new Uint8Array(nTr * p);
  for (let f = 0; f < p; f++)
    for (let k = 0; k < nTr; k++) bins[f * nTr + k] = binOf(edges[f]!, xt[k * p + f]!);
  // Baseline: log of the weighted class priors (floored so that an empty class stays finite).
  const prior = new Float64Array(K);
  let wSum = 0;
  for (let k = 0; k < nTr; k++) {
    prior[y[tr[k]!]!]! += w(tr[k]!);
    wSum += w(tr[k]!);
  }
  const base = Array.from(prior, (v) => Math.log(Math.max(v / wSum, 1e-6)));
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
  const pv = new Float64Array(K);
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
    let loss = 0;
    let ws = 0;
    for (let k = 0; k < nVal; k++) {
      for (let c = 0; c < K; c++) pv[c] = rawVal[k * K + c]!;
      softmaxInPlace(pv, K);
      const r = val[k]!;
      loss -= w(r) * Math.log(Math.max(pv[y[r]!]!, 1e-15));
      ws += w(r);
    }
    validationLoss.push(loss / ws);
    if (loss / ws < best - cfg.tol) {
      best = loss / ws;
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

function walk(t: GbtTree, x: ArrayLike<number>, offset: number): number {
  let node = 0;
  while (t.feature[node]! >= 0)
    node = x[offset + t.feature[node]!]! <= t.threshold[node]! ? t.left[node]! : t.right[node]!;
  return t.value[node]!;
}

/** What the histogram and split helpers share: the binned training rows and the current gradients. */
interface GrowContext {
  readonly bins: Uint8Array;
  readonly edges: Float64Array[];
  readonly nTr: number;
  readonly p: number;
  readonly cfg: SoftmaxGbtConfig;
  readonly idx: Int32Array;
  grad: Float64Array;
  hess: Float64Array;
}

/** (gradient, hessian, rows) per bin and feature of the rows idx[start, end). */
function histOf(c: GrowContext, start: number, end: number): Float64Array {
  const nb = c.cfg.maxBins;
  const h = new Float64Array(c.p * nb * 3);
  for (let f = 0; f < c.p; f++) {
    const off = f * c.nTr;
    const ho = f * nb * 3;
    for (let k = start; k < end; k++) {
      const i = c.idx[k]!;
      const b = ho + 3 * c.bins[off + i]!;
      h[b]! += c.grad[i]!;
      h[b + 1]! += c.hess[i]!;
      h[b + 2]! += 1;
    }
  }
  return h;
}

/** The best split of a node with histogram h and count rows, or undefined when none gains. */
function bestSplit(c: GrowContext, h: Float64Array, count: number): Split | undefined {
  const { cfg, p, edges } = c;
  const nb = cfg.maxBins;
  let g = 0;
  let hs = 0;
  for (let b = 0; b < nb; b++) {
    g += h[3 * b]!;
    hs += h[3 * b + 1]!;
  }
  const parent = (g * g) / (hs + cfg.l2);
  let best: Split | undefined;
  for (let f = 0; f < p; f++) {
    const ho = f * nb * 3;
    let gl = 0;
    let hl = 0;
    let nl = 0;
    for (let b = 0; b < edges[f]!.length; b++) {
      gl += h[ho + 3 * b]!;
      hl += h[ho + 3 * b + 1]!;
      nl += h[ho + 3 * b + 2]!;
      if (nl < cfg.minSamplesLeaf || hl < cfg.minChildWeight) continue;
      if (count - nl < cfg.minSamplesLeaf) break;
      const hr = hs - hl;
      if (hr < cfg.minChildWeight) continue;
      const gr = g - gl;
      const gain = (gl * gl) / (hl + cfg.l2) + (gr * gr) / (hr + cfg.l2) - parent;
      if (gain > 1e-12 && (best === undefined || gain > best.gain)) best = { gain, feature: f, bin: b };
    }
  }
  return best;
}

/** Leaf-wise tree growth on (gradient, hessian) histograms: 3 numbers per bin (g, h, rows). */
function createGrower(
  bins: Uint8Array,
  edges: Float64Array[],
  nTr: number,
  p: number,
  cfg: SoftmaxGbtConfig,
) {
  const c: GrowContext = {
    bins,
    edges,
    nTr,
    p,
    cfg,
    idx: new Int32Array(nTr),
    grad: new Float64Array(0),
    hess: new Float64Array(0),
  };
  const { idx } = c;
  const tmp = new Int32Array(nTr);
  const leafOf = new Int32Array(nTr);
  return (grad: Float64Array, hess: Float64Array): { tree: GbtTree; leafOf: Int32Array } => {
    c.grad = grad;
    c.hess = hess;
    for (let k = 0; k < nTr; k++) idx[k] = k;
    const tree = {
      feature: [] as number[],
      threshold: [] as number[],
      left: [] as number[],
      right: [] as number[],
      value: [] as number[],
    };
    const newNode = (): number => {
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(0);
      return tree.feature.length - 1;
    };
    const root = histOf(c, 0, nTr);
    let leaves: Leaf[] = [
      { node: newNode(), start: 0, end: nTr, hist: root, split: bestSplit(c, root, nTr) },
    ];
    while (leaves.length < cfg.maxLeafNodes) {
      const pick = bestLeaf(leaves);
      if (pick < 0) break;
      const leaf = leaves[pick]!;
      const s = leaf.split!;
      const a = partitionLeaf(idx, tmp, bins, nTr, leaf, s);
      const nl = a - leaf.start;
      const nr = leaf.end - a;
      const small = nl <= nr ? histOf(c, leaf.start, a) : histOf(c, a, leaf.end);
      const large = new Float64Array(leaf.hist.length);
      for (let j = 0; j < large.length; j++) large[j] = leaf.hist[j]! - small[j]!;
      const hl = nl <= nr ? small : large;
      const hr = nl <= nr ? large : small;
      const ln = newNode();
      const rn = newNode();
      tree.feature[leaf.node] = s.feature;
      tree.threshold[leaf.node] = edges[s.feature]![s.bin]!;
      tree.left[leaf.node] = ln;
      tree.right[leaf.node] = rn;
      leaves = [
        ...leaves.slice(0, pick),
        { node: ln, start: leaf.start, end: a, hist: hl, split: bestSplit(c, hl, nl) },
        { node: rn, start: a, end: leaf.end, hist: hr, split: bestSplit(c, hr, nr) },
        ...leaves.slice(pick + 1),
      ];
    }
    for (const leaf of leaves) {
      let g = 0;
      let h = 0;
      for (let k = leaf.start; k < leaf.end; k++) {
        g += grad[idx[k]!]!;
        h += hess[idx[k]!]!;
      }
      tree.value[leaf.node] = (-cfg.learningRate * g) / (h + cfg.l2);
      for (let k = leaf.start; k < leaf.end; k++) leafOf[idx[k]!] = leaf.node;
    }
    return { tree, leafOf };
  };
}
