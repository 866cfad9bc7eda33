import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GEOMETRY, pixelToXCm, pixelToYCm, type Hits } from '../../domain/index.js';
import { createStationClusterer, DEFAULT_STATION_CLUSTERING } from './station.js';

type H = [station: number, ix: number, iy: number, count: number];
function hits(list: H[]): Hits {
  return {
    station: Uint8Array.from(list.map((h) => h[0])),
    ix: Int32Array.from(list.map((h) => h[1])),
    iy: Int32Array.from(list.map((h) => h[2])),
    count: Int32Array.from(list.map((h) => h[3])),
  };
}
const g = DEFAULT_GEOMETRY;

test('clusters per station have count-weighted centres and come largest first', () => {
  const h = hits([
    [0, 100, 100, 1],
    [0, 101, 100, 3],
    [0, 100, 101, 1], // small blob, sum 5
    [0, 500, 400, 10],
    [0, 501, 400, 10],
    [0, 502, 401, 20], // big blob, sum 40
    [0, 1500, 20, 7], // isolated hit: noise
    [1, 300, 300, 2],
    [1, 301, 301, 2],
    [1, 302, 300, 4],
  ]);
  const c = createStationClusterer(g).cluster(h);
  assert.equal(c.length, 3);
  assert.equal(c[0]!.length, 2);
  const [big, small] = c[0]!;
  assert.equal(big!.sumCount, 40);
  assert.equal(big!.nHits, 3);
  assert.ok(Math.abs(big!.xCm - pixelToXCm(g, (500 * 10 + 501 * 10 + 502 * 20) / 40)) < 1e-12);
  assert.ok(Math.abs(big!.yCm - pixelToYCm(g, (400 * 20 + 401 * 20) / 40)) < 1e-12);
  assert.equal(small!.sumCount, 5);
  assert.ok(Math.abs(small!.xCm - pixelToXCm(g, (100 + 303 + 100) / 5)) < 1e-12);
  assert.equal(c[1]!.length, 1);
  assert.deepEqual(c[2], []);
});

test('an isolated many-particle pixel is a cluster only when counts weight the density', () => {
  const h = hits([
    [0, 700, 700, 50],
    [1, 10, 10, 1],
  ]);
  assert.equal(createStationClusterer(g).cluster(h)[0]!.length, 0);
  const weighted = createStationClusterer(g, { ...DEFAULT_STATION_CLUSTERING, weightByCount: true }).cluster(
    h,
  );
  assert.equal(weighted[0]!.length, 1);
  assert.equal(weighted[1]!.length, 0);
});

test('only the strongest maxClustersPerStation clusters are kept', () => {
  const list: H[] = [];
  for (let k = 0; k < 5; k++) for (let j = 0; j < 3; j++) list.push([0, 100 + 50 * k, 100 + j, k + 1]);
  const c = createStationClusterer(g, { ...DEFAULT_STATION_CLUSTERING, maxClustersPerStation: 2 }).cluster(
    hits(list),
  );
  assert.deepEqual(
    c[0]!.map((x) => x.sumCount),
    [15, 12],
  );
});

test('the eps boundary is inclusive in mm between pixel centres (4 pixels = 2 mm)', () => {
  const h = hits([
    [0, 0, 0, 1],
    [0, 4, 0, 1],
    [0, 8, 0, 1],
    [0, 13, 0, 1],
  ]);
  const c = createStationClusterer(g).cluster(h)[0]!;
  assert.equal(c.length, 1);
  assert.equal(c[0]!.nHits, 3);
});
