/**
 * Hit-level signatures of the neutrino classes, on the simulated charged particles per pixel
 * (before the readout): one shower for ν–e elastic, the proton stub of νe CCQE where the proton
 * reaches a plane, two photon showers for NC π⁰.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SIMULATION } from '../config/index.js';
import {
  DEFAULT_GEOMETRY,
  pixelToXCm,
  pixelToYCm,
  planeZCm,
  Rng,
  type Hits,
  type ShowerTruth,
} from '../domain/index.js';
import { Pixeliser } from './deposit.js';
import { slopesOf } from './kinematics.js';
import {
  drawNeutrinoClass,
  neutrinoWriterOf,
  zAtLeadDepth,
  type NeutrinoClass,
  type NeutrinoDraw,
} from './neutrino-events.js';
import {
  PROTON_DEDX_MIN_MEV_PER_CM,
  protonDedxMeVPerCm,
  protonEnergyAfter,
  protonRangeCm,
} from './proton-range.js';
import { countModelOf, depthAtStationX0 } from './shower.js';

const g = DEFAULT_GEOMETRY;
const pix = new Pixeliser(g);
const counts = countModelOf({ ...DEFAULT_SIMULATION, countFluctuation: 'poisson' });

/** One event's particles (no readout), with its draw; vertex at the plane centre, d given. */
function particles(
  cls: NeutrinoClass,
  rng: Rng,
  dCm: number,
): { draw: NeutrinoDraw; truth: ShowerTruth; hits: Hits } {
  const draw = drawNeutrinoClass(cls, DEFAULT_SIMULATION, rng);
  const truth: ShowerTruth = {
    energyGeV: draw.energyGeV,
    x0Cm: 0,
    y0Cm: 0,
    dCm,
    slopeX: draw.slopeX,
    slopeY: draw.slopeY,
  };
  pix.seed(rng);
  const write = neutrinoWriterOf(g, truth, draw.extra, counts, pix, rng);
  for (let k = 0; k < g.nStations; k++) {
    write(k);
    pix.acc.flushStation(k);
  }
  return { draw, truth, hits: pix.acc.takeHits() };
}

/** Summed count at station k within r cm of (x, y). */
function countNear(h: Hits, k: number, x: number, y: number, r: number): number {
  let s = 0;
  for (let i = 0; i < h.station.length; i++) {
    if (h.station[i] !== k) continue;
    if (Math.hypot(pixelToXCm(g, h.ix[i]!) - x, pixelToYCm(g, h.iy[i]!) - y) <= r) s += h.count[i]!;
  }
  return s;
}
const total = (h: Hits, k: number): number => countNear(h, k, 0, 0, 1e9);

test('ν–e elastic: one forward shower: at its fullest station ≥ 80 % of the particles within 3 cm of its axis', () => {
  const rng = new Rng(51);
  for (let i = 0; i < 40; i++) {
    const { truth, hits } = particles('nuElastic', rng, -4);
    const k = [0, 1, 2].reduce((best, s) => (total(hits, s) > total(hits, best) ? s : best), 0);
    const dz = planeZCm(g, k) - truth.dCm;
    const near = countNear(hits, k, truth.slopeX * dz, truth.slopeY * dz, 3);
    assert.ok(
      near >= 0.8 * total(hits, k),
      `station ${k}: ${near} of ${total(hits, k)} near the axis (E ${truth.energyGeV.toFixed(1)} GeV)`,
    );
  }
});

test('νe CCQE: a visible proton leaves its dE/dx stub where the range says; none beyond its range', (t) => {
  const rng = new Rng(52);
  let visible = 0;
  let protons = 0;
  for (let i = 0; i < 300; i++) {
    const { draw, truth, hits } = particles('nueCCQE', rng, -0.6);
    if (draw.extra.kind !== 'nueCCQE' || !draw.extra.qe.proton) continue;
    protons++;
    const qe = draw.extra.qe;
    const s = slopesOf(qe.nucleonTheta, qe.nucleonPhi);
    const pf = Math.hypot(1, s.slopeX, s.slopeY);
    const leadCm = depthAtStationX0(g, truth.dCm, 0, pf) * g.lead.radiationLengthCm;
    const dz = -truth.dCm;
    const px = s.slopeX * dz;
    const py = s.slopeY * dz;
    if (protonRangeCm(qe.nucleonKineticGeV) <= leadCm) continue;
    visible++;
    const mips = Math.max(
      1,
      Math.round(
        protonDedxMeVPerCm(protonEnergyAfter(qe.nucleonKineticGeV, leadCm)) / PROTON_DEDX_MIN_MEV_PER_CM,
      ),
    );
    // the stub's pixel holds at least its ionisation (shower particles may add to it)
    assert.ok(
      countNear(hits, 0, px, py, 0.05) >= mips,
      `proton T ${qe.nucleonKineticGeV.toFixed(3)} GeV: ${countNear(hits, 0, px, py, 0.05)} < ${mips}`,
    );
  }
  t.diagnostic(`${visible} of ${protons} protons reach the first plane from d = −0.6 cm`);
  assert.ok(visible > 0.2 * protons && visible < protons, `${visible} of ${protons} visible`);
});

/** Count-weighted variance of station-k hits within r of (cx, cy), along the unit vector (ux, uy) and across it. */
function spreads(
  h: Hits,
  k: number,
  cx: number,
  cy: number,
  ux: number,
  uy: number,
  r: number,
): { along: number; across: number } {
  let w = 0;
  let sa = 0;
  let sc = 0;
  let saa = 0;
  let scc = 0;
  for (let i = 0; i < h.station.length; i++) {
    if (h.station[i] !== k) continue;
    const dx = pixelToXCm(g, h.ix[i]!) - cx;
    const dy = pixelToYCm(g, h.iy[i]!) - cy;
    if (Math.hypot(dx, dy) > r) continue;
    const a = dx * ux + dy * uy;
    const c = -dx * uy + dy * ux;
    const n = h.count[i]!;
    w += n;
    sa += n * a;
    sc += n * c;
    saa += n * a * a;
    scc += n * c * c;
  }
  return w === 0
    ? { along: 0, across: 0 }
    : { along: saa / w - (sa / w) ** 2, across: scc / w - (sc / w) ** 2 };
}

test('NC π⁰: two photon showers: the hits spread along the line joining the photons by their separation', (t) => {
  const rng = new Rng(53);
  let checked = 0;
  let pairs = 0;
  let excess = 0; // Σ (variance along − across), cm²
  let predicted = 0; // Σ w_a·w_b·s² with w ∝ photon energy
  let most = 0; // Σ s²/4: the largest excess two showers can give (equal weights)
  const k = 1;
  for (let i = 0; i < 4000 && checked < 25; i++) {
    const { draw, truth, hits } = particles('ncPi0', rng, -7);
    if (draw.extra.kind !== 'ncPi0') continue;
    pairs++;
    const dz = planeZCm(g, k) - truth.dCm;
    const [a, b] = draw.extra.pi0.photons;
    const conv = [a, b].map((ph) =>
      zAtLeadDepth(g, truth.dCm, ph.conversionX0, Math.hypot(1, ph.slopeX, ph.slopeY)),
    );
    const sx = (b.slopeX - a.slopeX) * dz;
    const sy = (b.slopeY - a.slopeY) * dz;
    const sep = Math.hypot(sx, sy);
    // both convert in the first brick, each carries ≥ 2 GeV (alive at station 1), and they are 1–6 cm apart at station 1
    if (!(conv[0]! < 0 && conv[1]! < 0 && a.energyGeV >= 2 && b.energyGeV >= 2 && sep >= 1 && sep <= 6))
      continue;
    checked++;
    const wa = a.energyGeV / (a.energyGeV + b.energyGeV);
    const cx = (wa * a.slopeX + (1 - wa) * b.slopeX) * dz;
    const cy = (wa * a.slopeY + (1 - wa) * b.slopeY) * dz;
    const v = spreads(hits, k, cx, cy, sx / sep, sy / sep, 8);
    excess += v.along - v.across;
    predicted += wa * (1 - wa) * sep * sep;
    most += (sep * sep) / 4;
  }
  t.diagnostic(
    `${checked} of ${pairs} pairs checked: variance along − across ${excess.toFixed(1)} cm²; two showers give ${predicted.toFixed(1)} (energy weights) to ${most.toFixed(1)} (equal weights)`,
  );
  assert.ok(checked >= 15, `only ${checked} pairs`);
  // at least half the two-shower elongation (inclined showers add their own elongation along their slopes)
  assert.ok(excess > 0.5 * predicted, `${excess} vs ${predicted}..${most}`);
});
