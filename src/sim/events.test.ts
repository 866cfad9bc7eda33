import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SIMULATION, type SimulationConfig } from '../config/index.js';
import {
  checkHits,
  DEFAULT_GEOMETRY,
  EVENT_CLASSES,
  hitsPerStation,
  leadFraction,
  pixelsX,
  pixelToXCm,
  pixelToYCm,
  planeZCm,
  Rng,
  type Hits,
} from '../domain/index.js';
import { ELECTRON_MASS_GEV, generateEvent } from './events.js';
import { gflashParams } from './longitudinal.js';
import { depthAtStationX0 } from './shower.js';

const g = DEFAULT_GEOMETRY;
// the shower tests need energies over the whole range: the flat signal spectrum
const quiet: SimulationConfig = { ...DEFAULT_SIMULATION, darkHitsPerStation: 0, signalSpectrum: 'flat' };

function bytes(h: Hits): Buffer {
  return Buffer.concat(
    [h.station, h.ix, h.iy, h.count].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)),
  );
}
function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

test('the same seed and options give byte-identical hits; another seed does not', () => {
  for (const cls of EVENT_CLASSES) {
    const a = generateEvent(g, DEFAULT_SIMULATION, cls, new Rng(42));
    const b = generateEvent(g, DEFAULT_SIMULATION, cls, new Rng(42));
    const c = generateEvent(g, DEFAULT_SIMULATION, cls, new Rng(43));
    assert.ok(bytes(a.hits).equals(bytes(b.hits)), cls);
    assert.deepEqual(a.truth, b.truth);
    assert.ok(!bytes(a.hits).equals(bytes(c.hits)), cls);
  }
});

test('hits of every class are on the plane, positive and sorted by station, then iy, then ix', () => {
  const rng = new Rng(7);
  const nx = pixelsX(g);
  for (const cls of EVENT_CLASSES) {
    for (let i = 0; i < 50; i++) {
      const { hits, truth } = generateEvent(g, DEFAULT_SIMULATION, cls, rng);
      assert.equal(truth.eventClass, cls);
      const v = checkHits(hits, g, 1e7);
      assert.ok(
        v.status === 'ok' || v.status === 'single_station' || v.status === 'no_hits',
        `${cls}: ${v.status} ${v.detail}`,
      );
      for (let h = 1; h < hits.count.length; h++) {
        const prev = hits.station[h - 1]! * 1e8 + hits.iy[h - 1]! * nx + hits.ix[h - 1]!;
        const cur = hits.station[h]! * 1e8 + hits.iy[h]! * nx + hits.ix[h]!;
        assert.ok(cur > prev, `${cls}: hit ${h} out of order or duplicated`);
      }
    }
  }
});

test('summed counts and hit counts rise linearly with energy', (t) => {
  const rng = new Rng(99);
  const n = 400;
  const es: number[] = [];
  const counts: number[] = [];
  const nHits: number[] = [];
  for (let i = 0; i < n; i++) {
    const { hits, truth } = generateEvent(g, quiet, 'signal', rng);
    es.push(truth.energyGeV);
    counts.push(sum(hits.count));
    nHits.push(hits.count.length);
  }
  for (const [name, ys] of [
    ['summed counts', counts],
    ['hits', nHits],
  ] as const) {
    const fit = linearFit(es, ys);
    t.diagnostic(
      `${name} = ${fit.intercept.toFixed(1)} + ${fit.slope.toFixed(2)}·E[GeV]; r = ${fit.r.toFixed(3)}; residual rms ${fit.rms.toFixed(1)} (${((100 * fit.rms) / fit.meanY).toFixed(1)} % of mean ${fit.meanY.toFixed(1)})`,
    );
    assert.ok(fit.slope > 0, name);
    assert.ok(fit.r > 0.9, `${name}: r = ${fit.r}`);
  }
  // Linear, not merely monotonic: mean counts at 80–100 GeV over those at 8–10 GeV are ~10× (Rossi: y/√ln y).
  const band = (lo: number, hi: number): number => {
    const sel = counts.filter((_, i) => es[i]! >= lo && es[i]! < hi);
    return sum(sel) / sel.length;
  };
  const ratio = band(80, 100) / band(8, 12);
  t.diagnostic(`<counts>(80–100 GeV) / <counts>(8–12 GeV) = ${ratio.toFixed(2)} (energy ratio 9)`);
  assert.ok(ratio > 6 && ratio < 14, `ratio ${ratio}`);
});

test('a plane at the shower maximum sees Rossi B particles on average (full hit path, within 20 %)', (t) => {
  const e = 50;
  const y = (e * 1000) / g.lead.criticalEnergyMeV;
  const tMax = Math.exp(gflashParams(y, g.lead.atomicNumber).meanLnT);
  // Origin inside brick 0 such that the lead in front of plane 0 is tMax radiation lengths.
  const dCm = -g.brickToPlaneGapCm - (tMax * g.lead.radiationLengthCm) / leadFraction(g);
  assert.ok(Math.abs(depthAtStationX0(g, dCm, 0) - tMax) < 1e-9);
  const rng = new Rng(5);
  // A linear readout (no saturation, no noise): the mean ADC sum over the mean ADC per MIP counts particles.
  const r = { ...quiet.response, sipmCellsPerPixel: 1e6, electronicNoisePe: 0 };
  const adcPerMip = (r.photoelectronsPerMip * r.adcCountsPerPe) / (1 - r.crossTalkProbability);
  let s = 0;
  const n = 300;
  for (let i = 0; i < n; i++) {
    const { hits } = generateEvent(g, { ...quiet, response: r }, 'signal', rng, {
      energyGeV: e,
      dCm,
      slopeX: 0,
      slopeY: 0,
    });
    for (let h = 0; h < hits.count.length; h++) if (hits.station[h] === 0) s += hits.count[h]! / adcPerMip;
  }
  const rossi = (0.31 * y) / Math.sqrt(Math.log(y) - 0.37);
  t.diagnostic(
    `E=${e} GeV at t=${tMax.toFixed(2)} X0: mean particles ${(s / n).toFixed(1)}, Rossi B ${rossi.toFixed(1)}`,
  );
  assert.ok(Math.abs(s / n / rossi - 1) < 0.2, `${s / n} vs ${rossi}`);
});

test('signal electrons are forward (E·θ² < 2 mₑ) and the shower centre drifts with the slope', () => {
  const rng = new Rng(12);
  for (let i = 0; i < 200; i++) {
    const { truth } = generateEvent(g, quiet, 'signal', rng);
    const th2 = truth.slopeX ** 2 + truth.slopeY ** 2;
    assert.ok(truth.energyGeV * th2 <= 2 * ELECTRON_MASS_GEV * (1 + 1e-12));
  }
  const slopeX = 0.2; // exaggerated so that the drift (2.6 cm per station) dwarfs the statistical error
  const fixed = { energyGeV: 80, slopeX, slopeY: 0, x0Cm: 0, y0Cm: 0, dCm: -3 };
  const xs: number[][] = Array.from({ length: g.nStations }, () => []);
  const r2 = new Rng(3);
  for (let i = 0; i < 50; i++) {
    const { hits } = generateEvent(g, quiet, 'signal', r2, fixed);
    for (let h = 0; h < hits.count.length; h++) {
      xs[hits.station[h]!]!.push(pixelToXCm(g, hits.ix[h]!));
    }
  }
  for (let k = 0; k < g.nStations; k++) {
    const sorted = xs[k]!.sort((p, q) => p - q);
    const median = sorted[sorted.length >> 1]!;
    const want = slopeX * (planeZCm(g, k) - fixed.dCm);
    // Median over hit pixels (robust to the heavy tail) close to the drifting axis.
    assert.ok(Math.abs(median - want) < 0.1, `station ${k}: median x ${median} vs axis ${want}`);
  }
});

test('fixed truth values are honoured and the other draws do not move', () => {
  const a = generateEvent(g, quiet, 'signal', new Rng(77)).truth;
  const b = generateEvent(g, quiet, 'signal', new Rng(77), { energyGeV: 33, dCm: -2 }).truth;
  assert.equal(b.energyGeV, 33);
  assert.equal(b.dCm, -2);
  assert.equal(b.x0Cm, a.x0Cm);
  assert.equal(b.y0Cm, a.y0Cm);
});

test('muons give about one hit per station, noise-only events the configured dark counts', () => {
  const rng = new Rng(2);
  const n = 500;
  const perStation = new Array<number>(g.nStations).fill(0);
  for (let i = 0; i < n; i++) {
    const { hits } = generateEvent(g, quiet, 'muon', rng);
    hitsPerStation(hits, g.nStations).forEach((c, k) => (perStation[k]! += c));
  }
  for (const c of perStation) assert.ok(c / n > 0.95 && c / n < 1.15, `muon hits/station ${c / n}`);
  const cfg = { ...DEFAULT_SIMULATION, darkHitsPerStation: 8 };
  let total = 0;
  for (let i = 0; i < n; i++) total += generateEvent(g, cfg, 'noise', rng).hits.count.length;
  const mean = total / n / g.nStations;
  assert.ok(Math.abs(mean - 8) < 0.3, `dark hits/station ${mean}`);
});

test('neutrino events are wider than signal showers of the same energy', () => {
  const rng = new Rng(31);
  const rms = (cls: 'signal' | 'neutrino'): number => {
    let s2 = 0,
      sc = 0;
    for (let i = 0; i < 200; i++) {
      const { hits, truth } = generateEvent(g, quiet, cls, rng, { energyGeV: 40, dCm: -4 });
      for (let h = 0; h < hits.count.length; h++) {
        if (hits.station[h] !== 2) continue;
        const z = planeZCm(g, 2) - truth.dCm;
        const dx = pixelToXCm(g, hits.ix[h]!) - truth.x0Cm - truth.slopeX * z;
        const dy = pixelToYCm(g, hits.iy[h]!) - truth.y0Cm - truth.slopeY * z;
        s2 += hits.count[h]! * (dx * dx + dy * dy);
        sc += hits.count[h]!;
      }
    }
    return Math.sqrt(s2 / sc);
  };
  const sig = rms('signal');
  const nu = rms('neutrino');
  assert.ok(nu > 1.3 * sig, `rms radius neutrino ${nu} cm vs signal ${sig} cm`);
});

test('hot pixels fire in every event and dead pixels never do', () => {
  const hotCfg: SimulationConfig = { ...quiet, hotPixelsPerStation: 4 };
  const first = generateEvent(g, hotCfg, 'noise', new Rng(1)).hits;
  assert.equal(first.count.length, 4 * g.nStations);
  const second = generateEvent(g, hotCfg, 'noise', new Rng(2)).hits;
  const where = (h: Hits): string => JSON.stringify([[...h.station], [...h.ix], [...h.iy]]);
  assert.equal(where(first), where(second), 'same hot pixels in every event');
  assert.ok(
    [...first.count].every((c) => c >= quiet.response.thresholdPe * quiet.response.adcCountsPerPe),
    'hot pixels read above threshold',
  );
  const deadCfg: SimulationConfig = {
    ...DEFAULT_SIMULATION,
    darkHitsPerStation: 200,
    deadPixelFraction: 0.3,
  };
  const rng = new Rng(4);
  let seen = 0;
  for (let i = 0; i < 50; i++) seen += generateEvent(g, deadCfg, 'noise', rng).hits.count.length;
  const live = seen / (50 * 200 * g.nStations);
  assert.ok(Math.abs(live - 0.7) < 0.03, `live fraction ${live}`);
});

function linearFit(x: readonly number[], y: readonly number[]) {
  const n = x.length;
  const mx = sum(x) / n;
  const my = sum(y) / n;
  let sxx = 0,
    sxy = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i]! - mx) ** 2;
    sxy += (x[i]! - mx) * (y[i]! - my);
    syy += (y[i]! - my) ** 2;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (y[i]! - intercept - slope * x[i]!) ** 2;
  return { slope, intercept, r: sxy / Math.sqrt(sxx * syy), rms: Math.sqrt(rss / n), meanY: my };
}
