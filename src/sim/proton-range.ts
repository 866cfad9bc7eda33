/**
 * Protons in the brick: Bethe mean stopping power in lead (PDG "Passage of particles through
 * matter": K = 0.307075 MeV cm²/g, Z/A = 0.39575, I = 823 eV, ρ = 11.35 g/cm³; no density or shell
 * correction, adequate for 10 MeV–2 GeV protons) and the CSDA range by integration. As for
 * showers, only the lead of the brick counts (the emulsion's stopping is neglected).
 */
import { ELECTRON_MASS_GEV, PROTON_MASS_GEV } from './kinematics.js';

const K = 0.307075; // MeV cm²/g
const Z_OVER_A = 0.39575;
const I_MEV = 823e-6;
const RHO = 11.35;

/** −dE/dx of a proton of kinetic energy T (GeV) in lead, MeV/cm. */
export function protonDedxMeVPerCm(kineticGeV: number): number {
  const M = PROTON_MASS_GEV * 1000;
  const me = ELECTRON_MASS_GEV * 1000;
  const gamma = 1 + (kineticGeV * 1000) / M;
  const b2 = 1 - 1 / (gamma * gamma);
  const bg2 = b2 * gamma * gamma;
  const wMax = (2 * me * bg2) / (1 + (2 * gamma * me) / M + (me / M) ** 2);
  return K * Z_OVER_A * RHO * (1 / b2) * (0.5 * Math.log((2 * me * bg2 * wMax) / (I_MEV * I_MEV)) - b2);
}

const T_MIN_GEV = 0.01;
const N = 400;
const T_MAX_GEV = 10;
/** Range table: T on a log grid, cumulative range (cm of lead) from T_MIN (below it the range is < 0.02 cm). */
const grid = (() => {
  const t = new Float64Array(N);
  const r = new Float64Array(N);
  const step = Math.log(T_MAX_GEV / T_MIN_GEV) / (N - 1);
  for (let i = 0; i < N; i++) t[i] = T_MIN_GEV * Math.exp(i * step);
  for (let i = 1; i < N; i++) {
    const mid = Math.sqrt(t[i]! * t[i - 1]!);
    r[i] = r[i - 1]! + ((t[i]! - t[i - 1]!) * 1000) / protonDedxMeVPerCm(mid);
  }
  return { t, r };
})();

/** CSDA range in lead, cm, of a proton of kinetic energy T (GeV); 0 below 10 MeV. */
export function protonRangeCm(kineticGeV: number): number {
  return interpolate(grid.t, grid.r, kineticGeV);
}

/** Kinetic energy (GeV) left after `cm` of lead; 0 once the proton has stopped. */
export function protonEnergyAfter(kineticGeV: number, cm: number): number {
  const left = protonRangeCm(kineticGeV) - cm;
  return left <= 0 ? 0 : interpolate(grid.r, grid.t, left);
}

/** Minimum of −dE/dx over the table (the MIP plateau's dip), MeV/cm. */
export const PROTON_DEDX_MIN_MEV_PER_CM = Math.min(
  ...Array.from({ length: 200 }, (_, i) => protonDedxMeVPerCm(0.5 * Math.exp(i * 0.04))),
);

function interpolate(xs: Float64Array, ys: Float64Array, x: number): number {
  if (x <= xs[0]!) return ys[0]!;
  if (x >= xs[xs.length - 1]!) return ys[ys.length - 1]!;
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const f = (x - xs[lo]!) / (xs[hi]! - xs[lo]!);
  return ys[lo]! + f * (ys[hi]! - ys[lo]!);
}
