/**
 * The trailing background estimate under an excess that has left the window, under a constant
 * background (no bias), under a lasting change (followed), and the monitor's warm-up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimulation, parseTrigger, type ExcessConfig } from '../config/index.js';
import { Rng } from '../domain/index.js';
import { median, trailingBackground } from './background.js';
import { createExcessCore } from './excess-core.js';

const DEFAULT = parseTrigger({}).excess;

/** Poisson sample by inversion of the cdf (fine for μ up to a few hundred). */
function poisson(rng: Rng, mu: number): number {
  let k = 0;
  let pmf = Math.exp(-mu);
  let cdf = pmf;
  const u = rng.uniform();
  while (u > cdf && k < 10_000) {
    k++;
    pmf *= mu / k;
    cdf += pmf;
  }
  return k;
}

/** Window-test Z per closed bin (NaN during warm-up) for Poisson counts of rateAt(bin) per 1 s bin. */
function zSeries(
  cfg: ExcessConfig,
  seed: number,
  bins: number,
  rateAt: (i: number) => number,
): { z: number[]; mu: number[]; alertBins: number[] } {
  const core = createExcessCore(cfg);
  const rng = new Rng(seed);
  const z: number[] = [];
  const mu: number[] = [];
  const alertBins: number[] = []; // the last bin of each window-test alert's window
  for (let i = 0; i < bins; i++) {
    const r = core.closeBin(i, poisson(rng, rateAt(i)));
    z.push(r.window?.z ?? NaN);
    mu.push(r.window?.expected ?? NaN);
    if (r.alerts.some((a) => a.method === 'window')) alertBins.push(i);
  }
  return { z, mu, alertBins };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

test('blocks far from the median are left out; the mean keeps them', () => {
  const trailing = [10, 11, 9, 10, 100, 10];
  assert.equal(trailingBackground(trailing, 1, { estimator: 'mean', clipSigma: 3 }), 150 / 6);
  assert.equal(trailingBackground(trailing, 1, { estimator: 'clipped-mean', clipSigma: 3 }), 50 / 5);
  // w = 2: blocks (newest first) 100+10, 9+10, 10+11 → median 21, the 110 block out
  assert.equal(trailingBackground(trailing, 2, { estimator: 'clipped-mean', clipSigma: 3 }), (40 * 2) / 4);
  // an oldest partial block is compared at its rate: 3 bins of blocks of 2 → [30] partial kept
  assert.equal(
    trailingBackground([15, 20, 20, 20, 20], 2, { estimator: 'clipped-mean', clipSigma: 3 }),
    (95 * 2) / 5,
  );
  assert.equal(
    trailingBackground([0, 0, 0], 1, { estimator: 'clipped-mean', clipSigma: 3 }),
    1 / 3,
    'one count floor over the span',
  );
  assert.equal(median([3, 1, 2, 10]), 2.5);
});

test('an excess straddling the fixed blocks is left out by the sliding pass', () => {
  // 120 bins at 15 per bin (150 per 10-bin window, tolerance 3·√150 = 36.7), +8 per bin in bins 88..117:
  // the block 80..89 holds two excess bins (+16, too little to clip), the sliding windows over the
  // excess stand out (+80), so every excess bin is left out and the estimate is the background's.
  const trailing = Array.from({ length: 120 }, (_, i) => 15 + (i >= 88 && i < 118 ? 8 : 0));
  assert.equal(trailingBackground(trailing, 10, { estimator: 'clipped-mean', clipSigma: 3 }), 150);
  // and a constant span is its own mean
  assert.equal(trailingBackground(Array(120).fill(15), 10, { estimator: 'clipped-mean', clipSigma: 3 }), 150);
});

// The default embedded session's excess (signal ×4 from 150 s for 30 s) at the selected rates of
// the default mix: about 16 Hz of selected background, raised by 17 Hz while the excess runs.
const BACKGROUND_HZ = 16;
const EXCESS_HZ = 17;
const withExcess = (i: number): number => BACKGROUND_HZ + (i >= 150 && i < 180 ? EXCESS_HZ : 0);

test('after the default excess Z stays near zero with the clipped mean (the plain mean drags it below -3)', () => {
  const after = (cfg: ExcessConfig): { meanZ: number; medianMinZ: number; peak: number } => {
    const meanZ: number[] = [];
    const minZ: number[] = [];
    const peak: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const { z } = zSeries(cfg, seed, 320, withExcess);
      const post = z.slice(190, 320); // windows entirely after the excess, while it is in the trailing span
      meanZ.push(mean(post));
      minZ.push(Math.min(...post));
      peak.push(Math.max(...z.slice(150, 190)));
    }
    return { meanZ: mean(meanZ), medianMinZ: median(minZ), peak: Math.min(...peak) };
  };
  const plain = after({ ...DEFAULT, backgroundEstimator: 'mean' });
  const robust = after(DEFAULT);
  assert.equal(DEFAULT.backgroundEstimator, 'clipped-mean', 'the default is the robust estimator');
  assert.ok(
    plain.meanZ < -2 && plain.medianMinZ < -4,
    `plain mean: mean Z after ${plain.meanZ.toFixed(2)}, median of min Z ${plain.medianMinZ.toFixed(2)}`,
  );
  assert.ok(Math.abs(robust.meanZ) < 0.4, `clipped mean: mean Z after ${robust.meanZ.toFixed(2)}`);
  assert.ok(robust.medianMinZ > -3, `clipped mean: median of min Z after ${robust.medianMinZ.toFixed(2)}`);
  assert.ok(
    robust.peak >= DEFAULT.zThreshold,
    `the excess itself is still seen in every run: smallest peak Z ${robust.peak.toFixed(2)}`,
  );
});

test('under a constant background the clipped mean is unbiased and Z is standard normal', () => {
  const { z, mu } = zSeries(DEFAULT, 4242, 20_000, () => BACKGROUND_HZ);
  const full = 10 + DEFAULT.trailingWindowS; // from here on the whole trailing span is in
  const m = mean(mu.slice(full));
  const zs = z.slice(full);
  const zMean = mean(zs);
  const zSd = Math.sqrt(mean(zs.map((x) => (x - zMean) ** 2)));
  assert.ok(
    Math.abs(m / (BACKGROUND_HZ * DEFAULT.windowS) - 1) < 0.005,
    `mean estimate ${m.toFixed(2)} vs ${BACKGROUND_HZ * DEFAULT.windowS}`,
  );
  assert.ok(
    Math.abs(zMean) < 0.1 && zSd > 0.9 && zSd < 1.1,
    `Z mean ${zMean.toFixed(3)} sd ${zSd.toFixed(3)}`,
  );
});

test('a lasting change of the background is followed once it fills half the trailing span', () => {
  const { mu } = zSeries(DEFAULT, 7, 400, (i) => (i < 200 ? BACKGROUND_HZ : 2 * BACKGROUND_HZ));
  const settled = 200 + DEFAULT.windowS + DEFAULT.trailingWindowS / 2 + DEFAULT.windowS;
  const level = mean(mu.slice(settled + 10, 400));
  assert.ok(
    Math.abs(level / (2 * BACKGROUND_HZ * DEFAULT.windowS) - 1) < 0.1,
    `estimate ${level.toFixed(1)} vs ${2 * BACKGROUND_HZ * DEFAULT.windowS}`,
  );
});

test('the first test comes after windowS + minTrailingS and the default injection is tested and alerts', () => {
  const injected = parseSimulation({ excess: {} }).excess!;
  assert.ok(
    injected.startS >= DEFAULT.windowS + DEFAULT.minTrailingS,
    `default injection at ${injected.startS} s`,
  );
  // selected: 12 Hz of background plus 4 Hz of signal, the signal rate multiplied in the injection
  const rateAt = (i: number): number =>
    12 + 4 * (i >= injected.startS && i < injected.startS + injected.durationS ? injected.rateFactor : 1);
  const { z } = zSeries(DEFAULT, 1, 200, rateAt);
  assert.equal(
    z.findIndex((x) => !Number.isNaN(x)),
    DEFAULT.windowS + DEFAULT.minTrailingS - 1,
  );
  // an alert on the injection: its window overlaps it
  const onInjection = (bins: number[]): boolean =>
    bins.some((b) => b >= injected.startS && b < injected.startS + injected.durationS + DEFAULT.windowS - 1);
  let alerted = 0;
  let alertedOld = 0;
  for (let seed = 1; seed <= 20; seed++) {
    if (onInjection(zSeries(DEFAULT, seed, 200, rateAt).alertBins)) alerted++;
    // the warm-up of a full trailing span (130 s) comes after the injection has ended
    if (
      onInjection(zSeries({ ...DEFAULT, minTrailingS: DEFAULT.trailingWindowS }, seed, 200, rateAt).alertBins)
    )
      alertedOld++;
  }
  assert.equal(alerted, 20);
  assert.equal(alertedOld, 0);
});
