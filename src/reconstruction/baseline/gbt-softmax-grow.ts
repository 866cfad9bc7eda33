/**
 * The tree grower of the softmax boosted trees (gbt-softmax.ts): one regression tree on a class's
 * (gradient, hessian), grown leaf-wise (gbt-grow.ts) on per-bin histograms of 3 numbers per bin
 * (Σg, Σh, rows), split by the second-order gain with XGBoost's min_child_weight. Pure.
 */
import { growLeafWise, type Leaf, type Split } from './gbt-grow.js';
import type { GbtTree } from './gbt-model.js';

/** What growing one tree needs of the training configuration (a subset of SoftmaxGbtConfig). */
export interface GrowConfig {
  readonly maxBins: number;
  readonly maxLeafNodes: number;
  readonly minSamplesLeaf: number;
  /** Minimum hessian sum in a leaf. */
  readonly minChildWeight: number;
  readonly l2: number;
  readonly learningRate: number;
}

/** What the histogram and split helpers share: the binned training rows and the current gradients. */
interface GrowContext {
  readonly bins: Uint8Array;
  readonly edges: Float64Array[];
  readonly nTr: number;
  readonly p: number;
  readonly cfg: GrowConfig;
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
export function createGrower(
  bins: Uint8Array,
  edges: Float64Array[],
  nTr: number,
  p: number,
  cfg: GrowConfig,
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
  const growth = {
    bins,
    edges,
    nTr,
    maxLeafNodes: cfg.maxLeafNodes,
    idx: c.idx,
    tmp: new Int32Array(nTr),
    histOf: (start: number, end: number) => histOf(c, start, end),
    bestSplit: (h: Float64Array, count: number) => bestSplit(c, h, count),
  };
  const leafOf = new Int32Array(nTr);
  return (grad: Float64Array, hess: Float64Array): { tree: GbtTree; leafOf: Int32Array } => {
    c.grad = grad;
    c.hess = hess;
    const { tree, leaves } = growLeafWise(growth);
    setLeafValues(c, tree, leaves, leafOf);
    return { tree, leafOf };
  };
}

/** Each final leaf's value, −learningRate · Σg / (Σh + λ) over its rows, and each row's leaf. */
function setLeafValues(c: GrowContext, tree: GbtTree, leaves: readonly Leaf[], leafOf: Int32Array): void {
  const { idx, grad, hess, cfg } = c;
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
}
