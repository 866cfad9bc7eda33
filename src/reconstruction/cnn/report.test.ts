import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SparseInputs } from './dataset.js';
import { paretoFront, paretoMarkdown, type CnnVariantResult } from './report.js';

const row = (name: string, sigmaERel: number, sigmaDCm: number, eps: number): CnnVariantResult => ({
  name,
  size: 24,
  width: 8,
  windowCm: 6.4,
  parameters: 1,
  trainEvents: 1,
  trainSeed: 1,
  epochs: 1,
  trainSeconds: 60,
  backend: 'wasm',
  evalEvents: 1,
  evalSeed: 2,
  sigmaERel,
  sigmaDCm,
  meanERel: 0,
  meanDCm: 0,
  inferenceEventsPerSecond: eps,
  inferenceMsPerEvent: 1000 / eps,
  measuredAt: '2026-01-01T00:00:00Z',
});

test('the Pareto front keeps variants no other beats on resolution and speed together', () => {
  const rs = [
    row('fast', 0.2, 0.8, 9000),
    row('precise', 0.15, 0.6, 4000),
    row('dominated', 0.21, 0.9, 3000),
  ];
  assert.deepEqual([...paretoFront(rs)].sort(), ['fast', 'precise']);
  const md = paretoMarkdown(rs);
  assert.match(md, /\| dominated \|.*\|  \|$/m);
  assert.match(md, /\| fast \|.*\| yes \|$/m);
});

test('sparse input storage gives back exactly the dense windows, in any order', () => {
  const s = new SparseInputs({ size: 4, pixelsPerBin: 1, nStations: 1 });
  const a = Float32Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? i + 0.5 : 0));
  const b = Float32Array.from({ length: 16 }, (_, i) => (i === 15 ? 2 : 0));
  s.push(a);
  s.push(b);
  const out = new Float32Array(32).fill(9);
  s.fill([1, 0], 0, 2, out);
  assert.deepEqual(Array.from(out), [...b, ...a]);
});
