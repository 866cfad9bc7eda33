import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ContractError } from '../../domain/index.js';
import { createDbscan, SPATIAL_INDEXES } from './dbscan.js';

interface RefCase {
  name: string;
  eps: number;
  min_samples: number;
  x: number[];
  y: number[];
  weight?: number[];
  labels: number[];
  core: number[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/dbscan_reference.json', import.meta.url), 'utf8'),
) as { cases: RefCase[] };

for (const index of SPATIAL_INDEXES) {
  for (const c of fixture.cases) {
    test(`${index}: labels and core points equal scikit-learn's on ${c.name}`, () => {
      const db = createDbscan({ eps: c.eps, minSamples: c.min_samples, index, latticePitch: 0.5 });
      const r = db.run(Float64Array.from(c.x), Float64Array.from(c.y), c.x.length, c.weight);
      assert.deepEqual(Array.from(r.core), c.core);
      assert.deepEqual(Array.from(r.labels), c.labels);
      assert.equal(r.nClusters, Math.max(-1, ...c.labels) + 1);
    });
  }
}

test('reused runtime gives the same answer for a smaller second input', () => {
  const db = createDbscan({ eps: 1, minSamples: 2, index: 'grid' });
  const big = db.run(Float64Array.from([0, 0.5, 10, 10.5, 20]), Float64Array.from([0, 0, 0, 0, 0]), 5);
  assert.deepEqual(Array.from(big.labels), [0, 0, 1, 1, -1]);
  const small = db.run(Float64Array.from([5, 9]), Float64Array.from([5, 5]), 2);
  assert.deepEqual(Array.from(small.labels), [-1, -1]);
  assert.equal(small.nClusters, 0);
});

test('lattice, grid and kdbush agree on a random pixelised station with noise', () => {
  let s = 12345;
  const rnd = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const n = 3000;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const wide = i % 10 === 0;
    x[i] = (Math.floor((wide ? rnd() * 900 : 400 + rnd() * 12) / 0.5) + 0.5) * 0.5;
    y[i] = (Math.floor((wide ? rnd() * 750 : 300 + rnd() * 12) / 0.5) + 0.5) * 0.5;
  }
  const a = createDbscan({ eps: 2, minSamples: 3, index: 'grid' }).run(x, y, n);
  const la = Array.from(a.labels);
  const b = createDbscan({ eps: 2, minSamples: 3, index: 'kdbush' }).run(x, y, n);
  assert.deepEqual(Array.from(b.labels), la);
  const l = createDbscan({ eps: 2, minSamples: 3, index: 'lattice', latticePitch: 0.5 });
  assert.deepEqual(Array.from(l.run(x, y, n).labels), la);
  assert.ok(a.nClusters >= 1);
  // run again on a shifted copy: the occupancy map must have been cleared
  const xs = x.map((v) => v + 10);
  assert.deepEqual(Array.from(l.run(xs, y, n).labels), la);
});

test('lattice equals grid on random stations: weights, duplicates, several eps and min_samples', () => {
  let s = 987654;
  const rnd = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let trial = 0; trial < 60; trial++) {
    const n = 1 + Math.floor(rnd() * 400);
    const eps = [0.5, 1, 1.5, 2, 2.2, 3][trial % 6]!;
    const minSamples = 1 + (trial % 7);
    const spread = 2 + rnd() * 40;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      // Pixel centres in a blob of varying density, some points repeated (duplicate hits).
      const dup = i > 0 && rnd() < 0.05;
      x[i] = dup ? x[i - 1]! : (Math.floor(rnd() * spread) + 0.5) * 0.5;
      y[i] = dup ? y[i - 1]! : (Math.floor(rnd() * spread) + 0.5) * 0.5;
      w[i] = 1 + Math.floor(rnd() * 4);
    }
    for (const weight of [undefined, w]) {
      const g = createDbscan({ eps, minSamples, index: 'grid' }).run(x, y, n, weight);
      const l = createDbscan({ eps, minSamples, index: 'lattice', latticePitch: 0.5 }).run(x, y, n, weight);
      const what = `trial ${trial}, n ${n}, eps ${eps}, min ${minSamples}, ${weight === undefined ? 'unweighted' : 'weighted'}`;
      assert.deepEqual(Array.from(l.core), Array.from(g.core), what);
      assert.deepEqual(Array.from(l.labels), Array.from(g.labels), what);
      assert.equal(l.nClusters, g.nClusters, what);
    }
  }
});

test('lattice index handles off-lattice points (grid fallback) and duplicate points', () => {
  const l = createDbscan({ eps: 1, minSamples: 2, index: 'lattice', latticePitch: 0.5 });
  assert.deepEqual(
    Array.from(l.run(Float64Array.from([0.3, 0.4, 5]), Float64Array.from([0, 0, 0]), 3).labels),
    [0, 0, -1],
  );
  assert.deepEqual(
    Array.from(l.run(Float64Array.from([0.25, 0.25, 5.25]), Float64Array.from([0.25, 0.25, 0.25]), 3).labels),
    [0, 0, -1],
  );
  assert.deepEqual(
    Array.from(l.run(Float64Array.from([0.25, 0.75, 5.25]), Float64Array.from([0.25, 0.25, 0.25]), 3).labels),
    [0, 0, -1],
  );
});

test('invalid eps is refused', () => {
  assert.throws(() => createDbscan({ eps: 0, minSamples: 3, index: 'grid' }), ContractError);
});
