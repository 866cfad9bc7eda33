/**
 * Ridge least squares in closed form: features standardised (zero mean, unit variance on the
 * training sample), then (XᵀX + λ·n·I) w = Xᵀ(y − ȳ), solved by Cholesky; intercept = ȳ.
 * λ is per sample, so its effect does not depend on the training size.
 */
import { ContractError } from '../../domain/index.js';
export interface LinearModel {
  readonly mean: number[];
  readonly scale: number[];
  readonly weights: number[];
  readonly intercept: number;
}

/** x: row-major n × p. */
export function fitRidge(
  x: Float64Array,
  y: Float64Array,
  n: number,
  p: number,
  lambda: number,
): LinearModel {
  if (n < 2) throw new ContractError(`ridge fit needs at least 2 samples, got ${n}`);
  if (x.length < n * p || y.length < n) throw new ContractError('ridge fit: x or y shorter than n × p');
  const mean = new Array<number>(p).fill(0);
  const scale = new Array<number>(p).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j]! += x[i * p + j]!;
  for (let j = 0; j < p; j++) mean[j]! /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      const d = x[i * p + j]! - mean[j]!;
      scale[j]! += d * d;
    }
  }
  // A constant feature gets scale 1 (its standardised value is 0 and carries no weight).
  for (let j = 0; j < p; j++) scale[j] = Math.sqrt(scale[j]! / n) || 1;
  let ym = 0;
  for (let i = 0; i < n; i++) ym += y[i]!;
  ym /= n;
  const a = new Float64Array(p * p);
  const b = new Float64Array(p);
  const z = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) z[j] = (x[i * p + j]! - mean[j]!) / scale[j]!;
    const r = y[i]! - ym;
    for (let j = 0; j < p; j++) {
      const zj = z[j]!;
      b[j]! += zj * r;
      for (let k = 0; k <= j; k++) a[j * p + k]! += zj * z[k]!;
    }
  }
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < j; k++) a[k * p + j] = a[j * p + k]!;
    a[j * p + j]! += lambda * n;
  }
  const weights = Array.from(solveSpd(a, b, p));
  return { mean, scale, weights, intercept: ym };
}

export function predictLinear(m: LinearModel, x: Float64Array, offset = 0): number {
  let s = m.intercept;
  for (let j = 0; j < m.weights.length; j++)
    s += (m.weights[j]! * (x[offset + j]! - m.mean[j]!)) / m.scale[j]!;
  return s;
}

/** Solves A w = b for symmetric positive definite A (p × p, row-major) by Cholesky. */
export function solveSpd(a: Float64Array, b: Float64Array, p: number): Float64Array {
  const l = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let d = a[j * p + j]!;
    for (let k = 0; k < j; k++) d -= l[j * p + k]! ** 2;
    if (!(d > 0))
      throw new ContractError(`matrix not positive definite at column ${j}; increase the ridge term`);
    const ljj = Math.sqrt(d);
    l[j * p + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j]!;
      for (let k = 0; k < j; k++) s -= l[i * p + k]! * l[j * p + k]!;
      l[i * p + j] = s / ljj;
    }
  }
  const t = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * p + k]! * t[k]!;
    t[i] = s / l[i * p + i]!;
  }
  const w = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = t[i]!;
    for (let k = i + 1; k < p; k++) s -= l[k * p + i]! * w[k]!;
    w[i] = s / l[i * p + i]!;
  }
  return w;
}
