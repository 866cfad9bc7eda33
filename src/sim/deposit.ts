/**
 * The particle hot path: places N charged particles of one shower component on a plane and
 * pixelises them. Per particle it costs two 32-bit draws from an inlined xoshiro128** stream
 * (seeded from the event's Rng, so a seed still fixes every hit) and table look-ups instead of
 * trigonometric and Gaussian functions:
 *   draw 1: 12 bits → azimuth (4096-entry cos/sin tables), 8 bits → core or tail (p resolved
 *           to 1/256), 12 bits → a standard normal (4096-entry quantile table, |z| ≤ 3.5);
 *   draw 2: 20 bits → radius by the closed-form inverse CDF r = R·√(u/(1−u)), 12 bits → normal.
 * The two normals are the spread over the gap between the last lead plate and the plane.
 */
import { pixelsX, pixelsY, type DetectorGeometry, type Rng } from '../domain/index.js';
import { inverseNormalCdf } from '../numerics/index.js';
import { MASK_WORDS, PixelAccumulator, WINDOW, WINDOW_SHIFT } from './pixels.js';

/** Bit budget of the two 32-bit draws per particle: angle 12 + core choice 8 + normal 12; radius 20 + normal 12. */
const ANGLE_BITS = 12;
const N_ANGLES = 1 << ANGLE_BITS;
const CORE_BITS = 8;
const CORE_SCALE = 1 << CORE_BITS;
const CORE_MASK = CORE_SCALE - 1;
const NORMAL_BITS = 12;
const N_NORMALS = 1 << NORMAL_BITS;
const NORMAL_MASK = N_NORMALS - 1;
/** 2^-20: the radius uniform has 20 bits, enough for radii up to ~10^3 median radii. */
const RADIUS_SCALE = 1 / (1 << 20);
/**
 * The radial quantile √(u/(1−u)) is tabulated on the top 12 of the 20 bits and interpolated
 * linearly on the other 8 (error < 1e-4 relative except in the last two bins); the last bin,
 * where it diverges, is computed exactly.
 */
const Q_BITS = 12;
const Q_LAST = (1 << Q_BITS) - 1;
const Q_FRAC_MASK = (1 << (20 - Q_BITS)) - 1;
const Q_FRAC_SCALE = 1 / (1 << (20 - Q_BITS));

/**
 * Called with what the simulation knows of one shower at one station before the readout: the
 * station, its depth (X0), the charged particles drawn, the lateral profile they are drawn from
 * (core probability, core and tail radii in cm, the plane's lateral fluctuation included) and the
 * shower's sampled longitudinal profile (depth of maximum in X0, shape α). For information-floor
 * studies only; the trigger never sees it.
 */
export type StationTruthRecorder = (
  station: number,
  depthX0: number,
  count: number,
  pCore: number,
  rCoreCm: number,
  rTailCm: number,
  tMaxX0: number,
  alpha: number,
) => void;

/** √(u/(1−u)) for the 20-bit uniform in the top bits of u2 (the radius in median radii), from the table `quant`. */
function radialQuantile(quant: Float64Array, u2: number): number {
  const qi = u2 >>> (32 - Q_BITS);
  if (qi < Q_LAST) {
    const q0 = quant[qi]!;
    return q0 + (quant[qi + 1]! - q0) * ((((u2 >>> NORMAL_BITS) & Q_FRAC_MASK) + 0.5) * Q_FRAC_SCALE);
  }
  const v = ((u2 >>> NORMAL_BITS) + 0.5) * RADIUS_SCALE;
  return Math.sqrt(v / (1 - v));
}

export class Pixeliser {
  readonly acc: PixelAccumulator;
  /** Unset in the trigger; set by information-floor studies to see each station's shower truth. */
  recordStation: StationTruthRecorder | undefined = undefined;
  private readonly halfWidthCm: number;
  private readonly halfHeightCm: number;
  private readonly invPitchCm: number;
  private readonly cosT: Float64Array;
  private readonly sinT: Float64Array;
  private readonly normT: Float64Array;
  private readonly quant: Float64Array;
  private s0 = 1;
  private s1 = 2;
  private s2 = 3;
  private s3 = 4;

  constructor(g: DetectorGeometry) {
    this.acc = new PixelAccumulator(pixelsX(g), pixelsY(g));
    this.halfWidthCm = g.planeWidthCm / 2;
    this.halfHeightCm = g.planeHeightCm / 2;
    this.invPitchCm = 10 / g.pixelPitchMm;
    this.cosT = new Float64Array(N_ANGLES);
    this.sinT = new Float64Array(N_ANGLES);
    for (let i = 0; i < N_ANGLES; i++) {
      const phi = ((i + 0.5) * 2 * Math.PI) / N_ANGLES;
      this.cosT[i] = Math.cos(phi);
      this.sinT[i] = Math.sin(phi);
    }
    this.quant = new Float64Array(Q_LAST + 1);
    for (let i = 0; i <= Q_LAST; i++) {
      const u = i / (Q_LAST + 1);
      this.quant[i] = Math.sqrt(u / (1 - u));
    }
    this.normT = new Float64Array(N_NORMALS);
    for (let i = 0; i < N_NORMALS; i++) this.normT[i] = inverseNormalCdf((i + 0.5) / N_NORMALS);
  }

  /** Seeds the particle stream from the event's Rng (four 32-bit words, never all zero). */
  seed(rng: Rng): void {
    this.s0 = rng.nextU32() | 0;
    this.s1 = rng.nextU32() | 0;
    this.s2 = rng.nextU32() | 0;
    this.s3 = rng.nextU32() | 1;
  }

  /** `count` particles at one point in cm (a track crossing); nothing if off the plane. */
  point(xCm: number, yCm: number, count: number): void {
    if (!(count > 0)) return;
    const fx = (xCm + this.halfWidthCm) * this.invPitchCm;
    const fy = (yCm + this.halfHeightCm) * this.invPitchCm;
    if (!(fx >= 0 && fx < this.acc.nx && fy >= 0 && fy < this.acc.ny)) return;
    this.acc.placeWindow(fx, fy);
    this.acc.addOnPlane(Math.floor(fx), Math.floor(fy), count);
  }

  /**
   * n particles around (cx, cy) cm, radially from the two-component profile (radii in cm),
   * then displaced by an isotropic Gaussian of `smearCm` per axis. Off-plane particles are lost.
   */
  cloud(
    n: number,
    cx: number,
    cy: number,
    pCore: number,
    rCoreCm: number,
    rTailCm: number,
    smearCm: number,
  ): void {
    const acc = this.acc;
    acc.reserve(n);
    const inv = this.invPitchCm;
    acc.placeWindow((cx + this.halfWidthCm) * inv, (cy + this.halfHeightCm) * inv);
    acc.touchWindow();
    const { keys, win, winMask, wx0, wy0, nx, ny } = acc;
    let nk = acc.nKeys;
    const ox = this.halfWidthCm + cx;
    const oy = this.halfHeightCm + cy;
    const { cosT, sinT, normT, quant } = this;
    const coreThreshold = Math.round(pCore * CORE_SCALE);
    let a = this.s0;
    let b = this.s1;
    let c = this.s2;
    let d = this.s3;
    for (let i = 0; i < n; i++) {
      // Two xoshiro128** steps, inlined (same algorithm as the domain Rng).
      let m = Math.imul(b, 5);
      const u1 = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
      let t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
      m = Math.imul(b, 5);
      const u2 = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
      t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);

      const radius = ((u1 >>> NORMAL_BITS) & CORE_MASK) < coreThreshold ? rCoreCm : rTailCm;
      const r = radius * radialQuantile(quant, u2);
      const ang = u1 >>> (32 - ANGLE_BITS);
      const x = r * cosT[ang]! + smearCm * normT[u1 & NORMAL_MASK]!;
      const y = r * sinT[ang]! + smearCm * normT[u2 & NORMAL_MASK]!;
      const fx = (x + ox) * inv;
      const fy = (y + oy) * inv;
      if (!(fx >= 0 && fx < nx && fy >= 0 && fy < ny)) continue;
      const ix = fx | 0;
      const iy = fy | 0;
      const lx = ix - wx0;
      const ly = iy - wy0;
      if (lx >>> 0 < WINDOW && ly >>> 0 < WINDOW) {
        const wi = (ly << WINDOW_SHIFT) | lx;
        const before = win[wi]!;
        win[wi] = before + 1;
        if (before === 0) {
          const mi = ly * MASK_WORDS + (lx >>> 5);
          winMask[mi] = winMask[mi]! | (1 << (lx & 31));
        }
      } else {
        keys[nk++] = iy * nx + ix;
      }
    }
    acc.nKeys = nk;
    this.s0 = a;
    this.s1 = b;
    this.s2 = c;
    this.s3 = d;
  }
}
