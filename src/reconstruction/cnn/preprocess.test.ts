import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GEOMETRY, type Hits } from '../../domain/index.js';
import {
  buildInputs,
  DEFAULT_INPUT_SPEC,
  inputChannels,
  inputLength,
  inputSpecFor,
  windowCentre,
  type InputSpec,
} from './preprocess.js';

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
    [1, 500, 300, 9],
    [1, 501, 300, 9],
    [1, 500, 301, 9],
    [1, 501, 301, 9], // core at (501, 301) in pixel units
    [0, 1500, 1200, 1],
    [2, 10, 10, 1],
    [1, 1700, 50, 3], // noise far away
  ]);
  const c = windowCentre(h, spec)!;
  assert.ok(Math.abs(c.cx - 501) < 1e-9 && Math.abs(c.cy - 301) < 1e-9, JSON.stringify(c));
});

test('buildInputs places counts by bin (x fastest after stations), stations as channels, log(1+count)', () => {
  const h = hits([
    [1, 500, 300, 9],
    [1, 501, 300, 9],
    [1, 500, 301, 9],
    [1, 501, 301, 9],
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
  const one = hits([
    [0, 100, 100, 5],
    [1, 100, 100, 5],
  ]);
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

test("the default input is the shipped model's, and train's defaults give it", async () => {
  const { readFileSync } = await import('node:fs');
  const shipped = JSON.parse(
    readFileSync(new URL('../../../models/default/model.json', import.meta.url), 'utf8'),
  ).userDefinedMetadata.showertrig.inputSpec;
  assert.deepEqual(DEFAULT_INPUT_SPEC, shipped);
  assert.deepEqual(
    { ...inputSpecFor(DEFAULT_GEOMETRY, DEFAULT_INPUT_SPEC.size), core: true },
    DEFAULT_INPUT_SPEC,
  );
});

/** The full-scan windowCentre (every grid cell visited row by row), the reference for the sparse one. */
function fullScanCentre(h: Hits, spec: InputSpec): { cx: number; cy: number } | undefined {
  const n = h.station.length;
  const per = new Float64Array(spec.nStations);
  for (let i = 0; i < n; i++) per[h.station[i]!]! += h.count[i]!;
  let best = 0;
  for (let s = 1; s < spec.nStations; s++) if (per[s]! > per[best]!) best = s;
  if (!(per[best]! > 0)) return undefined;
  const side = spec.size * spec.pixelsPerBin;
  const cell = Math.max(1, Math.floor(side / 4));
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    if (h.station[i] !== best) continue;
    minX = Math.min(minX, h.ix[i]!);
    maxX = Math.max(maxX, h.ix[i]!);
    minY = Math.min(minY, h.iy[i]!);
    maxY = Math.max(maxY, h.iy[i]!);
  }
  const gx0 = Math.floor(minX / cell) - 1,
    gy0 = Math.floor(minY / cell) - 1;
  const gw = Math.floor(maxX / cell) - gx0 + 2,
    gh = Math.floor(maxY / cell) - gy0 + 2;
  const grid = new Float64Array(gw * gh);
  for (let i = 0; i < n; i++)
    if (h.station[i] === best)
      grid[(Math.floor(h.iy[i]! / cell) - gy0) * gw + (Math.floor(h.ix[i]! / cell) - gx0)]! += h.count[i]!;
  let bestCell = 0,
    bestSum = -1;
  for (let gy = 1; gy < gh - 1; gy++) {
    for (let gx = 1; gx < gw - 1; gx++) {
      const k = gy * gw + gx;
      if (grid[k] === 0) continue;
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) sum += grid[k + dy * gw + dx]!;
      if (sum > bestSum) ((bestSum = sum), (bestCell = k));
    }
  }
  let cx = ((bestCell % gw) + gx0 + 0.5) * cell;
  let cy = (Math.floor(bestCell / gw) + gy0 + 0.5) * cell;
  for (let it = 0; it < 2; it++) {
    let w = 0,
      sx = 0,
      sy = 0;
    for (let i = 0; i < n; i++) {
      if (h.station[i] !== best) continue;
      const x = h.ix[i]! + 0.5,
        y = h.iy[i]! + 0.5;
      if (Math.abs(x - cx) > side / 2 || Math.abs(y - cy) > side / 2) continue;
      w += h.count[i]!;
      sx += h.count[i]! * x;
      sy += h.count[i]! * y;
    }
    if (w <= 0) break;
    cx = sx / w;
    cy = sy / w;
  }
  return { cx, cy };
}

test('windowCentre equals a full scan of the grid on random frames (several showers, noise, ties, zero counts)', () => {
  const spec: InputSpec = { size: 24, pixelsPerBin: 4, nStations: 3 };
  let seed = 99;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let trial = 0; trial < 300; trial++) {
    const st: number[] = [],
      ix: number[] = [],
      iy: number[] = [],
      c: number[] = [];
    for (let b = 0; b < 1 + (trial % 3); b++) {
      const x0 = 100 + rnd() * 1500,
        y0 = 100 + rnd() * 1200,
        s = Math.floor(rnd() * 3);
      for (let k = 0; k < 5 + rnd() * 80; k++) {
        st.push(s);
        ix.push(Math.floor(x0 + (rnd() - 0.5) * 60));
        iy.push(Math.floor(y0 + (rnd() - 0.5) * 60));
        c.push(trial % 5 === 0 ? 1 : Math.floor(rnd() * 4)); // many ties at count 1, some zero counts
      }
    }
    for (let k = 0; k < 20; k++)
      (st.push(Math.floor(rnd() * 3)),
        ix.push(Math.floor(rnd() * 1800)),
        iy.push(Math.floor(rnd() * 1500)),
        c.push(1));
    const h: Hits = {
      station: Uint8Array.from(st),
      ix: Int32Array.from(ix),
      iy: Int32Array.from(iy),
      count: Int32Array.from(c),
    };
    assert.deepEqual(windowCentre(h, spec), fullScanCentre(h, spec), `trial ${trial}`);
  }
});

test('with the core, each station has a second channel of native pixels around the same centre; the coarse channels are unchanged', () => {
  const h = hits([
    [1, 500, 300, 9],
    [1, 501, 300, 9],
    [1, 500, 301, 9],
    [1, 501, 301, 9],
    [0, 501, 301, 2],
    [2, 494, 296, 4], // 7 pixels left of the centre: in the coarse window (±8), outside the core (±4)
  ]);
  const core: InputSpec = { ...spec, core: true };
  assert.equal(inputChannels(core), 6);
  assert.equal(inputLength(core), 8 * 8 * 6);
  const x = buildInputs([h], DEFAULT_GEOMETRY, core);
  const plain = buildInputs([h], DEFAULT_GEOMETRY, spec);
  const at = (bx: number, by: number, c: number) => x[(by * core.size + bx) * 6 + c]!;
  for (let by = 0; by < 8; by++)
    for (let bx = 0; bx < 8; bx++)
      for (let s = 0; s < 3; s++) assert.equal(at(bx, by, s), plain[(by * 8 + bx) * 3 + s]);
  // Core window: 8 × 8 pixels from (501 − 4, 301 − 4) = (497, 297); one pixel per bin.
  assert.ok(Math.abs(at(3, 3, 3 + 1) - Math.log1p(9)) < 1e-6); // pixel (500, 300)
  assert.ok(Math.abs(at(4, 4, 3 + 1) - Math.log1p(9)) < 1e-6); // pixel (501, 301)
  assert.ok(Math.abs(at(4, 4, 3 + 0) - Math.log1p(2)) < 1e-6);
  let coreStation2 = 0;
  for (let j = 0; j < 64; j++) coreStation2 += x[j * 6 + 5]!;
  assert.equal(coreStation2, 0, "station 2's hit lies outside the core window");
});
