/**
 * What the histogram-boosted trees share (gbt.ts: regression, gbt-softmax.ts: multi-class): the
 * seeded train/validation split, quantile binning of the features, and leaf-wise growth of one
 * tree (best gain first, rows partitioned in place, the smaller child's histogram summed and the
 * larger one's taken as the parent's minus it). The histogram and the split gain are the caller's
 * (their statistics differ). Pure.
 */
import { Rng } from '../../domain/index.js';
import type { GbtTree } from './gbt-model.js';

/** The rows 0 .. n − 1 shuffled by the seed, then split: the last validationFraction of them validate. */
export function shuffledSplit(
  n: number,
  seed: number,
  validationFraction: number,
): { tr: Int32Array; val: Int32Array } {
  const rng = new Rng(seed);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  const nVal = validationFraction > 0 ? Math.max(1, Math.floor(n * validationFraction)) : 0;
  return { tr: perm.subarray(0, n - nVal), val: perm.subarray(n - nVal) };
}

/** Quantile bin edges of the training rows tr, and their bins feature-major (bins[f · nTr + k]). */
export function binnedRows(
  x: Float64Array,
  tr: Int32Array,
  p: number,
  maxBins: number,
): { edges: Float64Array[]; bins: Uint8Array } {
  const nTr = tr.length;
  const xt = new Float64Array(nTr * p);
  for (let k = 0; k < nTr; k++) for (let f = 0; f < p; f++) xt[k * p + f] = x[tr[k]! * p + f]!;
  const edges = binEdges(xt, nTr, p, maxBins);
  const bins = new Uint8Array(nTr * p);
  for (let f = 0; f < p; f++)
    for (let k = 0; k < nTr; k++) bins[f * nTr + k] = binOf(edges[f]!, xt[k * p + f]!);
  return { edges, bins };
}

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
  idx: Int32Array,
  tmp: Int32Array,
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

/** One tree's growth: the binned rows, scratch, and the caller's histogram and split search. */
export interface TreeGrowth {
  readonly bins: Uint8Array;
  readonly edges: readonly Float64Array[];
  readonly nTr: number;
  readonly maxLeafNodes: number;
  /** Row order (reset here to 0 .. nTr − 1; leaves own ranges of it) and partition scratch. */
  readonly idx: Int32Array;
  readonly tmp: Int32Array;
  histOf(start: number, end: number): Float64Array;
  bestSplit(h: Float64Array, count: number): Split | undefined;
}

/** Grows one tree leaf-wise up to maxLeafNodes leaves; leaf values are the caller's to set. */
export function growLeafWise(g: TreeGrowth): { tree: GbtTree; leaves: Leaf[] } {
  const { idx, nTr, edges } = g;
  for (let k = 0; k < nTr; k++) idx[k] = k;
  const tree: GbtTree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const newNode = (): number => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
    return tree.feature.length - 1;
  };
  const root = g.histOf(0, nTr);
  let leaves: Leaf[] = [{ node: newNode(), start: 0, end: nTr, hist: root, split: g.bestSplit(root, nTr) }];
  while (leaves.length < g.maxLeafNodes) {
    const pick = bestLeaf(leaves);
    if (pick < 0) break;
    const leaf = leaves[pick]!;
    const s = leaf.split!;
    const a = partitionLeaf(idx, g.tmp, g.bins, nTr, leaf, s);
    const nl = a - leaf.start;
    const nr = leaf.end - a;
    const small = nl <= nr ? g.histOf(leaf.start, a) : g.histOf(a, leaf.end);
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
      { node: ln, start: leaf.start, end: a, hist: hl, split: g.bestSplit(hl, nl) },
      { node: rn, start: a, end: leaf.end, hist: hr, split: g.bestSplit(hr, nr) },
      ...leaves.slice(pick + 1),
    ];
  }
  return { tree, leaves };
}
