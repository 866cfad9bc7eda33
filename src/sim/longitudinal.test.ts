/**
 * The longitudinal model against published formulas: the PDG gamma profile
 * dE/dt = E b (bt)^(a−1) e^(−bt)/Γ(a) with b ≈ 0.5 and t_max = (a−1)/b = ln y − 0.5 for
 * electrons (PDG Review "Passage of particles through matter", §EM cascades), the GFlash
 * parameter formulas, and Rossi's approximation B for N_max.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_GEOMETRY, Rng } from '../domain/index.js';
import { logGamma as lnGamma } from '../numerics/index.js';
import {
  gflashParams,
  meanChargedProfile,
  meanLongitudinalProfile,
  rossiNmax,
  sampleProfile,
} from './longitudinal.js';

const EC_GEV = DEFAULT_GEOMETRY.lead.criticalEnergyMeV / 1000;
const Z = DEFAULT_GEOMETRY.lead.atomicNumber;
const DEPTHS = Array.from({ length: 400 }, (_, i) => 0.05 + 0.1 * i);

function pdgProfile(y: number, t: number): number {
  const b = 0.5;
  const a = b * (Math.log(y) - 0.5) + 1;
  return Math.exp(Math.log(b) + (a - 1) * Math.log(b * t) - b * t - lnGamma(a));
}

function argmax(a: ArrayLike<number>): number {
  let im = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[im]!) im = i;
  return im;
}

test('the mean longitudinal profile peaks near the PDG shower maximum ln y − 0.5 and follows the PDG gamma shape', (t) => {
  for (const e of [1, 10, 100]) {
    const y = e / EC_GEV;
    const mean = meanLongitudinalProfile(y, Z, DEPTHS, 3000, new Rng(e));
    const tPeak = DEPTHS[argmax(mean)]!;
    const tPdg = Math.log(y) - 0.5;
    let maxDiff = 0;
    let pdgPeak = 0;
    let m1 = 0;
    let m0 = 0;
    for (let i = 0; i < DEPTHS.length; i++) {
      const p = pdgProfile(y, DEPTHS[i]!);
      pdgPeak = Math.max(pdgPeak, p);
      maxDiff = Math.max(maxDiff, Math.abs(mean[i]! - p));
      m1 += DEPTHS[i]! * mean[i]!;
      m0 += mean[i]!;
    }
    const meanDepth = m1 / m0;
    const pdgMeanDepth = (0.5 * tPdg + 1) / 0.5;
    t.diagnostic(
      `E=${e} GeV: peak ${tPeak.toFixed(2)} X0 vs PDG ${tPdg.toFixed(2)}; <t> ${meanDepth.toFixed(2)} vs ${pdgMeanDepth.toFixed(2)}; max |Δ|/peak ${(maxDiff / pdgPeak).toFixed(3)}`,
    );
    assert.ok(Math.abs(tPeak - tPdg) < 0.6, `E=${e}: peak at ${tPeak} X0, PDG ${tPdg}`);
    assert.ok(Math.abs(meanDepth - pdgMeanDepth) < 0.6, `E=${e}: mean depth ${meanDepth} vs ${pdgMeanDepth}`);
    assert.ok(maxDiff / pdgPeak < 0.15, `E=${e}: shape differs by ${maxDiff / pdgPeak} of the peak`);
  }
});

test('the charged-particle count at the mean profile maximum agrees with Rossi approximation B within 20 %', (t) => {
  for (const e of [1, 10, 100]) {
    const y = e / EC_GEV;
    const prof = meanChargedProfile(y, Z, DEPTHS, 3000, new Rng(100 + e));
    const peak = prof[argmax(prof)]!;
    const rossi = (0.31 * y) / Math.sqrt(Math.log(y) - 0.37);
    t.diagnostic(
      `E=${e} GeV: N_max(sim mean profile) ${peak.toFixed(1)}, Rossi B ${rossi.toFixed(1)}, ratio ${(peak / rossi).toFixed(3)}`,
    );
    assert.ok(Math.abs(peak / rossi - 1) < 0.2, `E=${e}: ${peak} vs ${rossi}`);
    assert.ok(Math.abs(rossiNmax(y) - rossi) < 1e-9 * rossi);
  }
});

test('GFlash parameters follow the Grindhammer–Peters formulas for lead', () => {
  const p = gflashParams(1000, 82);
  const ly = Math.log(1000);
  assert.ok(Math.abs(p.meanLnT - Math.log(ly - 0.812)) < 1e-12);
  assert.ok(Math.abs(p.sigmaLnT - 1 / (-1.4 + 1.26 * ly)) < 1e-12);
  assert.ok(Math.abs(p.meanLnAlpha - Math.log(0.81 + (0.458 + 2.26 / 82) * ly)) < 1e-12);
  assert.ok(Math.abs(p.sigmaLnAlpha - 1 / (-0.58 + 0.86 * ly)) < 1e-12);
  assert.ok(Math.abs(p.rho - (0.705 - 0.023 * ly)) < 1e-12);
  // Hand-evaluated at y = 1000 (ln y = 6.9078): T median 6.096 X0, α median 4.164.
  assert.ok(Math.abs(Math.exp(p.meanLnT) - 6.096) < 0.001);
  assert.ok(Math.abs(Math.exp(p.meanLnAlpha) - 4.164) < 0.001);
});

test('sampled (ln T, ln α) have the GFlash means, spreads and correlation', () => {
  const p = gflashParams(5000, 82);
  const rng = new Rng(21);
  const n = 40000;
  let st = 0,
    sa = 0,
    stt = 0,
    saa = 0,
    sta = 0;
  for (let i = 0; i < n; i++) {
    const s = sampleProfile(p, rng);
    const lt = Math.log(s.tMax);
    const la = Math.log(s.alpha);
    st += lt;
    sa += la;
    stt += lt * lt;
    saa += la * la;
    sta += lt * la;
    assert.ok(Math.abs(s.beta - (s.alpha - 1) / s.tMax) < 1e-12);
  }
  const mt = st / n,
    ma = sa / n;
  const vt = stt / n - mt * mt,
    va = saa / n - ma * ma;
  const rho = (sta / n - mt * ma) / Math.sqrt(vt * va);
  assert.ok(Math.abs(mt - p.meanLnT) < 0.005);
  assert.ok(Math.abs(ma - p.meanLnAlpha) < 0.005);
  assert.ok(Math.abs(Math.sqrt(vt) / p.sigmaLnT - 1) < 0.03);
  assert.ok(Math.abs(Math.sqrt(va) / p.sigmaLnAlpha - 1) < 0.03);
  assert.ok(Math.abs(rho - p.rho) < 0.02, `rho ${rho} vs ${p.rho}`);
});

test("the profile spread scale multiplies GFlash's spreads of ln T: 0 gives the median shower, 2 doubles the spread", () => {
  const p = gflashParams(2000, 82);
  const rng = new Rng(4);
  // The median shower: ln T and ln α at their means (α floored at 1.05 as in sampleProfile).
  const tMax = Math.exp(p.meanLnT);
  const alpha = Math.max(1.05, Math.exp(p.meanLnAlpha));
  assert.deepEqual(sampleProfile(p, rng, 0), { tMax, alpha, beta: (alpha - 1) / tMax });
  const sd = (scale: number): number => {
    const v = Array.from({ length: 20000 }, () => Math.log(sampleProfile(p, rng, scale).tMax));
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
  };
  assert.ok(Math.abs(sd(1) / p.sigmaLnT - 1) < 0.03, `${sd(1)} vs ${p.sigmaLnT}`);
  assert.ok(Math.abs(sd(2) / (2 * p.sigmaLnT) - 1) < 0.03);
});
