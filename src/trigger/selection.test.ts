import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GEOMETRY, type RecoEvent } from '../domain/index.js';
import { parseTrigger } from '../config/index.js';
import { createSelector } from './selection.js';

const selector = createSelector({ selection: parseTrigger({}).selection, geometry: DEFAULT_GEOMETRY });
const good: RecoEvent = {
  runId: 'r',
  eventId: 'e1',
  timestampNs: 1n,
  status: 'ok',
  nHits: 120,
  energyGeV: 25,
  dCm: -3,
  xCm: 10,
  yCm: -5,
  fitRmsCm: 0.2,
  stationsUsed: 3,
};

test('an event passing every cut is selected and lists all six cuts as passed', () => {
  const c = selector.select(good);
  assert.equal(c.selected, true);
  assert.equal(c.reasons.length, 6);
  assert.ok(
    c.reasons.every((r) => r.includes(': pass')),
    c.reasons.join('; '),
  );
  assert.equal(c.alertId, undefined);
});

test('every failing cut is reported, not just the first', () => {
  const c = selector.select({ ...good, energyGeV: 150, xCm: 44, fitRmsCm: 3 });
  assert.equal(c.selected, false);
  const failed = c.reasons.filter((r) => r.includes(': fail')).map((r) => r.split(':')[0]);
  assert.deepEqual(failed, ['energy', 'fiducial', 'fit_rms']);
});

test('the fiducial area is the plane minus the margin on each side', () => {
  assert.deepEqual(selector.fiducial, { halfXCm: 43, halfYCm: 35.5 });
  assert.equal(selector.select({ ...good, xCm: -43, yCm: 35.5 }).selected, true);
  assert.equal(selector.select({ ...good, yCm: 35.6 }).selected, false);
});

test('a non-ok reconstruction is never selected and says why', () => {
  const c = selector.select({
    ...good,
    status: 'single_station',
    detail: 'hits in one station',
    stationsUsed: 1,
  });
  assert.equal(c.selected, false);
  assert.match(c.reasons[0]!, /^status: fail \(single_station: hits in one station\)$/);
  assert.match(
    c.reasons.find((r) => r.startsWith('stations'))!,
    /fail \(1 < 2\)/,
  );
});

test('minimum hits and stations are inclusive bounds', () => {
  assert.equal(selector.select({ ...good, nHits: 10, stationsUsed: 2 }).selected, true);
  assert.equal(selector.select({ ...good, nHits: 9 }).selected, false);
});

test('classifier mode: the signal probability decides, with a reason line per event', () => {
  const s = createSelector({
    selection: parseTrigger({}).selection,
    geometry: DEFAULT_GEOMETRY,
    classifierThreshold: 0.85,
  });
  assert.equal(s.mode, 'classifier');
  const classification = {
    score: 0.93,
    predictedClass: 'signal',
    probabilities: { signal: 0.93, neutrino: 0.07 },
  };
  // Fails two cuts of the cut list, but the classifier decides.
  const c = s.select({ ...good, energyGeV: 150, fitRmsCm: 3, classification });
  assert.equal(c.selected, true);
  assert.deepEqual(c.reasons, ['status: pass (ok)', 'classifier: pass (0.93 >= 0.85)']);
  const low = s.select({ ...good, classification: { ...classification, score: 0.2 } });
  assert.equal(low.selected, false);
  assert.equal(low.reasons[1], 'classifier: fail (0.20 < 0.85)');
  assert.equal(s.select(good).selected, false, 'an event without a score is not selected');
  assert.equal(s.select({ ...good, status: 'no_cluster', classification }).selected, false);
});
