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
import type { GbtModel, GbtTree } from './gbt-model.js';
import { binnedRows, growLeafWise, shuffledSplit, type Split } from './gbt-grow.js';

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
  const { tr: trainRows, val: valRows } = shuffledSplit(n, cfg.seed, cfg.validationFraction);
  const nTr = trainRows.length;
  const nVal = valRows.length;
  const { edges, bins } = binnedRows(x, trainRows, p, cfg.maxBins);
  const yt = Float64Array.from(trainRows, (r) => y[r]!);
  let baseline = 0;
  for (let k = 0; k < nTr; k++) baseline += yt[k]!;
  baseline /= nTr;
  const pred = new Float64Array(nTr).fill(baseline);
  const valPred = new Float64Array(nVal).fill(baseline);
  const c: RegressionContext = {
    bins,
    edges,
    nTr,
    p,
    cfg,
    idx: new Int32Array(nTr),
    grad: new Float64Array(nTr),
  };
  const growth = {
    bins,
    edges,
    nTr,
    maxLeafNodes: cfg.maxLeafNodes,
    idx: c.idx,
    tmp: new Int32Array(nTr),
    histOf: (start: number, end: number) => regressionHist(c, start, end),
    bestSplit: (h: Float64Array, count: number) => regressionSplit(c, h, count),
  };
  const trees: GbtTree[] = [];
  const validationLoss: number[] = [];
  let bestLoss = Infinity;
  let sinceBest = 0;
  const row = new Float64Array(p);
  for (let iter = 0; iter < cfg.maxIter; iter++) {
    for (let k = 0; k < nTr; k++) c.grad[k] = yt[k]! - pred[k]!; // negative gradient of ½(y − f)²
    const { tree, leaves } = growLeafWise(growth);
    for (const leaf of leaves) {
      let g = 0;
      for (let k = leaf.start; k < leaf.end; k++) g += c.grad[c.idx[k]!]!;
      const v = (cfg.learningRate * g) / (leaf.end - leaf.start + cfg.l2);
      tree.value[leaf.node] = v;
      for (let k = leaf.start; k < leaf.end; k++) pred[c.idx[k]!]! += v;
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

/** The regression trees' histogram and split search share the binned rows and the current residuals. */
interface RegressionContext {
  readonly bins: Uint8Array;
  readonly edges: readonly Float64Array[];
  readonly nTr: number;
  readonly p: number;
  readonly cfg: GbtConfig;
  readonly idx: Int32Array;
  readonly grad: Float64Array;
}

/** (residual sum, rows) per bin and feature of the rows idx[start, end). */
function regressionHist(c: RegressionContext, start: number, end: number): Float64Array {
  const nb = c.cfg.maxBins;
  const h = new Float64Array(c.p * nb * 2);
  for (let f = 0; f < c.p; f++) {
    const off = f * c.nTr;
    const ho = f * nb * 2;
    for (let k = start; k < end; k++) {
      const i = c.idx[k]!;
      const b = ho + 2 * c.bins[off + i]!;
      h[b] = h[b]! + c.grad[i]!;
      h[b + 1] = h[b + 1]! + 1;
    }
  }
  return h;
}

/** The best split of a node with histogram h and count rows (squared-error gain), or undefined. */
function regressionSplit(c: RegressionContext, h: Float64Array, count: number): Split | undefined {
  const { cfg, p, edges } = c;
  const nb = cfg.maxBins;
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
}

function predictTree(t: GbtTree, x: ArrayLike<number>, offset = 0): number {
  let node = 0;
  while (t.feature[node]! >= 0)
    node = x[offset + t.feature[node]!]! <= t.threshold[node]! ? t.left[node]! : t.right[node]!;
  return t.value[node]!;
}
