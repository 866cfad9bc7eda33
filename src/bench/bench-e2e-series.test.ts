import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latencyPlot, latencySeries } from './bench-e2e-series.js';

test('latencySeries: frames by window of send time, with count, p50, p99 and max of each; unmeasured frames left out', () => {
  // Window 0 s: latencies 1..100 ms; window 2 s: a single 500 ms frame; window 1 s is empty.
  const frames = [
    ...Array.from({ length: 100 }, (_, i) => ({ sentMs: i * 9, latencyMs: 100 - i })),
    { sentMs: 2_400, latencyMs: 500 },
    { sentMs: 2_500, latencyMs: NaN },
  ];
  const w = latencySeries(frames, 1);
  assert.deepEqual(
    w.map((x) => [x.startS, x.frames, x.maxMs]),
    [
      [0, 100, 100],
      [2, 1, 500],
    ],
  );
  assert.equal(w[0]!.p50Ms, 50.5);
  assert.ok(Math.abs(w[0]!.p99Ms - 99.01) < 1e-9, String(w[0]!.p99Ms));
  assert.equal(w[1]!.p99Ms, 500);
  assert.deepEqual(
    latencySeries(frames, 5).map((x) => x.frames),
    [101],
  );
  assert.throws(() => latencySeries(frames, 0), /window must be > 0/);
});

test('latencyPlot: an SVG with the three series', () => {
  const svg = latencyPlot(
    't',
    latencySeries(
      [
        { sentMs: 0, latencyMs: 3 },
        { sentMs: 1_500, latencyMs: 7 },
      ],
      1,
    ),
  );
  assert.match(svg, /^<svg/);
  for (const label of ['p50', 'p99', 'max']) assert.ok(svg.includes(`>${label}<`), label);
});
