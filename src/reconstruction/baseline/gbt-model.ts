/**
 * A trained gradient-boosted forest (gbt.ts trains it) as plain JSON data, and its prediction on
 * a flat typed-array copy of the trees.
 */

/** Trees as flat arrays: node i splits on feature[i] at x <= threshold[i], or is a leaf (feature −1). */
export interface GbtTree {
  readonly feature: number[];
  readonly threshold: number[];
  readonly left: number[];
  readonly right: number[];
  readonly value: number[];
}

export interface GbtModel {
  readonly kind: 'gbt';
  readonly nFeatures: number;
  readonly baseline: number;
  readonly trees: GbtTree[];
  /** Validation loss (mean squared error) after each iteration. */
  readonly validationLoss: number[];
}

/**
 * The model's prediction for the row x[offset .. offset + nFeatures): baseline + every tree, in
 * order. Runs on a flat copy of the forest in typed arrays, built once per model object (a model
 * is plain data, e.g. from JSON, and is not changed once trained): the same comparisons and the
 * same sum as walking the trees (gbt.test.ts); 39 → 23 µs per event for the CNN's 320 stacked trees.
 */
export function predictGbt(m: GbtModel, x: ArrayLike<number>, offset = 0): number {
  let f = flat.get(m);
  if (f === undefined) {
    f = flatten(m);
    flat.set(m, f);
  }
  const { root, feature, threshold, left, value } = f;
  let s = m.baseline;
  for (let t = 0; t < root.length; t++) {
    let node = root[t]!;
    let j = feature[node]!;
    while (j >= 0) {
      // The right child is left + 1.
      node = left[node]! + (x[offset + j]! <= threshold[node]! ? 0 : 1);
      j = feature[node]!;
    }
    s += value[node]!;
  }
  return s;
}

/** The forest in typed arrays: tree t starts at node root[t]; node i's children are left[i] and left[i] + 1 (global indices). */
interface FlatForest {
  readonly root: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly value: Float64Array;
}

const flat = new WeakMap<GbtModel, FlatForest>();

/** Breadth-first copy of every tree, so that each node's two children are adjacent (right = left + 1). */
function flatten(m: GbtModel): FlatForest {
  const total = m.trees.reduce((s, t) => s + t.feature.length, 0);
  const f: FlatForest = {
    root: new Int32Array(m.trees.length),
    feature: new Int32Array(total),
    threshold: new Float64Array(total),
    left: new Int32Array(total),
    value: new Float64Array(total),
  };
  let o = 0;
  m.trees.forEach((t, k) => {
    f.root[k] = o;
    // queue[i] = the tree's node copied to flat index o + i.
    const queue = [0];
    for (let i = 0; i < queue.length; i++) {
      const node = queue[i]!;
      f.feature[o + i] = t.feature[node]!;
      f.threshold[o + i] = t.threshold[node]!;
      f.value[o + i] = t.value[node]!;
      if (t.feature[node]! < 0) continue;
      f.left[o + i] = o + queue.length;
      queue.push(t.left[node]!, t.right[node]!);
    }
    o += queue.length;
  });
  return f;
}
