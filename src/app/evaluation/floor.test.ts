import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SIMULATION as DEFAULT_SIM, type SimulationConfig } from '../../config/index.js';

/** Resolutions over the whole energy range: the flat signal spectrum. */
const DEFAULT_SIMULATION: SimulationConfig = { ...DEFAULT_SIM, signalSpectrum: 'flat' };
import { DEFAULT_GEOMETRY, Rng } from '../../domain/index.js';
import { evaluationMarkdown } from '../../report/index.js';
import { generateEvent } from '../../sim/index.js';
import { FLOOR_NAMES, idealReadoutRows, informationFloor } from './floor.js';

const g = DEFAULT_GEOMETRY;

test('the ideal readout is the truth particle count per pixel: no dark hits, no threshold losses, no ADC scale', () => {
  const rng = new Rng(5);
  const noise = generateEvent(g, DEFAULT_SIMULATION, 'noise', rng);
  assert.ok(noise.hits.count.length > 0, 'dark noise fires pixels in the readout');
  assert.equal(noise.particles.count.length, 0, 'no particle crossed any pixel');
  const shower = generateEvent(g, DEFAULT_SIMULATION, 'signal', rng, { energyGeV: 50 });
  const particles = shower.particles.count.reduce((a, b) => a + b, 0);
  assert.ok(particles > 500, `a 50 GeV shower puts ${particles} particles through the planes`);
  // One MIP reads ~16 pe × 4 ADC counts: the readout's scale is far from one count per particle.
  assert.ok(shower.hits.count.reduce((a, b) => a + b, 0) > 10 * particles);
  const rows = idealReadoutRows(g, DEFAULT_SIMULATION, 5, 9);
  assert.equal(rows.x.length, 5 * (rows.p + 1));
  for (let i = 0; i < 5; i++)
    assert.equal(rows.x[i * (rows.p + 1) + rows.p], rows.dCm[i], 'the last column is the true d');
});

test('the information floors train, calibrate and score on their own showers; the true-d row reports E only', () => {
  const [ideal, trueD] = informationFloor(g, DEFAULT_SIMULATION, {
    trainEvents: 1200,
    calibrationEvents: 400,
    testEvents: 400,
    seed: 3,
  });
  assert.equal(ideal!.name, FLOOR_NAMES[0]);
  assert.equal(trueD!.name, FLOOR_NAMES[1]);
  assert.equal(ideal!.energy.n, 400);
  // Sane, not a free lunch: the shower's own fluctuations (profile, lateral, plane counts) stay in the ideal readout.
  for (const m of [ideal!, trueD!])
    assert.ok(m.energy.sigma > 0.1 && m.energy.sigma < 0.45, `${m.name}: σ(ΔE/E) ${m.energy.sigma}`);
  assert.ok(ideal!.d.sigma > 0.2 && ideal!.d.sigma < 1.5, `σ(d) ${ideal!.d.sigma}`);
  assert.equal(trueD!.d.n, 0, 'no d estimate when the true d is an input');
  const md = evaluationMarkdown({
    title: 't',
    notes: [],
    energyVertex: [ideal!, ideal!],
    transverse: [],
    efficiency: [],
    targets: [],
    floor: [ideal!, trueD!],
  });
  assert.match(md, /## Information floors/);
  assert.match(md, /floor: GBT 18 f\. \+ true d/);
});
