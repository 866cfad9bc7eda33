/**
 * Two-body kinematics shared by the scattering classes (natural units, GeV). Constants: [PDG]
 * (see src/config/physics.ts for the reference list).
 */
import type { Rng } from '../domain/index.js';

export const ELECTRON_MASS_GEV = 0.51099895e-3;
export const PROTON_MASS_GEV = 0.93827208;
export const NEUTRON_MASS_GEV = 0.93956542;
export const PI0_MASS_GEV = 0.1349768;
/** Fine-structure constant α. */
export const ALPHA = 1 / 137.035999;
/** Fermi constant G_F, GeV⁻². */
export const FERMI_GEV2 = 1.1663788e-5;
/** (ħc)², GeV²·cm²: converts GeV⁻² to cm². */
export const HBARC2_GEV2_CM2 = 0.3893794e-27;

/**
 * Angle of a target electron's recoil (kinetic energy T) when a projectile of energy E and mass M
 * scatters elastically off it at rest: cos θ = √(T/(T + 2mₑ))·(E + mₑ)/p. For M = 0 (a neutrino)
 * and small angles this is E_e·θ² ≈ 2mₑ(1 − T/E) < 2mₑ.
 */
export function recoilAngle(
  kineticGeV: number,
  projectileEnergyGeV: number,
  projectileMassGeV: number,
): number {
  const m = ELECTRON_MASS_GEV;
  const p = Math.sqrt(Math.max(projectileEnergyGeV ** 2 - projectileMassGeV ** 2, 0));
  const c = Math.sqrt(kineticGeV / (kineticGeV + 2 * m)) * ((projectileEnergyGeV + m) / p);
  return Math.acos(Math.min(1, c));
}

/** Largest recoil kinetic energy: 2mₑp²/(mₑ² + M² + 2mₑE). */
export function maxRecoilGeV(projectileEnergyGeV: number, projectileMassGeV: number): number {
  const m = ELECTRON_MASS_GEV;
  const p2 = projectileEnergyGeV ** 2 - projectileMassGeV ** 2;
  return (2 * m * p2) / (m * m + projectileMassGeV ** 2 + 2 * m * projectileEnergyGeV);
}

/** Slopes (dx/dz, dy/dz) of a direction at polar angle θ and azimuth φ. */
export function slopesOf(theta: number, phi: number): { slopeX: number; slopeY: number } {
  const t = Math.tan(theta);
  return { slopeX: t * Math.cos(phi), slopeY: t * Math.sin(phi) };
}

/**
 * Adds a polar angle θ at azimuth φ about a direction with slopes (sx, sy): exact rotation of the
 * unit vector, returned as slopes.
 */
export function rotateSlopes(
  sx: number,
  sy: number,
  theta: number,
  phi: number,
): { slopeX: number; slopeY: number } {
  const n = Math.hypot(sx, sy, 1);
  const d = [sx / n, sy / n, 1 / n] as const;
  // an orthonormal pair perpendicular to d
  const a = Math.abs(d[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const u0 = [d[1] * a[2]! - d[2] * a[1]!, d[2] * a[0]! - d[0] * a[2]!, d[0] * a[1]! - d[1] * a[0]!];
  const un = Math.hypot(u0[0]!, u0[1]!, u0[2]!);
  const u = u0.map((x) => x / un);
  const v = [d[1] * u[2]! - d[2] * u[1]!, d[2] * u[0]! - d[0] * u[2]!, d[0] * u[1]! - d[1] * u[0]!];
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const w = [0, 1, 2].map((i) => c * d[i]! + s * (Math.cos(phi) * u[i]! + Math.sin(phi) * v[i]!));
  return { slopeX: w[0]! / w[2]!, slopeY: w[1]! / w[2]! };
}

/** Uniform azimuth, rad. */
export function azimuth(rng: Rng): number {
  return 2 * Math.PI * rng.uniform();
}
