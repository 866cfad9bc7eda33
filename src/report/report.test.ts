import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../domain/index.js';
import { binnedSpread, calorimeterSigma, fitCalorimeter, spread } from './resolution.js';
import { histogramChart, scatterChart, ticks } from './svg.js';
import { markdownTable } from './markdown.js';

test('robust σ ignores 2 % wild outliers that inflate the plain std', () => {
  const rng = new Rng(5);
  const v = Array.from({ length: 20000 }, (_, i) =>
    i % 50 === 0 ? 50 * rng.normal() : 2 + 0.5 * rng.normal(),
  );
  const s = spread(v);
  assert.ok(Math.abs(s.sigmaClipped - 0.5) < 0.02, `clipped ${s.sigmaClipped}`);
  assert.ok(Math.abs(s.halfWidth68 - 0.5) < 0.03, `68 % ${s.halfWidth68}`);
  assert.ok(s.std > 5, `std ${s.std}`);
  assert.ok(Math.abs(s.meanClipped - 2) < 0.02);
  assert.ok(s.clippedFraction > 0.015 && s.clippedFraction < 0.025);
});

test('the calorimeter fit recovers a/√E ⊕ b from binned Gaussian samples', () => {
  const rng = new Rng(9);
  const e: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < 40000; i++) {
    const E = rng.range(1, 100);
    e.push(E);
    r.push(rng.normal() * Math.sqrt(0.25 / E + 0.05 ** 2));
  }
  const bins = binnedSpread(e, r, [1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  assert.equal(
    bins.reduce((a, b) => a + b.spread.n, 0),
    40000,
  );
  const fit = fitCalorimeter(bins.map((b) => ({ e: b.centre, sigma: b.spread.std, n: b.spread.n })));
  assert.ok(Math.abs(fit.a - 0.5) < 0.03, `a ${fit.a}`);
  assert.ok(Math.abs(fit.b - 0.05) < 0.01, `b ${fit.b}`);
  assert.ok(Math.abs(calorimeterSigma(fit, 25) - Math.sqrt(0.01 + 0.0025)) < 0.01);
});

test('charts are standalone SVG with escaped labels and one element per point', () => {
  const svg = scatterChart(
    { title: 'σ(ΔE/E) <vs> E', xLabel: 'E', yLabel: 's' },
    [
      {
        label: 'cnn',
        colour: 'red',
        points: [
          { x: 1, y: 0.3, err: 0.01 },
          { x: 50, y: 0.1 },
        ],
      },
    ],
    [{ label: 'fit', colour: 'blue', f: (x) => 0.3 / Math.sqrt(x) }],
  );
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /&lt;vs&gt;/);
  assert.equal(svg.match(/<circle/g)?.length, 2);
  assert.match(svg, /<polyline/);
  const h = histogramChart(
    { title: 'h', xLabel: 'x', yLabel: 'n' },
    [{ label: 'a', colour: 'red', values: [0, 0.5, 9] }],
    -1,
    1,
    4,
  );
  assert.match(h, /a \(1 outside\)/);
  assert.deepEqual(ticks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
});

test('markdown tables format numbers and escape pipes', () => {
  assert.equal(
    markdownTable(
      ['a', 'b'],
      [
        [1.234567, 'x|y'],
        [null, 3],
      ],
    ),
    '| a | b |\n|---|---|\n| 1.235 | x\\|y |\n| – | 3 |\n',
  );
});

test('energy summaries give the bias around the truth, both spreads and the d bias at the range edges', async () => {
  const { summariseEnergyVertex, efficiencyByBin } = await import('./evaluation.js');
  const rng = new Rng(4);
  const eTrue: number[] = [],
    eReco: number[] = [],
    dTrue: number[] = [],
    dReco: number[] = [];
  for (let i = 0; i < 20000; i++) {
    const e = rng.range(1, 100);
    const d = rng.range(-7.5, 0);
    eTrue.push(e);
    // +10 % bias below 2 GeV, none above; 5 % resolution. d pulled towards the middle by 20 %.
    eReco.push(e * ((e < 2 ? 1.1 : 1) + 0.05 * rng.normal()));
    dTrue.push(d);
    dReco.push(d - 0.2 * (d + 3.75) + 0.1 * rng.normal());
  }
  const s = summariseEnergyVertex('m', { energyGeV: eTrue, dCm: dTrue }, { energyGeV: eReco, dCm: dReco });
  const low = s.energy_by_bin[0]!;
  assert.ok(Math.abs(low.mean - 0.1) < 0.01, `bias ${low.mean}`);
  assert.ok(Math.abs(low.std - 0.05) < 0.005 && low.rms > 0.1, `std ${low.std} rms ${low.rms}`);
  assert.ok(Math.abs(s.energy_by_bin[5]!.mean) < 0.005);
  const first = s.d_by_range[0]!;
  const last = s.d_by_range[s.d_by_range.length - 1]!;
  assert.ok(first.mean > 0.5 && last.mean < -0.5, `edges ${first.mean}, ${last.mean}`);
  const eff = efficiencyByBin([1.5, 1.7, 50, 99], [true, false, true, true], [1, 2, 100]);
  assert.deepEqual(
    eff.map((b) => b.efficiency),
    [0.5, 1],
  );
});
