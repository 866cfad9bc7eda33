/**
 * ν e⁻ → ν e⁻ (the irreducible background of the χe signal): one forward electron, E_e·θ² < 2mₑ.
 * Species in proportion to their elastic yields (nu-flux.ts), E_ν from the flux weighted by σ ∝ E,
 * y = T/E_ν from the tree-level dσ/dy (g_V, g_A), the angle from two-body kinematics.
 */
import type { PhysicsConfig } from '../config/index.js';
import type { Rng } from '../domain/index.js';
import { recoilAngle } from './kinematics.js';
import {
  drawNeutrinoEnergy,
  elasticShape,
  elasticSlopeCm2PerGeV,
  electronCouplings,
  SPECIES,
  speciesFlux,
  type Species,
} from './nu-flux.js';

export interface ElasticScatter {
  readonly species: Species;
  readonly neutrinoEnergyGeV: number;
  readonly kineticGeV: number;
  readonly theta: number;
}

/** Relative elastic yield per species: N_CC·(σ_el/E)/(σ_CC/E). */
export function elasticSpeciesWeights(p: PhysicsConfig): number[] {
  return SPECIES.map((s) => {
    const f = speciesFlux(p, s);
    return (f.ccInteractions * elasticSlopeCm2PerGeV(p.crossSections.sin2ThetaW, s)) / f.ccSlope;
  });
}

export function pickWeighted<T>(rng: Rng, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.uniform() * total;
  for (let i = 0; i < items.length; i++) {
    u -= weights[i]!;
    if (u < 0) return items[i]!;
  }
  return items[items.length - 1]!;
}

/** y ∈ [0, 1] from dσ/dy ∝ (g_V ± g_A)² + (g_V ∓ g_A)²(1 − y)², by rejection. */
export function drawElasticY(rng: Rng, sin2ThetaW: number, s: Species): number {
  const { gV, gA } = electronCouplings(sin2ThetaW, s);
  const anti = s.startsWith('anti');
  const max = Math.max(elasticShape(gV, gA, anti, 0), elasticShape(gV, gA, anti, 1));
  for (;;) {
    const y = rng.uniform();
    if (rng.uniform() * max < elasticShape(gV, gA, anti, y)) return y;
  }
}

/** One ν–e scatter with electron kinetic energy in [tLo, tHi] GeV. */
export function drawElastic(
  rng: Rng,
  p: PhysicsConfig,
  tLo: number,
  tHi: number,
  weights = elasticSpeciesWeights(p),
): ElasticScatter {
  for (let i = 0; i < 100_000; i++) {
    const species = pickWeighted(rng, SPECIES, weights);
    const e = drawNeutrinoEnergy(rng, speciesFlux(p, species), 1, 0.1, p.flux.maxEnergyGeV);
    const t = drawElasticY(rng, p.crossSections.sin2ThetaW, species) * e;
    if (t >= tLo && t <= tHi)
      return { species, neutrinoEnergyGeV: e, kineticGeV: t, theta: recoilAngle(t, e, 0) };
  }
  throw new RangeError(`no ν–e recoil in [${tLo}, ${tHi}] GeV`);
}
