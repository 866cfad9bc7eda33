import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GEOMETRY, type Hits } from '../../domain/index.js';
import { buildInputs, inputLength, inputSpecFor, windowCentre, type InputSpec } from './preprocess.js';

function hits(list: [number, number, number, number][]): Hits {
  return {
    station: Uint8Array.from(list.map((h) => h[0])),
    ix: Int32Array.from(list.map((h) => h[1])),
    iy: Int32Array.from(list.map((h) => h[2])),
    count: Int32Array.from(list.map((h) => h[3])),
  };
}
const spec: InputSpec = { size: 8, pixelsPerBin: 2, nStations: 3 }; // 16 × 16-pixel window

test('the window is centred on the dense shower core of the busiest station, not on isolated noise', () => {
  const h = hits([
    [1, 500, 300, 9], [1, 501, 300, 9], [1, 500, 301, 9], [1, 501, 301, 9], // core at (501, 301) in pixel units
    [0, 1500, 1200, 1], [2, 10, 10, 1], [1, 1700, 50, 3], // noise far away
  ]);
  const c = windowCentre(h, spec)!;
  assert.ok(Math.abs(c.cx - 501) < 1e-9 && Math.abs(c.cy - 301) < 1e-9, JSON.stringify(c));
});

test('buildInputs places counts by bin (x fastest after stations), stations as channels, log(1+count)', () => {
  const h = hits([
    [1, 500, 300, 9], [1, 501, 300, 9], [1, 500, 301, 9], [1, 501, 301, 9],
    [0, 501, 301, 2], // station 0, same bin as the core's upper-right quarter
    [2, 494, 296, 4], // station 2: 7 pixels left, 5 below the centre
    [0, 1500, 1200, 1], // outside the window: dropped
  ]);
  const x = buildInputs([h], DEFAULT_GEOMETRY, spec);
  assert.equal(x.length, inputLength(spec));
  // Centre (501, 301) → window origin (493, 293); bins of 2 pixels.
  const at = (bx: number, by: number, s: number) => x[(by * spec.size + bx) * spec.nStations + s]!;
  assert.ok(Math.abs(at(3, 3, 1) - Math.log1p(9)) < 1e-6); // pixel (500,300): bin (3,3)
  assert.ok(Math.abs(at(4, 4, 1) - Math.log1p(9)) < 1e-6); // pixel (501,301): bin (4,4)
  assert.ok(Math.abs(at(4, 4, 0) - Math.log1p(2)) < 1e-6);
  assert.ok(Math.abs(at(0, 1, 2) - Math.log1p(4)) < 1e-6); // (494-493)/2 = 0, (296-293)/2 = 1
  let nonZero = 0;
  for (const v of x) if (v !== 0) nonZero++;
  assert.equal(nonZero, 6); // 4 core bins + station 0 + station 2; the far hit is gone
});

test('buildInputs writes one window per event and leaves an empty event all zero', () => {
  const empty = hits([]);
  const one = hits([[0, 100, 100, 5], [1, 100, 100, 5]]);
  const x = buildInputs([one, empty, one], DEFAULT_GEOMETRY, spec);
  const per = inputLength(spec);
  assert.equal(x.length, 3 * per);
  assert.ok(x.subarray(per, 2 * per).every((v) => v === 0));
  assert.deepEqual(Array.from(x.subarray(0, per)), Array.from(x.subarray(2 * per)));
});

test('inputSpecFor sizes the bins so the window covers the requested width', () => {
  const s = inputSpecFor(DEFAULT_GEOMETRY, 32, 6.4); // 6.4 cm = 128 pixels of 0.5 mm
  assert.deepEqual(s, { size: 32, pixelsPerBin: 4, nStations: 3 });
});
