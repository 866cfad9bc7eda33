import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asimovZ, auc, bestWorkingPoint, efficiencyFlatness, roc, workingPointAt } from './significance.js';

test('Asimov Z: the closed form, its s/sqrt(b) limit and the edge cases', () => {
  // 2((110) ln 1.1 − 10) = 0.968238, sqrt = 0.983991
  assert.ok(Math.abs(asimovZ(10, 100) - 0.983991) < 1e-5, String(asimovZ(10, 100)));
  assert.ok(Math.abs(asimovZ(1, 1e6) - 1e-3) < 1e-6);
  assert.equal(asimovZ(0, 5), 0);
  assert.equal(asimovZ(3, 0), Infinity);
});

test('ROC and AUC: separated, reversed, tied and weighted samples', () => {
  assert.equal(auc(roc([0.9, 0.8], [0.1, 0.2])), 1);
  assert.equal(auc(roc([0.1, 0.2], [0.9, 0.8])), 0);
  assert.equal(auc(roc([0.5, 0.5], [0.5])), 0.5);
  // one signal above both backgrounds, one between: P(s > b) = 3/4
  assert.equal(auc(roc([0.9, 0.5], [0.7, 0.1])), 0.75);
  // weighting the high signal ×3: (3·1 + 1·0.5) / 4
  assert.equal(auc(roc([0.9, 0.5], [0.7, 0.1], [3, 1])), 0.875);
});

test('the working point maximises Z over thresholds and reports each class efficiency', () => {
  const classes = [
    { name: 'signal', isSignal: true, rateHz: 5, scores: [0.95, 0.9, 0.8, 0.3] },
    { name: 'bkg', isSignal: false, rateHz: 20, scores: [0.85, 0.5, 0.5, 0.5, 0.2, 0.1, 0.1, 0.1] },
  ];
  const wp = bestWorkingPoint(classes, 10, [0, 0.4, 0.88]);
  assert.equal(wp.threshold, 0.88);
  assert.deepEqual(wp.efficiency, { signal: 0.5, bkg: 0 });
  assert.equal(workingPointAt(classes, 0.4, 10).background, 0.5 * 20 * 10);
  assert.ok(workingPointAt(classes, 0.4, 10).z < wp.z);
  // b = 0 is floored at one event of the background sample: 20 Hz × 10 s / 8 events
  assert.ok(Math.abs(wp.z - asimovZ(25, 25)) < 1e-12);
});

test('flatness: zero for a flat efficiency, the weighted spread otherwise', () => {
  assert.equal(efficiencyFlatness([5, 10], [10, 20]), 0);
  assert.ok(Math.abs(efficiencyFlatness([10, 0], [10, 10]) - 0.5) < 1e-12);
});
