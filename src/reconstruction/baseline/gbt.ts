/**
 * Histogram gradient-boosted regression trees (squared error), the algorithm of LightGBM and of
 * scikit-learn's HistGradientBoostingRegressor, with the same defaults where they apply:
 * features binned into at most 255 quantile bins, trees grown leaf-wise (best gain first) up to
 * maxLeafNodes leaves with at least minSamplesLeaf samples each, shrinkage learningRate, and
 * early stopping on a held-out validation fraction (stop after nIterNoChange rounds without a
 * validation loss better by tol). Histograms of a node's children come from one pass over the
 * smaller child plus subtraction from the parent. Pure; the model is a plain JSON object
 * (gbt-model.ts, with the prediction).
 */
import { Rng } from '../../domain/index.js';
import type { GbtModel, GbtTree } from './gbt-model.js';

export { predictGbt, type GbtModel, type GbtTree } from './gbt-model.js';

export interface GbtConfig {
  readonly maxIter: number;
  readonly learningRate: number;
  readonly maxLeafNodes: number;
  readonly minSamplesLeaf: number;
  /** L2 penalty on leaf values (added to the hessian sum). */
  readonly l2: number;
  readonly maxBins: number;
  readonly validationFraction: number;
  readonly nIterNoChange: number;
  readonly tol: number;
  readonly seed: number;
}

export const DEFAULT_GBT: GbtConfig = {
  maxIter: 500,
  learningRate: 0.1,
  maxLeafNodes: 31,
  minSamplesLeaf: 20,
  l2: 0,
  maxBins: 255,
  validationFraction: 0.1,
  nIterNoChange: 10,
  tol: 1e-7,
  seed: 1,
};

/** Bin edges per feature: upper edges of at most maxBins − 1 quantile bins (values ≤ edge[b] go to bin ≤ b). */
export function binEdges(x: Float64Array, n: number, p: number, maxBins: number): Float64Array[] {
  const edges: Float64Array[] = [];
  const col = new Float64Array(n);
  for (let f = 0; f < p; f++) {
    for (let i = 0; i < n; i++) col[i] = x[i * p + f]!;
    const sorted = col.slice().sort();
    const distinct: number[] = [];
    for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
    const e: number[] = [];
    if (distinct.length <= maxBins) {
      for (let k = 0; k + 1 < distinct.length; k++) e.push((distinct[k]! + distinct[k + 1]!) / 2);
    } else {
      for (let k = 1; k < maxBins; k++) {
        const v = sorted[Math.floor((k * n) / maxBins)]!;
        if (e.length === 0 || v > e[e.length - 1]!) e.push(v);
      }
    }
    edges.push(Float64Array.from(e));
  }
  return edges;
}

export function binOf(edges: Float64Array, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface Split {
  readonly gain: number;
  readonly feature: number;
  readonly bin: number;
}

/** A leaf that may still be split: its rows idx[start, end), their histogram and its best split. */
export interface Leaf {
  readonly node: number;
  readonly start: number;
  readonly end: number;
  readonly hist: Float64Array;
  readonly split: Split | undefined;
}

/** The leaf whose best split gains most (leaf-wise growth); −1 when none can split. */
export function bestLeaf(leaves: readonly Leaf[]): number {
  let pick = -1;
  for (let l = 0; l < leaves.length; l++) {
    const s = leaves[l]!.split;
    if (s !== undefined && (pick < 0 || s.gain > leaves[pick]!.split!.gain)) pick = l;
  }
  return pick;
}

/**
 * Partitions idx[start, end) of a leaf by bin <= s.bin, stable (bins: feature-major, nTr rows per
 * feature; tmp: scratch of at least the leaf's size). Returns where the right side starts.
 */
export function partitionLeaf(
  idx: Uint32Array | Int32Array,
  tmp: Uint32Array | Int32Array,
  bins: Uint8Array,
  nTr: number,
  leaf: Leaf,
  s: Split,
): number {
  const off = s.feature * nTr;
  let a = leaf.start;
  let t = 0;
  for (let k = leaf.start; k < leaf.end; k++) {
    const i = idx[k]!;
    if (bins[off + i]! <= s.bin) idx[a++] = i;
    else tmp[t++] = i;
  }
  idx.set(tmp.subarray(0, t), a);
  return a;
}

/** Trains on rows x (row-major n × p) → y. */
export function trainGbt(
  x: Float64Array,
  y: Float64Array,
  n: number,
  p: number,
  cfg: GbtConfig = DEFAULT_GBT,
): GbtModel {
  if (n < 2 * cfg.minSamplesLeaf)
    throw new RangeError(`gbt needs at least ${2 * cfg.minSamplesLeaf} samples, got ${n}`);
  if (x.length < n * p || y.length < n) throw new RangeError('gbt: x or y shorter than n × p');
  const rng = new Rng(cfg.seed);
  const perm = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  const nVal = cfg.validationFraction > 0 ? Math.max(1, Math.floor(n * cfg.validationFraction)) : 0;
  const nTr = n - nVal;
  const trainRows = perm.subarray(0, nTr);
  const valRows = perm.subarray(nTr);
  const xt = new Float64Array(nTr * p);
  for (let k = 0; k < nTr; k++) for (let f = 0; f < p; f++) xt[k * p + f] = x[trainRows[k]! * p + f]!;
  const edges = binEdges(xt, nTr, p, cfg.maxBins);
  const nb = cfg.maxBins;
  // Column-major bins of the training rows.
  const bins = new Uint8Array(nTr * p);
  for (let f = 0; f < p; f++)
    for (let k = 0; k < nTr; k++) bins[f * nTr + k] = binOf(edges[f]!, xt[k * p + f]!);
  const yt = Float64Array.from(trainRows, (r) => y[r]!);
  let baseline = 0;
  for (let k = 0; k < nTr; k++) baseline += yt[k]!;
  baseline /= nTr;
  const pred = new Float64Array(nTr).fill(baseline);
  const valPred = new Float64Array(nVal).fill(baseline);
  const grad = new Float64Array(nTr);
  const idx = new Uint32Array(nTr);
  const tmp = new Uint32Array(nTr);
  const trees: GbtTree[] = [];
  const validationLoss: number[] = [];
  let bestLoss = Infinity;
  let sinceBest = 0;
  const row = new Float64Array(p);

  const histOf = (start: number, end: number): Float64Array => {
    const h = new Float64Array(p * nb * 2);
    for (let f = 0; f < p; f++) {
      const off = f * nTr;
      const ho = f * nb * 2;
      for (let k = start; k < end; k++) {
        const i = idx[k]!;
        const b = ho + 2 * bins[off + i]!;
        h[b] = h[b]! + grad[i]!;
        h[b + 1] = h[b + 1]! + 1;
      }
    }
    return h;
  };
  const bestSplit = (h: Float64Array, count: number): Split | undefined => {
    let g = 0;
    for (let b = 0; b < nb; b++) g += h[2 * b]!;
    const parent = (g * g) / (count + cfg.l2);
    let best: Split | undefined;
    for (let f = 0; f < p; f++) {
      const ho = f * nb * 2;
      let gl = 0;
      let nl = 0;
      for (let b = 0; b < edges[f]!.length; b++) {
        gl += h[ho + 2 * b]!;
        nl += h[ho + 2 * b + 1]!;
        const nr = count - nl;
        if (nl < cfg.minSamplesLeaf) continue;
        if (nr < cfg.minSamplesLeaf) break;
        const gr = g - gl;
        const gain = (gl * gl) / (nl + cfg.l2) + (gr * gr) / (nr + cfg.l2) - parent;
        if (gain > 1e-12 && (best === undefined || gain > best.gain)) best = { gain, feature: f, bin: b };
      }
    }
    return best;
  };

  for (let iter = 0; iter < cfg.maxIter; iter++) {
    for (let k = 0; k < nTr; k++) {
      grad[k] = yt[k]! - pred[k]!; // negative gradient of ½(y − f)²
      idx[k] = k;
    }
    const tree: { feature: number[]; threshold: number[]; left: number[]; right: number[]; value: number[] } =
      { feature: [], threshold: [], left: [], right: [], value: [] };
    const newNode = (): number => {
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(0);
      return tree.feature.length - 1;
    };
    const rootHist = histOf(0, nTr);
    let leaves: Leaf[] = [
      { node: newNode(), start: 0, end: nTr, hist: rootHist, split: bestSplit(rootHist, nTr) },
    ];
    while (leaves.length < cfg.maxLeafNodes) {
      const pick = bestLeaf(leaves);
      if (pick < 0) break;
      const leaf = leaves[pick]!;
      const s = leaf.split!;
      const a = partitionLeaf(idx, tmp, bins, nTr, leaf, s);
      const nl = a - leaf.start;
      const nr = leaf.end - a;
      const small = nl <= nr ? histOf(leaf.start, a) : histOf(a, leaf.end);
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
      const children: Leaf[] = [
        { node: ln, start: leaf.start, end: a, hist: hl, split: bestSplit(hl, nl) },
        { node: rn, start: a, end: leaf.end, hist: hr, split: bestSplit(hr, nr) },
      ];
      leaves = [...leaves.slice(0, pick), ...children, ...leaves.slice(pick + 1)];
    }
    for (const leaf of leaves) {
      let g = 0;
      for (let k = leaf.start; k < leaf.end; k++) g += grad[idx[k]!]!;
      const v = (cfg.learningRate * g) / (leaf.end - leaf.start + cfg.l2);
      tree.value[leaf.node] = v;
      for (let k = leaf.start; k < leaf.end; k++) pred[idx[k]!]! += v;
    }
    trees.push(tree);
    if (nVal === 0) continue;
    let loss = 0;
    for (let k = 0; k < nVal; k++) {
      const r = valRows[k]!;
      for (let f = 0; f < p; f++) row[f] = x[r * p + f]!;
      valPred[k]! += predictTree(tree, row);
      loss += (y[r]! - valPred[k]!) ** 2;
    }
    loss /= nVal;
    validationLoss.push(loss);
    if (loss < bestLoss - cfg.tol) {
      bestLoss = loss;
      sinceBest = 0;
    } else if (++sinceBest >= cfg.nIterNoChange) {
      // Drop the rounds after the best one, as the validation loss says they did not help.
      trees.length -= sinceBest;
      break;
    }
  }
  return { kind: 'gbt', nFeatures: p, baseline, trees, validationLoss };
}

function predictTree(t: GbtTree, x: ArrayLike<number>, offset = 0): number {
  let node = 0;
  while (t.feature[node]! >= 0)
    node = x[offset + t.feature[node]!]! <= t.threshold[node]! ? t.left[node]! : t.right[node]!;
  return t.value[node]!;
}
