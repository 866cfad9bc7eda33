import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GEOMETRY, ModelError, Rng, type Hits, type Truth } from '../../domain/index.js';
import { momentFeatures } from './features.js';
import { createBaselineModel, parseBaselineCoefficients, trainBaseline } from './model.js';
import { fitRidge, predictLinear, solveSpd } from './regression.js';

const g = DEFAULT_GEOMETRY;

test('Cholesky solve recovers the solution of an SPD system', () => {
  const a = Float64Array.from([4, 2, 0.6, 2, 5, 1, 0.6, 1, 3]);
  const w = solveSpd(a, Float64Array.from([4 * 1 + 2 * -2 + 0.6 * 3, 2 - 10 + 3, 0.6 - 2 + 9]), 3);
  assert.deepEqual(
    Array.from(w, (v) => Math.round(v * 1e9) / 1e9),
    [1, -2, 3],
  );
});

test('ridge regression recovers known linear coefficients on noisy data', () => {
  const rng = new Rng(7);
  const n = 2000;
  const x = new Float64Array(n * 3);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.normal() * 10 + 5;
    const b = rng.normal() * 0.1;
    const c = rng.uniform();
    x.set([a, b, c], i * 3);
    y[i] = 2 + 0.5 * a - 30 * b + 4 * c + 0.01 * rng.normal();
  }
  const m = fitRidge(x, y, n, 3, 1e-9);
  const pred = predictLinear(m, Float64Array.from([1, 0.2, 0.5]));
  assert.ok(Math.abs(pred - (2 + 0.5 - 6 + 2)) < 0.01, `pred ${pred}`);
});

/** A square-ish blob of `n` hits in each station with a known spread (σ grows with the station). */
function blob(rng: Rng, n: number, sigmaPx: number[], cx = 900, cy = 750): Hits {
  const st: number[] = [],
    ix: number[] = [],
    iy: number[] = [],
    cnt: number[] = [];
  for (let s = 0; s < sigmaPx.length; s++) {
    for (let k = 0; k < n; k++) {
      st.push(s);
      ix.push(Math.round(cx + rng.normal() * sigmaPx[s]!));
      iy.push(Math.round(cy + rng.normal() * sigmaPx[s]!));
      cnt.push(1);
    }
  }
  return {
    station: Uint8Array.from(st),
    ix: Int32Array.from(ix),
    iy: Int32Array.from(iy),
    count: Int32Array.from(cnt),
  };
}

test('moment features measure the spread in cm² and ignore a far dark-count hit', () => {
  const rng = new Rng(3);
  const h = blob(rng, 4000, [10, 20, 30]);
  const f = new Float64Array(12);
  momentFeatures(h, g, { windowCm: 4.8 }, f);
  const expectVar = (sPx: number): number => (sPx * 0.05) ** 2;
  assert.ok(Math.abs(f[0]! / expectVar(10) - 1) < 0.1, `var x ${f[0]}`);
  assert.ok(Math.abs(f[1]!) < 0.05 * expectVar(10));
  assert.ok(Math.abs(f[6]! / expectVar(20) - 1) < 0.1, `var y ${f[6]}`);
  assert.ok(Math.abs(f[3]! - Math.log1p(4000)) < 0.01);
  // add one hit 30 cm away in station 0: features must not move
  const far: Hits = {
    station: Uint8Array.from([...h.station, 0]),
    ix: Int32Array.from([...h.ix, 1500]),
    iy: Int32Array.from([...h.iy, 750]),
    count: Int32Array.from([...h.count, 1]),
  };
  const f2 = new Float64Array(12);
  momentFeatures(far, g, { windowCm: 4.8 }, f2);
  assert.deepEqual(Array.from(f2), Array.from(f));
});

test('trained coefficients survive JSON and predict E from shower size', async () => {
  const rng = new Rng(11);
  const samples: { hits: Hits; truth: Truth }[] = [];
  for (let i = 0; i < 300; i++) {
    const e = rng.range(1, 100);
    const truth: Truth = {
      eventClass: 'signal',
      energyGeV: e,
      x0Cm: 0,
      y0Cm: 0,
      dCm: -3,
      slopeX: 0,
      slopeY: 0,
    };
    samples.push({ hits: blob(rng, Math.round(10 * e), [8, 12, 16]), truth });
  }
  const coef = trainBaseline(samples, g);
  const model = createBaselineModel(parseBaselineCoefficients(JSON.parse(JSON.stringify(coef)), g), g);
  const probe = [blob(new Rng(99), 200, [8, 12, 16]), blob(new Rng(98), 800, [8, 12, 16])];
  const a = await model.predict(probe);
  const b = await createBaselineModel(coef, g).predict(probe);
  assert.deepEqual(a, b);
  assert.ok(Math.abs(a.energyGeV[0]! - 20) < 4, `E ${a.energyGeV[0]}`);
  assert.ok(Math.abs(a.energyGeV[1]! - 80) < 16, `E ${a.energyGeV[1]}`);
});

test('coefficients for another geometry or with missing fields are refused', () => {
  const rng = new Rng(1);
  const samples = Array.from({ length: 20 }, (_, i) => ({
    hits: blob(rng, 20 + i, [5, 6, 7]),
    truth: {
      eventClass: 'signal' as const,
      energyGeV: 1 + i,
      x0Cm: 0,
      y0Cm: 0,
      dCm: -i / 4,
      slopeX: 0,
      slopeY: 0,
    },
  }));
  const coef = trainBaseline(samples, g);
  assert.throws(() => parseBaselineCoefficients(coef, { ...g, nStations: 4 }), /nStations/);
  assert.throws(() => parseBaselineCoefficients({ ...coef, d: { ...coef.d, weights: [1] } }, g), /d needs/);
  assert.throws(() => parseBaselineCoefficients(null, g), ModelError);
});
