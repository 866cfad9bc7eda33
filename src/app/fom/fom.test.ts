import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../config/index.js';
import { falseAlarms, injectionRun, minimumDetectableExcess, type StreamPlan } from './streams.js';

const excess = parseConfig({}).trigger.excess;
const all = (n: number): Uint8Array => new Uint8Array(n).fill(1);
const half = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i % 2);
const plan = (bkgSelected: Uint8Array): StreamPlan => ({
  pools: [
    { name: 'signal', rateHz: 5, selected: all(100) },
    { name: 'neutrino', rateHz: 20, selected: bkgSelected },
  ],
  signalClass: 'signal',
  excess,
  injectionStartS: excess.trailingWindowS + excess.windowS + 10,
  injectionS: 30,
  settleS: excess.windowS + 5,
});

test('fom: a tenfold injection is detected by the real excess stage, none without one (short CI version)', () => {
  const p = plan(all(100));
  assert.equal(injectionRun(p, 10, 1).detected, true);
  assert.equal(injectionRun(p, 1, 1).detected, false);
});

test('fom: less selected background lowers the minimum detectable excess; background-only streams stay quiet', () => {
  const grid = [1.5, 2, 3, 5, 8, 12];
  const cuts = minimumDetectableExcess(plan(all(100)), 20, 0.9, 100, grid);
  const tight = minimumDetectableExcess(plan(new Uint8Array(100)), 20, 0.9, 100, grid);
  assert.ok(cuts.factor !== undefined && tight.factor !== undefined);
  assert.ok(tight.factor < cuts.factor, `no background: ${tight.factor}, all background: ${cuts.factor}`);
  const fa = falseAlarms(plan(half(100)), 0.25, 7);
  assert.equal(fa.hours, 0.25);
  assert.ok(fa.windowAlerts <= 1, `${fa.windowAlerts} window alerts in 15 background-only minutes`);
});
