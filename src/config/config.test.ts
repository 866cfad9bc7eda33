import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig, mergeRaw, parseExcessFlag } from './index.js';

test('defaults give the design detector: 3 stations, 1800 x 1500 pixels of 0.5 mm', () => {
  const c = parseConfig({});
  assert.equal(c.detector.nStations, 3);
  assert.equal(c.detector.stationPitchCm, 13);
  assert.equal((c.detector.planeWidthCm * 10) / c.detector.pixelPitchMm, 1800);
  assert.equal((c.detector.planeHeightCm * 10) / c.detector.pixelPitchMm, 1500);
});

test('a bad value fails naming the field and the allowed range', () => {
  assert.throws(
    () => parseConfig({ detector: { stationPitchCm: -3 } }),
    (e: unknown) =>
      e instanceof ConfigError && e.field === 'detector.stationPitchCm' && /\(0, 1000\]/.test(e.message) && /-3/.test(e.message),
  );
  assert.throws(() => parseConfig({ detector: { nStations: 2.5 } }), /detector\.nStations: expected an integer/);
  assert.throws(() => parseConfig({ detector: { lead: { atomicNumber: 'lead' } } }), /detector\.lead\.atomicNumber/);
  assert.throws(() => parseConfig({ reconstruction: { backend: 'tpu' } }), /reconstruction\.backend: expected one of/);
});

test('unknown keys are refused, so a typo never falls back to a default', () => {
  assert.throws(() => parseConfig({ detector: { stationPichCm: 13 } }), /detector\.stationPichCm/);
  assert.throws(() => parseConfig({ detectr: {} }), /config\.detectr/);
});

test('cross-field constraints name the field', () => {
  assert.throws(() => parseConfig({ detector: { leadPlates: 100 } }), /detector\.leadPlates: expected total lead/);
  assert.throws(() => parseConfig({ trigger: { excess: { windowS: 5, stepS: 10 } } }), /trigger\.excess\.stepS/);
  assert.throws(() => parseConfig({ simulation: { energyRangeGeV: [10, 1] } }), /simulation\.energyRangeGeV: expected low < high/);
});

test('overrides merge deeply over files', () => {
  const merged = mergeRaw({ detector: { nStations: 3, stationPitchCm: 13 } }, { detector: { stationPitchCm: 14 } });
  assert.deepEqual(merged, { detector: { nStations: 3, stationPitchCm: 14 } });
});

test('--excess flag parses class:factor:start:duration', () => {
  assert.deepEqual(parseExcessFlag('signal:4:30:20'), { eventClass: 'signal', rateFactor: 4, startS: 30, durationS: 20 });
  assert.throws(() => parseExcessFlag('axion:4:30:20'), /--excess\.eventClass/);
});
