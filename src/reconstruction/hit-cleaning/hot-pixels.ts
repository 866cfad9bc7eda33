/**
 * Online hot-pixel masking, as a DAQ masks hot channels from their occupancy: per station and
 * pixel, the number of frames in which the pixel fired is counted over tumbling windows of
 * `windowFrames` frames. At the end of each window a pixel that fired in at least
 * `maskFraction` of its frames is masked (its hits are dropped before clustering and the CNN), and
 * a masked pixel that fired in fewer than `unmaskFraction` of them is unmasked (it cooled down;
 * the gap between the two fractions is hysteresis, so a pixel near the limit does not flap).
 * Masked pixels keep being counted, which is how they are unmasked.
 *
 * Warm-up: nothing is masked before the first window has ended (`windowFrames` frames), and a
 * pixel that turns hot is masked at the end of the window in which it did; masks change only at
 * window ends.
 *
 * Memory: one 16-bit count and one mask bit per pixel and station, allocated once when enabled:
 * 2.125 bytes × 3 stations × 1800 × 1500 pixels = 17.2 MB for the default detector. Per hit, O(1).
 * At a window's end: O(pixels that reached the mask count + masked pixels), and one clear of the
 * counts (16 MB memset, a few ms every `windowFrames` frames).
 *
 * Defaults, from the physics. A real pixel fires only when a shower, a track or a dark pulse lands
 * on it; origins are uniform over the plane, so its firing probability per frame is about
 *   p = Σ_class (rate_c / Σ rates) · (hits per station of class c) / (pixels under the origins)
 * With the default rates (signal 5, neutrino 20, muon 50, noise 10 Hz), measured 170, 112, 6 and 5
 * hits per station per event (noise: the 5 dark counts), and 2.08 million pixels in the 80 × 65 cm
 * origin area: p ≈ 40 / 2.08e6 ≈ 2e-5. A pure signal stream (the evaluation's) gives 8e-5. The bound
 * used below, p ≤ 1e-4, covers both; hot-pixels.test.ts measures p on a simulated stream and checks it.
 * A hot pixel fires in most frames (the simulator's in all of them). maskFraction 0.01 (10 frames of a
 * 1000-frame window) sits a factor 100 above the bound and a factor 100 below a hot pixel, so:
 *   - false mask of a normal pixel per window: P(Binomial(1000, 1e-4) ≥ 10) = 2.4e-17; over the
 *     8.1 million pixels of the 3 stations 2.0e-10 per window, i.e. 5e-4 falsely masked pixels per year of
 *     running at 85 Hz (2.7 million windows); at the default-mix p = 2e-5 it is 2.6e-24 per pixel;
 *   - a pixel hot in ≥ 5 % of the frames escapes a window with P(Binomial(1000, 0.05) < 10) = 1e-12.
 * unmaskFraction 0.005 (fewer than 5 fires in a window) unmasks a pixel that went quiet after one
 * window. falseMaskProbability() computes these tails; the test checks the figures quoted here.
 */
import { pixelsX, pixelsY, type DetectorGeometry, type Hits } from '../../domain/index.js';
import { logGamma } from '../../numerics/index.js';

/** config `reconstruction.hotPixels` (src/config/reconstruction.ts holds the defaults and ranges). */
export interface HotPixelConfig {
  readonly enabled: boolean;
  /** Frames per occupancy window; the first window is the warm-up. */
  readonly windowFrames: number;
  /** A pixel firing in at least this fraction of a window's frames is masked at the window's end. */
  readonly maskFraction: number;
  /** A masked pixel firing in fewer than this fraction of a window's frames is unmasked at its end. */
  readonly unmaskFraction: number;
}

/** Upper bound on a normal pixel's firing probability per frame under the default event rates (see above). */
export const NORMAL_OCCUPANCY_BOUND = 1e-4;

/** What a window's end did to the mask. */
export interface MaskChange {
  /** Frames counted since the mask was created. */
  readonly framesSeen: number;
  readonly windowsCompleted: number;
  readonly maskedPerStation: readonly number[];
  readonly added: number;
  readonly removed: number;
}

export interface HotPixelMask {
  readonly enabled: boolean;
  readonly framesSeen: number;
  /** True once the first window has ended: before that nothing is masked. */
  readonly warm: boolean;
  /**
   * Counts the frame's hits towards the occupancy (each hit once; hits off the plane or on an
   * unknown station are ignored); returns the change when this frame ended a window and the
   * mask changed (or it was the first window), else undefined.
   */
  observe(hits: Hits): MaskChange | undefined;
  /** The hits without those of masked pixels: the same object when none is masked. */
  apply(hits: Hits): Hits;
  isMasked(station: number, ix: number, iy: number): boolean;
  maskedPerStation(): number[];
  /** Masked pixels, sorted by station, iy, ix. */
  maskedPixels(): { station: number; ix: number; iy: number }[];
}

/** Fires in a window needed to mask, and fires a masked pixel needs to stay masked. */
export function maskCounts(cfg: HotPixelConfig): { mask: number; keep: number } {
  const atLeast = (f: number): number => Math.ceil(f * cfg.windowFrames - 1e-9);
  return { mask: atLeast(cfg.maskFraction), keep: atLeast(cfg.unmaskFraction) };
}

/** P(a pixel firing with probability p per frame, independently, is masked at a window's end) = P(Binomial(W, p) ≥ mask count). */
export function falseMaskProbability(p: number, cfg: HotPixelConfig): number {
  const w = cfg.windowFrames;
  const m = maskCounts(cfg).mask;
  if (p <= 0) return m <= 0 ? 1 : 0;
  if (p >= 1) return 1;
  const lnW = logGamma(w + 1);
  let sum = 0;
  for (let k = Math.max(m, 0); k <= w; k++) {
    const term = Math.exp(
      lnW - logGamma(k + 1) - logGamma(w - k + 1) + k * Math.log(p) + (w - k) * Math.log1p(-p),
    );
    sum += term;
    if (k > w * p && term < sum * 1e-17) break;
  }
  return Math.min(sum, 1);
}

export function createHotPixelMask(g: DetectorGeometry, cfg: HotPixelConfig): HotPixelMask {
  return cfg.enabled ? new ActiveMask(g, cfg) : disabledMask();
}

/**
 * The enabled mask: per-pixel hit counts of the current window, the masked pixels as a bit set
 * and a list, and the pixels that reached the mask count this window. Key k = station · nPix + iy · nx + ix.
 */
class ActiveMask implements HotPixelMask {
  readonly enabled = true;
  private readonly nx: number;
  private readonly ny: number;
  private readonly nPix: number;
  private readonly nStations: number;
  private readonly maskCount: number;
  private readonly keepCount: number;
  private readonly counts: Uint16Array;
  private readonly bits: Uint32Array;
  private masked: number[] = [];
  /** Pixels whose count reached maskCount in the current window (each once). */
  private reached: number[] = [];
  private inWindow = 0;
  private seen = 0;
  private windows = 0;

  constructor(
    g: DetectorGeometry,
    private readonly cfg: HotPixelConfig,
  ) {
    this.nx = pixelsX(g);
    this.ny = pixelsY(g);
    this.nPix = this.nx * this.ny;
    this.nStations = g.nStations;
    ({ mask: this.maskCount, keep: this.keepCount } = maskCounts(cfg));
    this.counts = new Uint16Array(this.nStations * this.nPix);
    this.bits = new Uint32Array(Math.ceil((this.nStations * this.nPix) / 32));
  }

  get framesSeen(): number {
    return this.seen;
  }

  get warm(): boolean {
    return this.windows > 0;
  }

  private isSet(k: number): boolean {
    return ((this.bits[k >>> 5]! >>> (k & 31)) & 1) === 1;
  }

  private keyOf(s: number, x: number, y: number): number {
    const { nStations, nx, ny, nPix } = this;
    return s >= 0 && s < nStations && x >= 0 && x < nx && y >= 0 && y < ny ? s * nPix + y * nx + x : -1;
  }

  observe(h: Hits): MaskChange | undefined {
    const counts = this.counts;
    for (let i = 0; i < h.station.length; i++) {
      const k = this.keyOf(h.station[i]!, h.ix[i]!, h.iy[i]!);
      if (k < 0) continue;
      const c = counts[k]!;
      if (c === 0xffff) continue;
      counts[k] = c + 1;
      if (c + 1 === this.maskCount) this.reached.push(k);
    }
    this.seen++;
    return ++this.inWindow === this.cfg.windowFrames ? this.endWindow() : undefined;
  }

  /** Unmasks pixels that fell below the keep count, masks those that reached the mask count; a new window. */
  private endWindow(): MaskChange | undefined {
    const bits = this.bits;
    let removed = 0;
    const next: number[] = [];
    for (const k of this.masked) {
      if (this.counts[k]! >= this.keepCount) next.push(k);
      else {
        bits[k >>> 5]! &= ~(1 << (k & 31));
        removed++;
      }
    }
    let added = 0;
    for (const k of this.reached) {
      if (this.isSet(k)) continue;
      bits[k >>> 5]! |= 1 << (k & 31);
      next.push(k);
      added++;
    }
    this.masked = next;
    this.reached = [];
    this.counts.fill(0);
    this.inWindow = 0;
    this.windows++;
    if (added === 0 && removed === 0 && this.windows > 1) return undefined;
    return {
      framesSeen: this.seen,
      windowsCompleted: this.windows,
      maskedPerStation: this.maskedPerStation(),
      added,
      removed,
    };
  }

  apply(h: Hits): Hits {
    if (this.masked.length === 0) return h;
    const n = h.station.length;
    const drop = new Uint8Array(n);
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      const k = this.keyOf(h.station[i]!, h.ix[i]!, h.iy[i]!);
      if (k >= 0 && this.isSet(k)) {
        drop[i] = 1;
        dropped++;
      }
    }
    if (dropped === 0) return h;
    const m = n - dropped;
    const out = {
      station: new Uint8Array(m),
      ix: new Int32Array(m),
      iy: new Int32Array(m),
      count: new Int32Array(m),
    };
    for (let i = 0, j = 0; i < n; i++) {
      if (drop[i] === 1) continue;
      out.station[j] = h.station[i]!;
      out.ix[j] = h.ix[i]!;
      out.iy[j] = h.iy[i]!;
      out.count[j++] = h.count[i]!;
    }
    return out;
  }

  isMasked(s: number, x: number, y: number): boolean {
    const k = this.keyOf(s, x, y);
    return k >= 0 && this.isSet(k);
  }

  maskedPerStation(): number[] {
    const out = new Array<number>(this.nStations).fill(0);
    for (const k of this.masked) out[Math.floor(k / this.nPix)]!++;
    return out;
  }

  maskedPixels(): { station: number; ix: number; iy: number }[] {
    const { nPix, nx } = this;
    return [...this.masked]
      .sort((a, b) => a - b)
      .map((k) => ({
        station: Math.floor(k / nPix),
        ix: (k % nPix) % nx,
        iy: Math.floor((k % nPix) / nx),
      }));
  }
}

/** `enabled: false`: counts nothing, masks nothing, allocates nothing. */
function disabledMask(): HotPixelMask {
  return {
    enabled: false,
    framesSeen: 0,
    warm: false,
    observe: () => undefined,
    apply: (h) => h,
    isMasked: () => false,
    maskedPerStation: () => [],
    maskedPixels: () => [],
  };
}
