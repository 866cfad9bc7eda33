/**
 * A feature-space novelty term for the student, fitted on ordinary events only: the Mahalanobis
 * distance of an event's summary features (signed log1p, standardised) from the ordinary mean
 * under the ordinary covariance. Trees regress the teacher only where ordinary events went, and
 * put an event in a combination no ordinary event had (a shower in the last station with the
 * first ones empty; a station full of low pulses) into the leaf of its nearest ordinary
 * neighbours; this term grows with exactly that, so the online scorer keeps seeing what the
 * teacher sees beyond the ordinary range. Pure: fitting and scoring, no I/O.
 */

export interface NoveltyModel {
  readonly kind: 'mahalanobis';
  readonly mean: readonly number[];
  readonly sd: readonly number[];
  /** Inverse covariance of the standardised features, row-major (p × p). */
  readonly inverse: readonly number[];
  /** Ridge added to the covariance's diagonal before inversion (standardised units). */
  readonly ridge: number;
}

const squash = (v: number): number => Math.sign(v) * Math.log1p(Math.abs(v));

/** Mean, spread and inverse covariance of the rows of x (n × p, row-major). */
export function fitNovelty(x: Float64Array, n: number, p: number, ridge = 1e-3): NoveltyModel {
  const mean = new Float64Array(p);
  const sd = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j]! += squash(x[i * p + j]!) / n;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < p; j++) sd[j]! += (squash(x[i * p + j]!) - mean[j]!) ** 2 / n;
  for (let j = 0; j < p; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
  const cov = new Float64Array(p * p);
  const z = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) z[j] = (squash(x[i * p + j]!) - mean[j]!) / sd[j]!;
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) cov[a * p + b]! += (z[a]! * z[b]!) / n;
  }
  for (let a = 0; a < p; a++) cov[a * p + a]! += ridge;
  return { kind: 'mahalanobis', mean: [...mean], sd: [...sd], inverse: [...invert(cov, p)], ridge };
}

/** Gauss–Jordan inverse with partial pivoting of a symmetric positive-definite p × p matrix. */
function invert(m: Float64Array, p: number): Float64Array {
  const a = Float64Array.from(m);
  const inv = new Float64Array(p * p);
  for (let i = 0; i < p; i++) inv[i * p + i] = 1;
  const swap = (r: number, s: number, arr: Float64Array): void => {
    for (let k = 0; k < p; k++) [arr[r * p + k], arr[s * p + k]] = [arr[s * p + k]!, arr[r * p + k]!];
  };
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r * p + c]!) > Math.abs(a[piv * p + c]!)) piv = r;
    swap(c, piv, a);
    swap(c, piv, inv);
    const d = a[c * p + c]!;
    for (let k = 0; k < p; k++) {
      a[c * p + k]! /= d;
      inv[c * p + k]! /= d;
    }
    for (let r = 0; r < p; r++) {
      const f = a[r * p + c]!;
      if (r === c || f === 0) continue;
      for (let k = 0; k < p; k++) {
        a[r * p + k]! -= f * a[c * p + k]!;
        inv[r * p + k]! -= f * inv[c * p + k]!;
      }
    }
  }
  return inv;
}

/**
 * What scoring needs, in typed arrays, built once per model: the mean, 1 / spread, and the
 * inverse covariance as Lᵀ of its Cholesky factor (inverse = L·Lᵀ, so zᵀ·inverse·z = |Lᵀz|²:
 * half the multiplications of the full product). Undefined if the stored inverse is not
 * positive definite; scoring then uses the full product.
 */
interface Prepared {
  readonly mean: Float64Array;
  readonly invSd: Float64Array;
  /** Lᵀ row-major, upper triangle used. */
  readonly lt: Float64Array | undefined;
}

const prepared = new WeakMap<NoveltyModel, Prepared>();

function prepare(m: NoveltyModel): Prepared {
  let p = prepared.get(m);
  if (p === undefined) {
    p = {
      mean: Float64Array.from(m.mean),
      invSd: Float64Array.from(m.sd, (v) => 1 / v),
      lt: choleskyTransposed(m.inverse, m.mean.length),
    };
    prepared.set(m, p);
  }
  return p;
}

/** Lᵀ (row-major) with a = L·Lᵀ from a's lower triangle; undefined if a is not positive definite. */
function choleskyTransposed(a: readonly number[], p: number): Float64Array | undefined {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j <= i; j++) {
      let sum = a[i * p + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * p + k]! * l[j * p + k]!;
      if (i === j) {
        if (!(sum > 0)) return undefined;
        l[i * p + i] = Math.sqrt(sum);
      } else l[i * p + j] = sum / l[j * p + j]!;
    }
  const lt = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j <= i; j++) lt[j * p + i] = l[i * p + j]!;
  return lt;
}

/** Squared Mahalanobis distance of the row at x[off ...]; z is scratch of length p. */
export function noveltyScore(m: NoveltyModel, x: Float64Array, off: number, z: Float64Array): number {
  const { mean, invSd, lt } = prepare(m);
  const p = mean.length;
  for (let j = 0; j < p; j++) z[j] = (squash(x[off + j]!) - mean[j]!) * invSd[j]!;
  let s = 0;
  if (lt !== undefined) {
    for (let a = 0; a < p; a++) {
      let t = 0;
      for (let b = a; b < p; b++) t += lt[a * p + b]! * z[b]!;
      s += t * t;
    }
    return s;
  }
  for (let a = 0; a < p; a++) {
    let t = 0;
    for (let b = 0; b < p; b++) t += m.inverse[a * p + b]! * z[b]!;
    s += z[a]! * t;
  }
  return s;
}
