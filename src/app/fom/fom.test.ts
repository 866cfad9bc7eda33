import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../config/index.js';
import { clopperPearson, goalCrossing, isotonic } from './crossing.js';
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
  const scan = { fineStep: 0.25, level: 0.95, maxStepsPast: 1 };
  const cuts = minimumDetectableExcess(plan(all(100)), 20, 0.9, 100, grid, undefined, scan);
  const tight = minimumDetectableExcess(plan(new Uint8Array(100)), 20, 0.9, 100, grid, undefined, scan);
  assert.ok(cuts.factor !== undefined && tight.factor !== undefined);
  assert.ok(tight.factor < cuts.factor, `no background: ${tight.factor}, all background: ${cuts.factor}`);
  const [ct, cc] = [tight.crossing.factor, cuts.crossing.factor];
  assert.ok(ct !== undefined && cc !== undefined && ct < cc, `interpolated: ${ct} vs ${cc}`);
  assert.ok(
    cc <= cuts.factor && cc > cuts.factor - 1,
    'the crossing lies below the first passing grid factor',
  );
  const fa = falseAlarms(plan(half(100)), 0.25, 7);
  assert.equal(fa.hours, 0.25);
  assert.ok(fa.windowAlerts <= 1, `${fa.windowAlerts} window alerts in 15 background-only minutes`);
});

test('fom: Clopper–Pearson ends, monotone fit and the interpolated goal crossing with its band', () => {
  const [lo20] = clopperPearson(20, 20);
  assert.ok(Math.abs(lo20 - 0.025 ** (1 / 20)) < 1e-8, `20/20 lower ${lo20}`);
  const [, up0] = clopperPearson(0, 10);
  assert.ok(Math.abs(up0 - (1 - 0.025 ** (1 / 10))) < 1e-8, `0/10 upper ${up0}`);
  // 13/20: the standard table's 95 % interval is 0.408 .. 0.846
  const [a, b] = clopperPearson(13, 20);
  assert.ok(Math.abs(a - 0.4078) < 1e-3 && Math.abs(b - 0.8461) < 1e-3, `13/20: ${a} .. ${b}`);
  assert.deepEqual(isotonic([0.1, 0.5, 0.4, 0.9], [1, 1, 1, 1]), [0.1, 0.45, 0.45, 0.9]);
  const pts = [
    { factor: 1.2, detected: 10, runs: 50 },
    { factor: 1.3, detected: 40, runs: 50 },
    { factor: 1.4, detected: 50, runs: 50 },
    { factor: 1.5, detected: 50, runs: 50 },
  ];
  const c = goalCrossing(pts, 0.9);
  // 0.8 at 1.3, 1.0 at 1.4: 0.9 is reached half-way
  assert.ok(Math.abs(c.factor! - 1.35) < 1e-9, `crossing ${c.factor}`);
  assert.ok(
    c.lo !== undefined && c.lo < c.factor! && c.hi !== undefined && c.hi >= c.factor!,
    JSON.stringify(c),
  );
  // with 20 runs an all-detected factor cannot show 0.9 at 95 %: the upper end stays open
  assert.equal(
    goalCrossing(
      [
        { factor: 1, detected: 0, runs: 20 },
        { factor: 2, detected: 20, runs: 20 },
      ],
      0.9,
    ).hi,
    undefined,
  );
});
