import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { DEFAULT_GEOMETRY, Rng, type Hits } from '../domain/index.js';
import {
  auc,
  buildAutoencoder,
  DriftMonitor,
  ksDistance,
  calibrateThreshold,
  compositeTerms,
  compositeTests,
  fillImage,
  fitCompositeScale,
  imageSize,
  imageSpec,
  passFraction,
  rocCurve,
  scoreImages,
  stationErrors,
  trainAutoencoder,
  wilson,
} from './index.js';

const g = DEFAULT_GEOMETRY;
const hits = (rows: [number, number, number, number][]): Hits => ({
  station: Uint8Array.from(rows.map((r) => r[0])),
  ix: Int32Array.from(rows.map((r) => r[1])),
  iy: Int32Array.from(rows.map((r) => r[2])),
  count: Int32Array.from(rows.map((r) => r[3])),
});

test('image: 60 x 50 bins of 30 px padded to 64 x 52, stations as channels, ln(1 + sum ADC / 64)', () => {
  const s = imageSpec(g);
  assert.deepEqual([s.binsX, s.binsY, s.width, s.height, s.channels], [60, 50, 60, 52, 3]);
  const img = fillImage(
    s,
    hits([
      [0, 0, 0, 64],
      [0, 29, 29, 64],
      [2, 1799, 1499, 32],
    ]),
  );
  assert.equal(img.length, imageSize(s));
  assert.ok(Math.abs(img[0]! - Math.log(3)) < 1e-6, 'two MIPs in the first bin of station 0');
  assert.ok(Math.abs(img[(49 * 60 + 59) * 3 + 2]! - Math.log1p(0.5)) < 1e-6, 'the last bin of station 2');
  assert.equal(
    img.reduce((n, v) => n + (v > 0 ? 1 : 0), 0),
    2,
  );
  const zero = new Float32Array(img.length);
  const e = stationErrors(s, img, zero);
  assert.ok(e[0]! > 0 && e[1] === 0 && e[2]! > 0);
});

test('composite score: thin unexplained light shows in the occupancy test, one bright bin in the peak test, and the scales give each test a third of the budget', () => {
  const s = imageSpec({ ...g, planeWidthCm: 12, planeHeightCm: 12 });
  const y = new Float32Array(imageSize(s)).fill(0.01);
  const at = (bx: number, by: number, k: number): number => (by * s.width + bx) * s.channels + k;
  // Station 1: one dark pulse (~0.12) in half of its bins; station 2: one hot bin.
  const x = Float32Array.from(y);
  for (let b = 0; b < 32; b++) x[at(b % 8, Math.floor(b / 8) * 2, 1)]! += 0.12;
  x[at(3, 3, 2)] = 4;
  const mode = { epsilon: 0.6, level: 0.1 };
  const t = compositeTests(s, x, y, 0, mode);
  assert.deepEqual(
    [t[0], t[1], t[2]].map((v) => Math.round(v! * 1e6)),
    [0, 0, 0],
  );
  assert.equal(t[4], 0.5, 'half the bins of station 1 unexplained');
  assert.ok(Math.abs(t[8]! - (4 - 0.01) ** 2) < 1e-4 && t[7] === 1 / 64);
  const terms = compositeTerms({ scale: [1, 0.25, 4] }, t);
  assert.deepEqual(
    terms.map((v) => Number(v.toFixed(3))),
    [0, 2, Number(((4 - 0.01) ** 2 / 4).toFixed(3))],
  );
  assert.deepEqual(terms, stationErrors(s, x, y, 0, { kind: 'composite', ...mode, scale: [1, 0.25, 4] }));
  // Scales: 3000 events x 3 stations x 3 tests drawn independently; each test's worst station
  // exceeds its scale on a third of the pass fraction.
  const rng = new Rng(4);
  const tests = Float64Array.from({ length: 3000 * 9 }, () => rng.exponential(1));
  const sc = fitCompositeScale(tests, 3, 0.03);
  for (let j = 0; j < 3; j++) {
    let over = 0;
    for (let i = 0; i < 3000; i++)
      if (Math.max(tests[i * 9 + j]!, tests[i * 9 + 3 + j]!, tests[i * 9 + 6 + j]!) > sc[j]!) over++;
    assert.equal(over, 30);
  }
});

test('calibration: threshold passes the budget fraction of the sample, Wilson interval covers it', () => {
  const rng = new Rng(3);
  const scores = Array.from({ length: 10_000 }, () => rng.exponential(1));
  const c = calibrateThreshold(scores, 0.5, 85);
  assert.equal(c.n, 10_000);
  assert.equal(c.above, Math.round((10_000 * 0.5) / 85));
  assert.equal(passFraction(scores, c.threshold), c.above / c.n);
  assert.ok(c.passFractionCi95[0] < 0.5 / 85 && c.passFractionCi95[1] > 0.5 / 85);
  assert.ok(c.thresholdCi95[0] < c.threshold && c.threshold < c.thresholdCi95[1]);
  // Exponential tail: the true (1 - f) quantile is -ln f.
  assert.ok(Math.abs(c.threshold - -Math.log(0.5 / 85)) < 0.3);
  const [lo, hi] = wilson(0, 100);
  assert.equal(lo, 0);
  assert.ok(hi > 0.03 && hi < 0.05);
});

test('ROC: AUC 0.5 for one distribution, 1 for separated ones, ties counted half', () => {
  assert.equal(auc([1, 2, 3], [1, 2, 3]), 0.5);
  assert.equal(auc([4, 5], [1, 2, 3]), 1);
  assert.equal(auc([1], [1]), 0.5);
  const r = rocCurve([5, 6, 7], [1, 2, 3, 4], 4);
  assert.ok(r.sig.every((v) => v === 1));
});

test('autoencoder: trained on empty-ish planes with one MIP track, a shower blob scores far above a track', async () => {
  // A 12 x 12 cm plane (8 x 8 bins) keeps the test fast; the net is the same.
  const s = imageSpec({ ...g, planeWidthCm: 12, planeHeightCm: 12 });
  const rng = new Rng(5);
  const track = (): Hits => {
    const x = rng.int(240);
    const y = rng.int(240);
    return hits([0, 1, 2].map((k) => [k, x, y, 64] as [number, number, number, number]));
  };
  const n = 96;
  const train = new Float32Array(n * imageSize(s));
  for (let i = 0; i < n; i++) fillImage(s, track(), train, i * imageSize(s));
  const net = buildAutoencoder(s, { latent: 8, filters: [4, 8], seed: 1 });
  const h = await trainAutoencoder(
    net,
    s,
    train.subarray(0, 64 * imageSize(s)),
    train.subarray(64 * imageSize(s)),
    { epochs: 3, batchSize: 16, learningRate: 0.01 },
  );
  assert.equal(h.loss.length, 3);
  const blob: [number, number, number, number][] = [];
  for (let k = 0; k < 3; k++)
    for (let d = 0; d < 200; d++) blob.push([k, 60 + (d % 20) * 6, 60 + Math.floor(d / 20) * 6, 1000]);
  blob.sort((a, b) => a[0] - b[0] || a[2] - b[2] || a[1] - b[1]);
  const test = new Float32Array(2 * imageSize(s));
  fillImage(s, track(), test, 0);
  fillImage(s, hits(blob), test, imageSize(s));
  const sc = scoreImages(net, s, test);
  assert.ok(sc.score[1]! > 10 * sc.score[0]!, `blob ${sc.score[1]} vs track ${sc.score[0]}`);
  assert.equal(sc.perStation.length, 6);
  net.dispose();
});

test('drift: a window drawn like the reference stays under the KS critical distance; a shifted station exceeds it and is named', () => {
  const rng = new Rng(9);
  const ref = [0, 1, 2].map(() =>
    [0.01, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99].map((q) => [q, q] as [number, number]),
  );
  const quiet = new DriftMonitor(ref, { windowS: 10, cAlpha: 1.95, minEvents: 100 });
  let s = quiet.push(0, [0, 0, 0]);
  for (let i = 1; i < 2000; i++) s = quiet.push(i * 0.01, [rng.uniform(), rng.uniform(), rng.uniform()]);
  assert.ok(s.events > 900 && s.events <= 1001, `window of 10 s holds ${s.events} events`);
  assert.ok(s.distance < s.critical, `${s.distance} vs ${s.critical}`);
  const faulty = new DriftMonitor(ref, { windowS: 10, cAlpha: 1.95, minEvents: 100 });
  for (let i = 0; i < 2000; i++)
    s = faulty.push(i * 0.01, [rng.uniform(), Math.min(1, rng.uniform() + 0.2), rng.uniform()]);
  assert.ok(s.distance > s.critical);
  assert.equal(s.dominantStation, 1);
  assert.ok(Math.abs(ksDistance(Float64Array.from([0.5]), [[0.5, 0.4]]) - 0.5) < 1e-12);
});

test('drift: the running counts give exactly the KS distances of the sorted window, as events enter and leave', () => {
  const rng = new Rng(4);
  const ref = [0, 1].map(() => [0.1, 0.5, 0.5, 0.9].map((q) => [q, q] as [number, number]));
  const m = new DriftMonitor(ref, { windowS: 2, cAlpha: 1.95, minEvents: 5 });
  let t = 0;
  for (let i = 0; i < 3000; i++) {
    // gaps that empty the window, events a little out of order, values on the reference points, NaN
    t += i % 500 === 0 ? 5 : rng.uniform() * 0.02 - 0.004;
    const v = (): number => (rng.uniform() < 0.1 ? 0.5 : rng.uniform() < 0.01 ? NaN : rng.uniform());
    const s = m.push(t, [v(), v()]);
    const want = [0, 1].map((k) => (s.events < 5 ? 0 : ksDistance(m.window(k), ref[k]!)));
    assert.deepEqual(s.perStation, want, `event ${i}`);
  }
});
