/**
 * Where the event classifier's time goes, and whether another layout of the shipped softmax trees
 * is faster: the per-event features (one pass over the hits), the shipped walk (gbt-model.ts: flat
 * typed arrays, breadth-first, children adjacent), and three alternatives on the same trees, each
 * checked to give bit-identical raw scores:
 * - ranked: thresholds replaced by their rank among the feature's split values (x <= t ⇔ rank(x) <= k),
 *   nodes packed two Int32 words each, batch of 64 rows walked tree by tree;
 * - fixed-depth ×4: leaves loop on themselves, each tree walked to its maximum depth without a
 *   data-dependent branch, four rows side by side;
 * - QuickScorer: per feature the splits sorted by threshold, a false test clears its left subtree's
 *   leaves from a 32-bit mask per tree, the exit leaf is the lowest set bit.
 * CPU time (process.cpuUsage), interleaved repetitions, medians, on pre-reconstructed signal events.
 *
 *   node --import tsx scripts/classifier-tree-walks.ts [--model models/default] [--events 1500] [--spectrum flat]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config-file/index.js';
import { Rng, type Hits } from '../src/domain/index.js';
import { predictGbt, type SoftmaxGbtModel } from '../src/reconstruction/baseline/index.js';
import { createEventClassifier, parseClassifierFile } from '../src/reconstruction/classifier/index.js';
import {
  classifierFeatureCount,
  classifierFeatures,
  createTransverseReconstructor,
  reconstructorConfig,
} from '../src/reconstruction/index.js';
import { generateEvent } from '../src/sim/index.js';
import type { TrackFit } from '../src/reconstruction/clustering/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/default' },
    events: { type: 'string', default: '1500' },
    spectrum: { type: 'string' },
  },
});
const cfg = loadConfig([]);
const g = cfg.detector;
const sim =
  values.spectrum === undefined
    ? cfg.simulation
    : { ...cfg.simulation, signalSpectrum: values.spectrum as 'flat' };
const tt = createTransverseReconstructor(g, reconstructorConfig(cfg.reconstruction).transverse);
const rng = new Rng(7);
const events: { h: Hits; track: TrackFit; clusters: readonly number[] | undefined }[] = [];
let hitSum = 0;
for (let i = 0; i < Number(values.events); i++) {
  const ev = generateEvent(g, sim, 'signal', rng);
  const r = tt.reconstruct(ev.hits);
  if (r.track === undefined) continue;
  events.push({ h: ev.hits, track: r.track, clusters: r.clustersPerStation });
  hitSum += ev.hits.station.length;
}
const file = parseClassifierFile(readFileSync(join(values.model, 'classifier.json'), 'utf8'));
const m = file.gbt;
const clf = createEventClassifier(file, 'gbt');
const [N, P, K] = [events.length, classifierFeatureCount(g.nStations), m.forests.length];
const X = new Float64Array(N * P);
const features = (i: number, out: Float64Array, at: number): void => {
  const e = events[i]!;
  const reco = { energyGeV: 10, dCm: -3, xCm: 0, yCm: 0, nHits: e.h.station.length };
  classifierFeatures(e.h, g, reco, e.track, e.clusters ?? [], out, at);
};
for (let i = 0; i < N; i++) features(i, X, i * P);
const row = (i: number): Float64Array => X.subarray(i * P, (i + 1) * P);

const splitValues = (mm: SoftmaxGbtModel): Float64Array[] => {
  const sets = Array.from({ length: mm.nFeatures }, () => new Set<number>());
  for (const f of mm.forests)
    for (const t of f.trees) t.feature.forEach((j, i) => j >= 0 && sets[j]!.add(t.threshold[i]!));
  return sets.map((s) => Float64Array.from([...s].sort((a, b) => a - b)));
};
const lowerBound = (a: Float64Array, v: number): number => {
  let [lo, hi] = [0, a.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
const thr = splitValues(m);
const ranks = new Int32Array(N * P);
const rankAll = (from: number, n: number): void => {
  for (let k = from * P; k < (from + n) * P; k++) {
    const v = X[k]!;
    ranks[k] = v !== v ? thr[k % P]!.length : lowerBound(thr[k % P]!, v);
  }
};

/** Breadth-first nodes: word 2i = feature | rank << 8 (−1 − leaf for a leaf), word 2i+1 = left child. */
function packed(): {
  code: Int32Array;
  leaf: Float64Array;
  root: Int32Array;
  depth: Int32Array;
  cls: Int32Array;
} {
  const code: number[] = [];
  const leaf: number[] = [];
  const root: number[] = [];
  const depth: number[] = [];
  const cls: number[] = [];
  m.forests.forEach((f, c) =>
    f.trees.forEach((t) => {
      const base = code.length >> 1;
      root.push(base);
      cls.push(c);
      const q = [0];
      const d = [0];
      for (let i = 0; i < q.length; i++) {
        const j = t.feature[q[i]!]!;
        if (j < 0) {
          code.push(-1 - leaf.length, base + i);
          leaf.push(t.value[q[i]!]!);
          continue;
        }
        code.push(j | (lowerBound(thr[j]!, t.threshold[q[i]!]!) << 8), base + q.length);
        q.push(t.left[q[i]!]!, t.right[q[i]!]!);
        d.push(d[i]! + 1, d[i]! + 1);
      }
      depth.push(Math.max(...d));
    }),
  );
  return {
    code: Int32Array.from(code),
    leaf: Float64Array.from(leaf),
    root: Int32Array.from(root),
    depth: Int32Array.from(depth),
    cls: Int32Array.from(cls),
  };
}
const pk = packed();
const base = Float64Array.from(m.forests, (f) => f.baseline);
const out = new Float64Array(N * K);
const init = (from: number, n: number): void => {
  for (let r = from; r < from + n; r++) out.set(base, r * K);
};

function ranked(from: number, n: number): void {
  rankAll(from, n);
  init(from, n);
  const { code, leaf, root, cls } = pk;
  for (let t = 0; t < root.length; t++)
    for (let r = from; r < from + n; r++) {
      let node = root[t]!;
      let s = code[2 * node]!;
      while (s >= 0) {
        node = code[2 * node + 1]! + (ranks[r * P + (s & 0xff)]! <= s >> 8 ? 0 : 1);
        s = code[2 * node]!;
      }
      out[r * K + cls[t]!]! += leaf[-1 - s]!;
    }
}

/** Branch-free steps: a leaf's word is −1 − leaf (rank test always false: it stays put). */
function fixedDepth4(from: number, n: number): void {
  rankAll(from, n);
  init(from, n);
  const { code, leaf, root, depth, cls } = pk;
  const step = (node: number, rp: number): number => {
    const w = code[2 * node]!;
    return w < 0 ? node : code[2 * node + 1]! + (((w >> 8) - ranks[rp + (w & 0xff)]!) >>> 31);
  };
  for (let t = 0; t < root.length; t++)
    for (let r = from; r + 4 <= from + n; r += 4) {
      let [a, b, c, d] = [root[t]!, root[t]!, root[t]!, root[t]!];
      for (let s = 0; s < depth[t]!; s++) {
        a = step(a, r * P);
        b = step(b, (r + 1) * P);
        c = step(c, (r + 2) * P);
        d = step(d, (r + 3) * P);
      }
      const k = cls[t]!;
      out[r * K + k]! += leaf[-1 - code[2 * a]!]!;
      out[(r + 1) * K + k]! += leaf[-1 - code[2 * b]!]!;
      out[(r + 2) * K + k]! += leaf[-1 - code[2 * c]!]!;
      out[(r + 3) * K + k]! += leaf[-1 - code[2 * d]!]!;
    }
}

function quickScorerTables(): (from: number, n: number) => void {
  const perF: { t: number; h: number; mask: number }[][] = Array.from({ length: P }, () => []);
  const leafVals: number[] = [];
  const leafBase: number[] = [];
  const cls: number[] = [];
  m.forests.forEach((f, c) =>
    f.trees.forEach((t) => {
      const h = cls.length;
      cls.push(c);
      leafBase.push(leafVals.length);
      const walk = (nd: number): [number, number] => {
        if (t.feature[nd]! < 0) {
          leafVals.push(t.value[nd]!);
          return [leafVals.length - 1 - leafBase[h]!, 1];
        }
        const [lf, lc] = walk(t.left[nd]!);
        const [, rc] = walk(t.right[nd]!);
        let mask = -1;
        for (let q = lf; q < lf + lc; q++) mask &= ~(1 << q);
        perF[t.feature[nd]!]!.push({ t: t.threshold[nd]!, h, mask });
        return [lf, lc + rc];
      };
      if (walk(0)[1] > 32) throw new RangeError('QuickScorer needs at most 32 leaves per tree');
    }),
  );
  const start = new Int32Array(P + 1);
  for (let j = 0; j < P; j++) start[j + 1] = start[j]! + perF[j]!.length;
  const [th, tr, mk] = [new Float64Array(start[P]!), new Int32Array(start[P]!), new Int32Array(start[P]!)];
  perF.forEach((l, j) =>
    l
      .sort((a, b) => a.t - b.t)
      .forEach((e, i) => {
        th[start[j]! + i] = e.t;
        tr[start[j]! + i] = e.h;
        mk[start[j]! + i] = e.mask;
      }),
  );
  const v = new Int32Array(cls.length);
  return (from, n) => {
    init(from, n);
    for (let r = from; r < from + n; r++) {
      v.fill(-1);
      for (let j = 0; j < P; j++) {
        const x = X[r * P + j]!;
        for (let i = start[j]!; i < start[j + 1]! && !(x <= th[i]!); i++) v[tr[i]!]! &= mk[i]!;
      }
      for (let h = 0; h < cls.length; h++) {
        const w = v[h]!;
        out[r * K + cls[h]!]! += leafVals[leafBase[h]! + 31 - Math.clz32(w & -w)]!;
      }
    }
  };
}
const quickScorer = quickScorerTables();

const shipped = (from: number, n: number): void => {
  for (let r = from; r < from + n; r++)
    for (let c = 0; c < K; c++) out[r * K + c] = predictGbt(m.forests[c]!, X, r * P);
};
const ref = new Float64Array(N * K);
shipped(0, N);
ref.set(out);
const n4 = N - (N % 64);
const variants: Record<string, (from: number, n: number) => void> = {
  'shipped walk (gbt-model.ts), one event at a time': shipped,
  'ranked + packed, batch 64': ranked,
  'fixed depth, branch-free, 4 rows, batch 64': fixedDepth4,
  'QuickScorer, one event at a time': quickScorer,
};
for (const [name, f] of Object.entries(variants)) {
  out.fill(0);
  for (let i = 0; i < n4; i += 64) f(i, 64);
  for (let k = 0; k < n4 * K; k++)
    if (!Object.is(out[k], ref[k]))
      throw new Error(`${name}: raw score ${k} differs (${out[k]} vs ${ref[k]})`);
}
const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const probs = new Float64Array(K);
const timed: Record<string, () => void> = {
  'features (one pass over the hits)': () => {
    const fr = new Float64Array(P);
    for (let i = 0; i < n4; i++) features(i, fr, 0);
  },
  ...Object.fromEntries(
    Object.entries(variants).map(([k, f]) => [
      `trees: ${k}`,
      () => {
        for (let i = 0; i < n4; i += 64) f(i, 64);
      },
    ]),
  ),
  'classify() as the reconstructor calls it (trees + softmax + the Classification object)': () => {
    for (let i = 0; i < n4; i++) clf.classify(row(i));
  },
  'probabilities() (trees + softmax)': () => {
    for (let i = 0; i < n4; i++) clf.probabilities(row(i), probs);
  },
};
const us: Record<string, number[]> = {};
for (let rep = 0; rep < 11; rep++)
  for (const [k, f] of Object.entries(timed)) {
    const t = cpu();
    f();
    (us[k] ??= []).push(((cpu() - t) / n4) * 1000);
  }
const steps = pk.depth.reduce((a, b) => a + b, 0);
process.stdout.write(
  [
    `${n4} reconstructed signal events (${values.spectrum ?? 'default'} spectrum, ${(hitSum / N).toFixed(0)} hits/event), ${m.forests.reduce((a, f) => a + f.trees.length, 0)} trees, ${pk.leaf.length} leaves, Σ max depth ${steps}; all variants bit-identical raw scores`,
    '',
    '| stage | CPU µs/event (median of 11) | min |',
    '|---|---|---|',
    ...Object.entries(us).map(([k, v]) => {
      const s = [...v].sort((a, b) => a - b);
      return `| ${k} | ${s[5]!.toFixed(2)} | ${s[0]!.toFixed(2)} |`;
    }),
    '',
  ].join('\n'),
);
