import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RESPONSE, type ResponseConfig } from '../config/index.js';
import { Rng, type Hits } from '../domain/index.js';
import {
  amplitudeToAdc,
  darkNoiseAdc,
  digitiseHits,
  digitisePixel,
  overlayNoise,
  withCrossTalk,
} from './response.js';

const r = DEFAULT_RESPONSE;

function meanVar(xs: readonly number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, variance: xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) };
}

test('one MIP gives the cited photoelectron yield, with cross-talk on top, in ADC counts', () => {
  const rng = new Rng(1);
  const linear: ResponseConfig = { ...r, sipmCellsPerPixel: 1e7, electronicNoisePe: 0 };
  const adc = Array.from({ length: 20000 }, () => digitisePixel(1, linear, rng));
  const { mean, variance } = meanVar(adc.map((a) => a / r.adcCountsPerPe));
  const want = r.photoelectronsPerMip / (1 - r.crossTalkProbability);
  assert.ok(Math.abs(mean / want - 1) < 0.01, `mean ${mean} pe vs ${want}`);
  // Poisson photoelectrons widened by the cross-talk chain: variance above the mean.
  assert.ok(variance > mean * 1.05 && variance < mean * 1.5, `variance ${variance} vs mean ${mean}`);
  // A MIP is seen almost always: P(N_pe < threshold) = e^-16 (1 + 16) ≈ 2e-6.
  assert.equal(adc.filter((a) => a === 0).length, 0);
});

test('the cross-talk chain adds p/(1−p) avalanches per photoelectron', () => {
  const rng = new Rng(2);
  const p = 0.2;
  const cfg = { ...r, crossTalkProbability: p };
  const extra = Array.from({ length: 20000 }, () => withCrossTalk(10, cfg, rng) - 10);
  const { mean } = meanVar(extra);
  assert.ok(Math.abs(mean - (10 * p) / (1 - p)) < 0.06, `mean extra ${mean}`);
  assert.ok(extra.every((e) => e >= 0));
  assert.equal(withCrossTalk(10, { ...r, crossTalkProbability: 0 }, rng), 10);
});

test('the SiPM saturates: the amplitude grows with particles but never past its cells or the ADC range', () => {
  const rng = new Rng(3);
  const cfg = { ...r, electronicNoisePe: 0 };
  const mean = (n: number): number =>
    meanVar(Array.from({ length: 400 }, () => digitisePixel(n, cfg, rng))).mean;
  const a1 = mean(1);
  const a5 = mean(5);
  const a100 = mean(100);
  assert.ok(a5 > 3.5 * a1, `5 MIPs ${a5} vs 1 MIP ${a1}: nearly linear while far from saturation`);
  assert.ok(a100 < 30 * a1, `100 MIPs ${a100}: saturated well below 100 × ${a1}`);
  assert.ok(a100 <= cfg.sipmCellsPerPixel * cfg.adcCountsPerPe + 1);
  const clipped = digitisePixel(1000, { ...cfg, sipmCellsPerPixel: 1e6, adcMax: 500 }, rng);
  assert.equal(clipped, 500);
});

test('amplitudes below the threshold give no hit; noise alone rarely passes a 1.5 pe threshold', () => {
  const rng = new Rng(4);
  assert.equal(amplitudeToAdc(1, { ...r, electronicNoisePe: 0 }, rng), 0);
  assert.ok(amplitudeToAdc(2, { ...r, electronicNoisePe: 0 }, rng) > 0);
  let fired = 0;
  for (let i = 0; i < 20000; i++) if (amplitudeToAdc(0, r, rng) > 0) fired++;
  assert.ok(fired / 20000 < 1e-3, `pure noise fired ${fired} times`);
  for (let i = 0; i < 200; i++) assert.ok(darkNoiseAdc(r, rng) >= r.thresholdPe * r.adcCountsPerPe);
});

test('digitising keeps hit order, drops what is below threshold and is deterministic per seed', () => {
  const hits: Hits = {
    station: Uint8Array.from([0, 0, 1, 2]),
    ix: Int32Array.from([5, 9, 3, 4]),
    iy: Int32Array.from([1, 1, 7, 8]),
    count: Int32Array.from([1, 3, 2, 1]),
  };
  const high = { ...r, thresholdPe: 1e3 };
  assert.equal(digitiseHits(hits, high, new Rng(5)).count.length, 0);
  const a = digitiseHits(hits, r, new Rng(5));
  const b = digitiseHits(hits, r, new Rng(5));
  assert.deepEqual(a, b);
  assert.deepEqual([...a.ix], [5, 9, 3, 4]);
  assert.ok([...a.count].every((c) => c > 0 && c <= r.adcMax));
});

test('noise overlays merge into sorted hits; a coinciding pixel adds its amplitude', () => {
  const nx = 100;
  const hits: Hits = {
    station: Uint8Array.from([0, 1]),
    ix: Int32Array.from([5, 5]),
    iy: Int32Array.from([2, 2]),
    count: Int32Array.from([40, 50]),
  };
  const out = overlayNoise(
    hits,
    [
      { station: 1, key: 2 * nx + 5, adc: 7 },
      { station: 0, key: 0, adc: 9 },
      { station: 2, key: 3, adc: 8 },
    ],
    nx,
    1023,
  );
  assert.deepEqual([...out.station], [0, 0, 1, 2]);
  assert.deepEqual([...out.ix], [0, 5, 5, 3]);
  assert.deepEqual([...out.iy], [0, 2, 2, 0]);
  assert.deepEqual([...out.count], [9, 40, 57, 8]);
  assert.equal(overlayNoise(hits, [{ station: 0, key: 2 * nx + 5, adc: 2000 }], nx, 1023).count[0], 1023);
});
