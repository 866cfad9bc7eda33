import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GEOMETRY, type Hits } from '../../domain/index.js';
import type { StationCluster } from './station.js';
import { chooseTrack, fitLine, originAt, weightedMeanTrack } from './track.js';

const g = DEFAULT_GEOMETRY; // planes at z = 0, 13, 26 cm
const cl = (station: number, xCm: number, yCm: number, sumCount: number, nHits = 5): StationCluster => ({
  station,
  xCm,
  yCm,
  sumCount,
  nHits,
});

test('a line through collinear centres has zero error and extrapolates to the vertex z = d', () => {
  const fit = fitLine(
    [cl(0, 1, 2, 1), cl(1, 1 + 13 * 0.01, 2 - 13 * 0.002, 1), cl(2, 1 + 26 * 0.01, 2 - 26 * 0.002, 1)],
    g,
  );
  assert.ok(fit.mseCm2 < 1e-20);
  assert.ok(Math.abs(fit.slopeX - 0.01) < 1e-12 && Math.abs(fit.slopeY + 0.002) < 1e-12);
  const o = originAt(fit, -5);
  assert.ok(Math.abs(o.xCm - 0.95) < 1e-12 && Math.abs(o.yCm - 2.01) < 1e-12);
});

test('fit error is the mean squared residual distance over stations', () => {
  // x residuals of a best line through (0,0), (13,1), (26,0): +1/3, -2/3, +1/3 (negated) → mse = (1/9+4/9+1/9)/3
  const fit = fitLine([cl(0, 0, 0, 1), cl(1, 1, 0, 1), cl(2, 0, 0, 1)], g);
  assert.ok(Math.abs(fit.mseCm2 - 6 / 27) < 1e-12);
  assert.ok(Math.abs(fit.rmsCm - Math.sqrt(6 / 27)) < 1e-12);
});

test('the collinear combination wins over a brighter off-axis cluster', () => {
  const track = chooseTrack(
    [[cl(0, 10, 10, 500), cl(0, 0, 0, 100)], [cl(1, 0.13, 0, 300), cl(1, -20, 5, 200)], [cl(2, 0.26, 0, 50)]],
    g,
  )!;
  assert.deepEqual(
    track.points.map((p) => [p.xCm, p.yCm]),
    [
      [0, 0],
      [0.13, 0],
      [0.26, 0],
    ],
  );
  assert.ok(Math.abs(originAt(track, -5).xCm + 0.05) < 1e-12);
});

test('with two stations every combination fits exactly, and the larger summed count wins', () => {
  const track = chooseTrack([[cl(0, 0, 0, 10), cl(0, 5, 5, 3)], [cl(1, 9, 9, 4), cl(1, 0, 0, 8)], []], g)!;
  assert.equal(track.stationsUsed, 2);
  assert.deepEqual(
    track.points.map((p) => p.sumCount),
    [10, 8],
  );
});

test('no clusters anywhere gives no track; one station gives a line parallel to z', () => {
  assert.equal(chooseTrack([[], [], []], g), undefined);
  const t = chooseTrack([[], [cl(1, 3, 4, 9)], []], g)!;
  assert.deepEqual(originAt(t, -7), { xCm: 3, yCm: 4 });
});

test('the combinatorics are capped: 12 stations × 6 clusters finish at once', () => {
  const geo = { ...g, nStations: 12 };
  const lists = Array.from({ length: 12 }, (_, s) =>
    Array.from({ length: 6 }, (_, k) => cl(s, k, 0, 100 - k)),
  );
  const t0 = performance.now();
  const t = chooseTrack(lists, geo, { maxCombinations: 4096 })!;
  assert.ok(performance.now() - t0 < 500);
  assert.equal(t.stationsUsed, 12);
});

test('the weighted-mean baseline uses the busiest station, pulled by its far noise hit', () => {
  const hits: Hits = {
    station: Uint8Array.from([0, 0, 1, 2, 2]),
    ix: Int32Array.from([900, 1700, 900, 900, 901]),
    iy: Int32Array.from([750, 750, 750, 750, 750]),
    count: Int32Array.from([9, 1, 10, 5, 9]),
  };
  const t = weightedMeanTrack(hits, g)!;
  assert.equal(t.stationsUsed, 1);
  const p0 = t.points[0]!;
  assert.equal(p0.station, 2, 'station 2 has the largest summed count (14)');
  // pixel 900 centre = 0.025 cm; pixel 901 with weight 9/14 moves the mean by 9/14 · 0.05 cm.
  assert.ok(Math.abs(p0.xCm - (0.025 + (9 / 14) * 0.05)) < 1e-9);
  // The axis is parallel to z: the origin at any d is the station's mean.
  assert.deepEqual(originAt(t, -5), { xCm: p0.xCm, yCm: p0.yCm });
  // A far noise hit in the busiest station pulls the mean by its weight share.
  const noisy: Hits = { ...hits, count: Int32Array.from([90, 10, 10, 5, 9]) };
  assert.ok(Math.abs(weightedMeanTrack(noisy, g)!.points[0]!.xCm - (0.025 + 0.1 * 40)) < 1e-9);
});
