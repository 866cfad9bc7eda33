import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SIMULATION, type SimulationConfig } from '../config/index.js';
import { DEFAULT_GEOMETRY, Rng } from '../domain/index.js';
import { generateEvent } from './events.js';

const g = DEFAULT_GEOMETRY;

/** Relative spread over showers of a per-station statistic of the charged particles (ideal readout). */
function spreadOf(
  sim: SimulationConfig,
  stat: (ix: number[], w: number[]) => number,
  n = 150,
): { mean: number; rel: number } {
  const rng = new Rng(8);
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = generateEvent(g, { ...sim, darkHitsPerStation: 0 }, 'signal', rng, {
      energyGeV: 40,
      dCm: -3,
      x0Cm: 0,
      y0Cm: 0,
      slopeX: 0,
      slopeY: 0,
    }).particles;
    const ix: number[] = [];
    const w: number[] = [];
    for (let k = 0; k < p.station.length; k++)
      if (p.station[k] === 1) (ix.push(p.ix[k]!), w.push(p.count[k]!));
    v.push(stat(ix, w));
  }
  const m = v.reduce((a, b) => a + b, 0) / n;
  return { mean: m, rel: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / n) / m };
}
const total = (_: number[], w: number[]): number => w.reduce((a, b) => a + b, 0);
/** Mean |x − x0| within 2 cm of the axis (pixels): the core's width (the tail's variance diverges). */
const coreWidth = (ix: number[], w: number[]): number => {
  const x0 = g.planeWidthCm * 10; // the axis is at the plane centre: pixel nx/2 = width in mm / 0.5 mm / 2
  let s = 0;
  let sw = 0;
  ix.forEach((x, i) => {
    const d = Math.abs(x + 0.5 - x0 / (2 * g.pixelPitchMm));
    if (d < 40) ((s += d * w[i]!), (sw += w[i]!));
  });
  return s / sw;
};

test('the sampling model: fixed E and d, the plane count spreads more with the Fano factor, the lateral width with the radius spread', () => {
  const base: SimulationConfig = {
    ...DEFAULT_SIMULATION,
    countFluctuation: 'sampling',
    fluctuations: { planeFanoFactor: 1, profileSpreadScale: 0, lateralRadiusSpread: 0 },
  };
  const poissonCount = spreadOf(base, total);
  const fano = spreadOf({ ...base, fluctuations: { ...base.fluctuations, planeFanoFactor: 16 } }, total);
  assert.ok(
    fano.rel > 2.5 * poissonCount.rel,
    `count spread F=16 ${fano.rel.toFixed(4)} vs Poisson ${poissonCount.rel.toFixed(4)} (√16 = 4×)`,
  );
  assert.ok(Math.abs(fano.mean / poissonCount.mean - 1) < 0.05, 'the mean count stays');
  const narrow = spreadOf(base, coreWidth);
  const wide = spreadOf(
    { ...base, fluctuations: { ...base.fluctuations, lateralRadiusSpread: 0.4 } },
    coreWidth,
  );
  assert.ok(wide.rel > 2 * narrow.rel, `width spread ${wide.rel.toFixed(3)} vs ${narrow.rel.toFixed(3)}`);
  const shape = spreadOf({ ...base, fluctuations: { ...base.fluctuations, profileSpreadScale: 1 } }, total);
  assert.ok(
    shape.rel > 2 * poissonCount.rel,
    `GFlash profile fluctuations move the plane count: ${shape.rel.toFixed(3)}`,
  );
});
