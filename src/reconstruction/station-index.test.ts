import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng, type Hits } from '../domain/index.js';
import { stationIndex } from './station-index.js';

/** The weighted median by sorting: the smallest value whose cumulative weight reaches half the total. */
function sortedMedian(v: number[], w: number[]): number {
  const k = v.map((_, i) => i).sort((a, b) => v[a]! - v[b]!);
  const total = w.reduce((s, x) => s + x, 0);
  let acc = 0;
  for (const i of k) if (2 * (acc += w[i]!) >= total) return v[i]!;
  return v[k[k.length - 1]!]!;
}

test('stationIndex: hits grouped by station in hit order, medians equal the sorted reference, remembered per Hits', () => {
  const rng = new Rng(11);
  const n = 700;
  const hits: Hits = {
    station: Uint8Array.from({ length: n }, () => Math.floor(rng.range(0, 4))), // station 3: outside a 3-station detector
    ix: Int32Array.from({ length: n }, () => Math.floor(rng.range(0, 800))),
    iy: Int32Array.from({ length: n }, () => Math.floor(rng.range(300, 420))),
    count: Int32Array.from({ length: n }, () => 1 + Math.floor(rng.range(0, 9))),
  };
  const idx = stationIndex(hits, 3);
  for (let s = 0; s < 3; s++) {
    const expected = [...Array(n).keys()].filter((i) => hits.station[i] === s);
    assert.deepEqual(Array.from(idx.order.subarray(idx.offsets[s], idx.offsets[s + 1])), expected);
    const w = expected.map((i) => hits.count[i]!);
    assert.equal(
      idx.medianIx[s],
      sortedMedian(
        expected.map((i) => hits.ix[i]!),
        w,
      ),
    );
    assert.equal(
      idx.medianIy[s],
      sortedMedian(
        expected.map((i) => hits.iy[i]!),
        w,
      ),
    );
  }
  assert.equal(idx.offsets[3], hits.station.filter((s) => s < 3).length);
  assert.equal(stationIndex(hits, 3), idx, 'the same Hits gives the remembered index');
  const four = stationIndex(hits, 4);
  assert.notEqual(four, idx);
  assert.equal(four.offsets[4], n);
  const empty = stationIndex(
    { station: new Uint8Array(0), ix: new Int32Array(0), iy: new Int32Array(0), count: new Int32Array(0) },
    3,
  );
  assert.deepEqual(Array.from(empty.offsets), [0, 0, 0, 0]);
});
