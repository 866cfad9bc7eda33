/**
 * The lateral model against the textbook statement that about 90 % of an EM shower's energy
 * lies within one Molière radius (PDG, §EM cascades), before any spread over the lead-to-plane gap.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SIMULATION } from '../config/index.js';
import {
  DEFAULT_GEOMETRY,
  leadFraction,
  pixelToXCm,
  pixelToYCm,
  Rng,
  type DetectorGeometry,
} from '../domain/index.js';
import { generateEvent } from './events.js';
import { gflashRadial, radialContainment, sampleRadius } from './lateral.js';
import { gflashParams, profileDensity, sampleProfile } from './longitudinal.js';

const Z = DEFAULT_GEOMETRY.lead.atomicNumber;
const EC_GEV = DEFAULT_GEOMETRY.lead.criticalEnergyMeV / 1000;

test('about 90 % of the depth-integrated GFlash lateral profile lies within one Molière radius', (t) => {
  for (const e of [1, 10, 100]) {
    const rng = new Rng(e);
    const p = gflashParams(e / EC_GEV, Z);
    let inside = 0;
    let total = 0;
    for (let s = 0; s < 500; s++) {
      const prof = sampleProfile(p, rng);
      for (let depth = 0.05; depth < 40; depth += 0.1) {
        const w = profileDensity(prof, depth);
        inside += w * radialContainment(gflashRadial(e, Z, depth / prof.tMax), 1);
        total += w;
      }
    }
    const f = inside / total;
    t.diagnostic(`E=${e} GeV: fraction within 1 R_M = ${f.toFixed(3)}`);
    assert.ok(f > 0.85 && f < 0.95, `E=${e}: ${f}`);
  }
});

test('sampled radii follow the analytic two-component CDF', () => {
  const rng = new Rng(4);
  const prof = gflashRadial(20, Z, 1.3);
  const n = 50000;
  const radii = [0.05, 0.2, 0.5, 1, 2];
  const below = radii.map(() => 0);
  for (let i = 0; i < n; i++) {
    const r = sampleRadius(prof, rng);
    radii.forEach((rr, j) => {
      if (r < rr) below[j]!++;
    });
  }
  radii.forEach((rr, j) => {
    const want = radialContainment(prof, rr);
    assert.ok(
      Math.abs(below[j]! / n - want) < 5 * Math.sqrt((want * (1 - want)) / n) + 1e-3,
      `r=${rr}: ${below[j]! / n} vs ${want}`,
    );
  });
});

test('pixelised showers with no gap keep about 90 % of their particles within one (brick) Molière radius of the axis', (t) => {
  const g: DetectorGeometry = { ...DEFAULT_GEOMETRY, brickToPlaneGapCm: 0 };
  const cfg = { ...DEFAULT_SIMULATION, darkHitsPerStation: 0 };
  const rm = g.lead.moliereRadiusCm / leadFraction(g);
  const rng = new Rng(8);
  let inside = 0;
  let total = 0;
  for (let i = 0; i < 300; i++) {
    const { hits, truth } = generateEvent(g, cfg, 'signal', rng, { slopeX: 0, slopeY: 0, x0Cm: 0, y0Cm: 0 });
    for (let h = 0; h < hits.count.length; h++) {
      const dx = pixelToXCm(g, hits.ix[h]!) - truth.x0Cm;
      const dy = pixelToYCm(g, hits.iy[h]!) - truth.y0Cm;
      const c = hits.count[h]!;
      total += c;
      if (dx * dx + dy * dy < rm * rm) inside += c;
    }
  }
  const f = inside / total;
  t.diagnostic(
    `count fraction within R_M,brick = ${rm.toFixed(3)} cm: ${f.toFixed(3)} of ${total} particles`,
  );
  assert.ok(f > 0.85 && f < 0.95, `fraction ${f}`);
});
