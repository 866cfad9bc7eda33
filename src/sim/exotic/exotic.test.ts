import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { DEFAULT_SIMULATION, parseInjectFlag, parseSimulation } from '../../config/index.js';
import { DEFAULT_GEOMETRY, Rng, type Hits } from '../../domain/index.js';
import { generateEvent } from '../events.js';
import { createSimulator } from '../simulator.js';
import { applyFault, drawFault } from './faults.js';
import { createExoticGenerator } from './generate.js';

const g = DEFAULT_GEOMETRY;
const cfg = DEFAULT_SIMULATION;
const gen = createExoticGenerator(g, cfg);
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

/** Dark-noise pulses are 2 pe plus cross-talk (8-20 ADC); a MIP gives ~16 pe (64 ADC). */
const PARTICLE_ADC = 24;

/**
 * Hit count and max ADC of one station; over hits of particle amplitude, the ADC-weighted
 * centroid and RMS spread (pixels), the second pass within `radiusPx` of the first centroid so
 * that stray noise pulses do not pull it.
 */
function station(
  h: Hits,
  k: number,
  radiusPx = 200,
): { n: number; cx: number; cy: number; rms: number; maxAdc: number } {
  let n = 0,
    maxAdc = 0;
  let c0 = { x: NaN, y: NaN };
  let out = { cx: NaN, cy: NaN, rms: NaN };
  for (const pass of [0, 1]) {
    let w = 0,
      sx = 0,
      sy = 0,
      sxx = 0;
    for (let i = 0; i < h.station.length; i++) {
      if (h.station[i] !== k) continue;
      const c = h.count[i]!;
      if (pass === 0) {
        n++;
        maxAdc = Math.max(maxAdc, c);
      }
      if (c < PARTICLE_ADC) continue;
      if (pass === 1 && Math.hypot(h.ix[i]! - c0.x, h.iy[i]! - c0.y) > radiusPx) continue;
      w += c;
      sx += c * h.ix[i]!;
      sy += c * h.iy[i]!;
      sxx += c * (h.ix[i]! ** 2 + h.iy[i]! ** 2);
    }
    const cx = sx / w,
      cy = sy / w;
    c0 = { x: cx, y: cy };
    out = { cx, cy, rms: Math.sqrt(Math.max(0, sxx / w - cx * cx - cy * cy)) };
  }
  return { n, maxAdc, ...out };
}

function sample(n: number, make: (rng: Rng) => Hits, seed: number): Hits[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => make(rng.fork()));
}
const signal = (n: number, seed: number): Hits[] =>
  sample(n, (r) => generateEvent(g, cfg, 'signal', r, { energyGeV: 30 }).hits, seed);

test('dark photon: two showers that separate downstream (second-station spread above a single shower of the same energy)', () => {
  const fixed = parseSimulation({ energyRangeGeV: [30, 30.001] });
  const dp = sample(60, (r) => createExoticGenerator(g, fixed).exotic('dark-photon', r).hits, 11).map(
    (h) => station(h, 1).rms,
  );
  const one = signal(60, 12).map((h) => station(h, 1).rms);
  assert.ok(median(dp) > 1.3 * median(one), `dark photon ${median(dp)} px vs signal ${median(one)} px`);
});

test('late shower: nothing upstream but readout noise, a shower in the last station', () => {
  const evs = sample(40, (r) => gen.exotic('late-shower', r).hits, 21);
  for (const h of evs)
    assert.ok(station(h, 0).n + station(h, 1).n <= 30, 'stations 0 and 1 hold only dark noise');
  assert.ok(median(evs.map((h) => station(h, 2).n)) > 50);
});

test('wide angle: the shower centre moves by more than 0.25 x 13 cm between the first two stations', () => {
  const move = (h: Hits): number =>
    Math.hypot(station(h, 1).cx - station(h, 0).cx, station(h, 1).cy - station(h, 0).cy) * 0.05;
  const wide = sample(40, (r) => gen.exotic('wide-angle', r).hits, 31).map(move);
  const sig = signal(40, 32).map(move);
  assert.ok(median(wide) > 3.25, `wide ${median(wide)} cm`);
  assert.ok(median(sig) < 0.5, `signal ${median(sig)} cm`);
});

test('slow track: a saturating pixel in every station, far above any muon crossing', () => {
  const slow = sample(30, (r) => gen.exotic('slow-track', r).hits, 41);
  const mu = sample(30, (r) => generateEvent(g, cfg, 'muon', r).hits, 42);
  const muMax = Math.max(...mu.flatMap((h) => [0, 1, 2].map((k) => station(h, k).maxAdc)));
  for (const h of slow)
    for (const k of [0, 1, 2])
      assert.ok(
        station(h, k).maxAdc > 2 * muMax,
        `station ${k}: ${station(h, k).maxAdc} vs muon max ${muMax}`,
      );
});

test('faults: hot cluster fills its block, dead region empties it and leaves the rest, noisy burst floods one station', () => {
  const rng = new Rng(51);
  const base = generateEvent(g, cfg, 'neutrino', rng.fork(), { energyGeV: 80, x0Cm: 0, y0Cm: 0 });
  const hot = drawFault(g, 'hot-cluster', rng);
  const inBlock = (h: Hits, f: typeof hot): number[] =>
    [...h.station.keys()].filter(
      (i) =>
        h.station[i] === f.station &&
        h.ix[i]! >= f.x0 &&
        h.ix[i]! < f.x1 &&
        h.iy[i]! >= f.y0 &&
        h.iy[i]! < f.y1,
    );
  const side = (hot.x1 - hot.x0) * (hot.y1 - hot.y0);
  assert.ok(inBlock(applyFault(g, hot, base.hits, cfg.response, rng), hot).length >= 0.6 * side);
  // A dead region over the plane centre, where the shower is.
  const dead = { ...drawFault(g, 'dead-region', rng), station: 1, x0: 600, x1: 1200, y0: 450, y1: 1050 };
  const before = inBlock(base.hits, dead).length;
  const after = applyFault(g, dead, base.hits, cfg.response, rng);
  assert.ok(before > 50, `the shower is in the region (${before} hits)`);
  assert.equal(inBlock(after, dead).length, 0);
  assert.equal(after.station.length, base.hits.station.length - before);
  const noisy = { ...drawFault(g, 'noisy-burst', rng), station: 2, meanHits: 500 };
  const flooded = applyFault(g, noisy, base.hits, cfg.response, rng);
  assert.ok(station(flooded, 2).n - station(base.hits, 2).n > 400);
  assert.equal(station(flooded, 0).n, station(base.hits, 0).n);
});

test('injection: off by default; exotic events only inside the window at about the rate, time-ordered, reproducible', () => {
  const frames = (sim: ReturnType<typeof createSimulator>, n: number) =>
    Array.from({ length: n }, () => sim.next());
  const plain = frames(createSimulator(g, { ...cfg, startTimeNs: 0 }, 'r'), 400);
  assert.ok(plain.every((f) => f.truth?.exotic === undefined));
  const icfg = parseSimulation({
    startTimeNs: 0,
    inject: [parseInjectFlag('slow-track:40:1:2'), parseInjectFlag('noisy-burst:1000:3:1')],
  });
  const a = frames(createSimulator(g, icfg, 'r'), 400);
  const b = frames(createSimulator(g, icfg, 'r'), 400);
  assert.deepEqual(
    a.map((f) => f.eventId),
    b.map((f) => f.eventId),
  );
  const t = (f: (typeof a)[number]): number => Number(f.timestampNs) / 1e9;
  for (let i = 1; i < a.length; i++) assert.ok(a[i]!.timestampNs >= a[i - 1]!.timestampNs);
  const slow = a.filter((f) => f.truth?.exotic === 'slow-track');
  assert.ok(slow.every((f) => t(f) >= 1 && t(f) < 3));
  assert.ok(slow.length > 40 && slow.length < 130, `${slow.length} slow tracks in 2 s at 40 Hz`);
  const noisy = a.filter((f) => f.truth?.exotic === 'noisy-burst');
  const ordinaryIn = a.filter((f) => t(f) >= 3 && t(f) < 4 && f.truth?.exotic !== 'slow-track');
  assert.ok(
    ordinaryIn.length > 0 && noisy.length === ordinaryIn.length,
    'every ordinary event in the window carries the fault',
  );
  assert.ok(a.filter((f) => t(f) >= 4 || t(f) < 1).every((f) => f.truth?.exotic === undefined));
});
