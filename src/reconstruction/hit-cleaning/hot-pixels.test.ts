import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, DEFAULT_RECONSTRUCTION, parseConfig, parseSimulation } from '../../config/index.js';
import {
  DEFAULT_GEOMETRY,
  pixelsX,
  pixelsY,
  type HitFrame,
  type Hits,
  type RecoEvent,
  type Reconstructor,
} from '../../domain/index.js';
import { createSimulator } from '../../sim/index.js';
import {
  createHotPixelMask,
  falseMaskProbability,
  NORMAL_OCCUPANCY_BOUND,
  type HotPixelConfig,
} from './hot-pixels.js';
import { withHotPixelMask } from './masked-reconstructor.js';

const g = DEFAULT_GEOMETRY;
const DEFAULTS = DEFAULT_RECONSTRUCTION.hotPixels;
/** A short window for the synthetic tests (the statistics tests use the defaults). */
const SMALL: HotPixelConfig = { enabled: true, windowFrames: 100, maskFraction: 0.1, unmaskFraction: 0.05 };

const hits = (list: readonly (readonly [number, number, number])[]): Hits => ({
  station: Uint8Array.from(list, (h) => h[0]),
  ix: Int32Array.from(list, (h) => h[1]),
  iy: Int32Array.from(list, (h) => h[2]),
  count: Int32Array.from(list, () => 40),
});

test("the doc comment's figures: the default-mix occupancy is under the bound, and the false-mask and miss probabilities are as quoted", () => {
  // Occupancy of a normal pixel = hits per station per frame / pixels under the shower origins (80 × 65 cm).
  const sim = createSimulator(g, parseSimulation({ seed: 11 }), 'occupancy');
  const frames = 1500;
  let n = 0;
  for (let i = 0; i < frames; i++) n += sim.next().hits.station.length;
  const originPixels = ((g.planeWidthCm - 10) * (g.planeHeightCm - 10) * 100) / g.pixelPitchMm ** 2;
  const p = n / g.nStations / frames / originPixels;
  assert.ok(p > 5e-6 && p < 4e-5, `default-mix occupancy ${p} (doc: ≈ 2e-5)`);
  assert.ok(
    p < NORMAL_OCCUPANCY_BOUND / 2,
    `occupancy ${p} leaves a margin to the bound ${NORMAL_OCCUPANCY_BOUND}`,
  );
  const atBound = falseMaskProbability(NORMAL_OCCUPANCY_BOUND, DEFAULTS);
  assert.ok(atBound > 2.3e-17 && atBound < 2.5e-17, `per pixel per window at the bound: ${atBound}`);
  const pixels = g.nStations * pixelsX(g) * pixelsY(g);
  assert.ok(pixels * atBound < 2.1e-10, `all pixels, per window: ${pixels * atBound}`);
  const atDefaultMix = falseMaskProbability(2e-5, DEFAULTS);
  assert.ok(atDefaultMix > 2.5e-24 && atDefaultMix < 2.8e-24, `${atDefaultMix}`);
  const miss = 1 - falseMaskProbability(0.05, DEFAULTS);
  assert.ok(miss > 0 && miss < 2e-12, `a 5 % hot pixel escapes a window with P = ${miss}`);
  // Cross-check of the tail by the term recurrence C(W,k+1)p^(k+1)q^(W-k-1) = C(W,k)p^k q^(W-k) · (W−k)/(k+1) · p/q.
  const w = DEFAULTS.windowFrames;
  const q = 1 - NORMAL_OCCUPANCY_BOUND;
  let direct = 0;
  for (let k = 0, term = q ** w; k < 60; term *= ((w - k) / (k + 1)) * (NORMAL_OCCUPANCY_BOUND / q), k++)
    if (k >= 10) direct += term;
  assert.ok(Math.abs(atBound / direct - 1) < 1e-9, `log-space ${atBound} vs recurrence ${direct}`);
});

test('on a realistic stream with hot and dead pixels, exactly the hot pixels are masked, from the end of the warm-up window on', () => {
  const hotPerStation = 20;
  const sim = createSimulator(
    g,
    parseSimulation({ seed: 12, hotPixelsPerStation: hotPerStation, deadPixelFraction: 0.02 }),
    'hot',
  );
  const mask = createHotPixelMask(g, DEFAULTS);
  const fired = new Map<string, number>();
  const w = DEFAULTS.windowFrames;
  for (let i = 0; i < w; i++) {
    const f = sim.next();
    for (let j = 0; j < f.hits.station.length; j++) {
      const key = `${f.hits.station[j]}:${f.hits.ix[j]}:${f.hits.iy[j]}`;
      fired.set(key, (fired.get(key) ?? 0) + 1);
    }
    const change = mask.observe(f.hits);
    if (i < w - 1) {
      assert.equal(change, undefined);
      assert.equal(mask.warm, false);
      assert.equal(mask.apply(f.hits), f.hits, 'nothing is masked during the warm-up');
    } else {
      assert.deepEqual(change?.maskedPerStation, [hotPerStation, hotPerStation, hotPerStation]);
    }
  }
  assert.equal(mask.warm, true);
  // The hot pixels fired in every frame; every other pixel in at most a handful.
  const always = [...fired]
    .filter(([, c]) => c === w)
    .map(([k]) => k)
    .sort();
  const masked = mask
    .maskedPixels()
    .map((p) => `${p.station}:${p.ix}:${p.iy}`)
    .sort();
  assert.deepEqual(masked, always);
  const busiestNormal = Math.max(...[...fired].filter(([, c]) => c < w).map(([, c]) => c));
  assert.ok(busiestNormal <= 3, `busiest normal pixel fired in ${busiestNormal}/${w} frames`);
  // Applied to the next frames: the hot pixels' hits go, every other hit stays, untouched.
  for (let i = 0; i < 50; i++) {
    const f = sim.next();
    const out = mask.apply(f.hits);
    const kept: string[] = [];
    const want: string[] = [];
    for (let j = 0; j < f.hits.station.length; j++) {
      const h = `${f.hits.station[j]}:${f.hits.ix[j]}:${f.hits.iy[j]}:${f.hits.count[j]}`;
      if (!mask.isMasked(f.hits.station[j]!, f.hits.ix[j]!, f.hits.iy[j]!)) want.push(h);
    }
    for (let j = 0; j < out.station.length; j++)
      kept.push(`${out.station[j]}:${out.ix[j]}:${out.iy[j]}:${out.count[j]}`);
    assert.deepEqual(kept, want);
    assert.equal(f.hits.station.length - out.station.length, 3 * hotPerStation);
  }
});

test('a pixel that cools down is unmasked; hysteresis keeps a warm one masked; a new hot pixel waits for its window to end', () => {
  const mask = createHotPixelMask(g, SMALL);
  const run = (
    frames: number,
    firing: (i: number) => (readonly [number, number, number])[],
  ): ReturnType<typeof mask.observe>[] =>
    Array.from({ length: frames }, (_, i) => mask.observe(hits(firing(i))));
  // Window 1: pixel A (station 1) in every frame, pixel B (station 2) in 7 % of the frames (below 10 %).
  const a = [1, 100, 200] as const;
  const b = [2, 5, 6] as const;
  const changes = run(100, (i) => [a, ...(i % 100 < 7 ? [b] : [])]);
  assert.deepEqual(changes.at(-1), {
    framesSeen: 100,
    windowsCompleted: 1,
    maskedPerStation: [0, 1, 0],
    added: 1,
    removed: 0,
  });
  assert.equal(mask.isMasked(...a), true);
  assert.equal(mask.isMasked(...b), false);
  // Window 2: A fires in 6 % (≥ 5 %: stays masked by hysteresis), B in every frame (masked at the end only).
  run(99, (i) => [b, ...(i < 6 ? [a] : [])]);
  assert.equal(mask.isMasked(...b), false, 'masks change only at a window end');
  const end2 = mask.observe(hits([b]));
  assert.deepEqual(end2?.maskedPerStation, [0, 1, 1]);
  assert.equal(mask.isMasked(...a), true);
  // Window 3: A fires in 4 % (< 5 %: cooled down), B quiet.
  const end3 = run(100, (i) => (i < 4 ? [a] : [])).at(-1);
  assert.deepEqual(end3, {
    framesSeen: 300,
    windowsCompleted: 3,
    maskedPerStation: [0, 0, 0],
    added: 0,
    removed: 2,
  });
  assert.deepEqual(mask.maskedPixels(), []);
  // Window 4: nothing changes, nothing reported.
  assert.deepEqual(
    run(100, () => [b]).filter((c) => c !== undefined).length,
    1,
    'B is hot again: one change',
  );
  assert.equal(
    run(100, () => [b]).filter((c) => c !== undefined).length,
    0,
    'a window without changes reports none',
  );
});

test('hits off the plane are ignored; a disabled mask counts and masks nothing and allocates nothing', () => {
  const mask = createHotPixelMask(g, SMALL);
  const off = hits([
    [7, 1, 1],
    [0, -1, 3],
    [0, pixelsX(g), 3],
    [0, 3, pixelsY(g)],
  ]);
  for (let i = 0; i < 200; i++) mask.observe(off);
  assert.deepEqual(mask.maskedPerStation(), [0, 0, 0]);
  assert.equal(mask.apply(off), off);
  const disabled = createHotPixelMask(g, { ...SMALL, enabled: false });
  const h = hits([[0, 1, 1]]);
  for (let i = 0; i < 300; i++) assert.equal(disabled.observe(h), undefined);
  assert.equal(disabled.apply(h), h);
  assert.equal(disabled.isMasked(0, 1, 1), false);
});

test('the masking reconstructor hands the inner one cleaned frames, counts a retried frame once, and reports mask changes', async () => {
  const seen: Hits[] = [];
  const inner: Reconstructor = {
    info: { backend: 'cpu', model: 'recorder' },
    dispose: () => {},
    reconstruct: async (frames) =>
      frames.map((f) => (seen.push(f.hits), { nHits: f.hits.station.length }) as unknown as RecoEvent),
  };
  const changes: number[][] = [];
  const rec = withHotPixelMask(inner, createHotPixelMask(g, SMALL), (c) =>
    changes.push([...c.maskedPerStation]),
  );
  const frame = (i: number): HitFrame => ({
    runId: 'r',
    eventId: String(i),
    timestampNs: BigInt(i),
    hits: hits([
      [0, 10, 10],
      [1, 20 + (i % 50), 30],
    ]),
  });
  const first = Array.from({ length: 99 }, (_, i) => frame(i));
  await rec.reconstruct(first);
  await rec.reconstruct(first); // a retry of the same frames: not counted again
  assert.deepEqual(changes, []);
  const out = await rec.reconstruct([frame(99), frame(100)]);
  assert.deepEqual(
    changes,
    [[1, 0, 0]],
    'the window ended at the 100th distinct frame: the pixel that fired in all of them is masked',
  );
  assert.deepEqual(
    out.map((e) => e.nHits),
    [1, 1],
  );
  assert.deepEqual([...seen.at(-1)!.station], [1]);
  // What the display is given: the frame with the hits the reconstruction used, not the raw one.
  const f100 = frame(100);
  await rec.reconstruct([f100]);
  assert.deepEqual([...rec.seen!(f100).hits.station], [1]);
  assert.deepEqual([...f100.hits.station], [0, 1]);
  assert.equal(withHotPixelMask(inner, createHotPixelMask(g, { ...SMALL, enabled: false })), inner);
});

test('bad hot-pixel config is refused naming the field', () => {
  const bad = (hotPixels: Record<string, unknown>, field: string, why: RegExp): void =>
    assert.throws(
      () => parseConfig({ reconstruction: { hotPixels } }),
      (e: unknown) =>
        e instanceof ConfigError && e.field === `reconstruction.hotPixels.${field}` && why.test(e.message),
      field,
    );
  bad({ unmaskFraction: 0.02 }, 'unmaskFraction', /<= maskFraction \(0\.01\)/);
  bad({ maskFraction: 0.001, unmaskFraction: 0.001 }, 'maskFraction', /at least 2 fires in a window/);
  bad({ maskFraction: 1.5 }, 'maskFraction', /\(0, 1\]/);
  bad({ windowFrames: 0 }, 'windowFrames', /an integer in \[10, 65535\]/);
  bad({ windowFrames: 100000 }, 'windowFrames', /65535/);
  bad({ enabled: 'yes' }, 'enabled', /true or false/);
  bad({ windowSize: 10 }, 'windowSize', /known keys/);
  assert.equal(
    parseConfig({ reconstruction: { hotPixels: { enabled: false } } }).reconstruction.hotPixels.enabled,
    false,
  );
});
