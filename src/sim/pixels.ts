/**
 * Sparse pixel accumulation for one event, one station at a time; particles in the same pixel
 * merge into one hit. Two stores, both reused across events:
 *  - a dense WINDOW × WINDOW count window placed on the shower axis (small enough to stay in
 *    cache), with one occupancy bit per cell; it receives most particles of a shower and is
 *    read back in (iy, ix) order by walking the occupancy bits, so it needs no sort;
 *  - a plain list of pixel keys (key = iy·nx + ix, so key order is (iy, ix) order), one entry
 *    per particle, for everything outside the window: sorted at flush, equal keys merged. No
 *    full-plane grid: random access into one (10 MiB) cost more than all the rest together.
 * Flushing a station merges the two sorted streams into a staging area; the event's Hits are
 * then copied out in station, iy, ix order. Nothing allocates per event except the final Hits.
 */
import type { Hits } from '../domain/index.js';

/** Decides whether a pixel is dead (never fires). */
export type DeadPixelTest = (station: number, key: number) => boolean;

/** Window side in pixels (a power of two: cell index = ly << WINDOW_SHIFT | lx). */
export const WINDOW = 64;
export const WINDOW_SHIFT = 6;
/** Occupancy words (32 cells each) per window row. */
export const MASK_WORDS = WINDOW >>> 5;

export class PixelAccumulator {
  readonly nx: number;
  readonly ny: number;
  /** Keys of the particles outside the window, one entry per particle. Public for the hot loop. */
  keys: Int32Array;
  nKeys = 0;
  /** Window counts and occupancy bits (MASK_WORDS 32-bit words per row); origin (wx0, wy0) in pixels. */
  readonly win: Int32Array = new Int32Array(WINDOW * WINDOW);
  readonly winMask: Int32Array = new Int32Array(WINDOW * MASK_WORDS);
  wx0 = 0;
  wy0 = 0;
  private winUsed = false;
  private placed = false;
  private stStation: Uint8Array;
  private stKey: Int32Array;
  private stCount: Int32Array;
  private nStaged = 0;

  constructor(nx: number, ny: number, initialCapacity = 1 << 14) {
    this.nx = nx;
    this.ny = ny;
    this.keys = new Int32Array(initialCapacity);
    this.stStation = new Uint8Array(initialCapacity);
    this.stKey = new Int32Array(initialCapacity);
    this.stCount = new Int32Array(initialCapacity);
  }

  /**
   * Centres the window on pixel (ix, iy) unless it was already placed in this station. Any
   * placement gives the same hits (the window only moves between stations); a window on the
   * shower axis just makes it faster.
   */
  placeWindow(ix: number, iy: number): void {
    if (this.placed) return;
    this.wx0 = Math.floor(ix) - WINDOW / 2;
    this.wy0 = Math.floor(iy) - WINDOW / 2;
    this.placed = true;
  }

  /** Adds `count` particles at pixel (ix, iy), which must lie on the plane. */
  addOnPlane(ix: number, iy: number, count: number): void {
    const lx = ix - this.wx0;
    const ly = iy - this.wy0;
    if (lx >>> 0 < WINDOW && ly >>> 0 < WINDOW) {
      const wi = (ly << WINDOW_SHIFT) | lx;
      const before = this.win[wi]!;
      this.win[wi] = before + count;
      if (before === 0) {
        const mi = ly * MASK_WORDS + (lx >>> 5);
        this.winMask[mi] = this.winMask[mi]! | (1 << (lx & 31));
      }
      // Once anything is in the window it must not move until the flush.
      this.winUsed = true;
      this.placed = true;
      return;
    }
    const key = iy * this.nx + ix;
    if (this.nKeys + count > this.keys.length) this.reserve(count);
    for (let i = 0; i < count; i++) this.keys[this.nKeys++] = key;
  }

  /** Adds `count` particles at (ix, iy) if it lies on the plane. */
  addXY(ix: number, iy: number, count: number): void {
    if (ix < 0 || ix >= this.nx || iy < 0 || iy >= this.ny) return;
    this.addOnPlane(ix, iy, count);
  }

  /** Adds `count` particles at pixel key iy·nx + ix (on the plane). */
  addKey(key: number, count: number): void {
    const iy = (key / this.nx) | 0;
    this.addOnPlane(key - iy * this.nx, iy, count);
  }

  /** Makes room for `extra` more off-window particles, so a hot loop may append without checks. */
  reserve(extra: number): void {
    if (this.nKeys + extra > this.keys.length)
      this.keys = grow(this.keys, Math.max(this.keys.length * 2, this.nKeys + extra));
  }

  /** Marks the window as possibly non-empty (the hot loop writes it directly). */
  touchWindow(): void {
    this.winUsed = true;
  }

  /** Moves the current station's pixels, in key order, to the staging area and clears both stores. */
  flushStation(station: number, dead?: DeadPixelTest): void {
    const n = this.nKeys;
    const keys = this.keys;
    if (n > 1) keys.subarray(0, n).sort();
    while (this.nStaged + n + (this.winUsed ? WINDOW * WINDOW : 0) > this.stKey.length) this.growStaging();
    const nx = this.nx;
    let j = 0;
    if (this.winUsed) {
      const win = this.win;
      const mask = this.winMask;
      for (let ly = 0; ly < WINDOW; ly++) {
        for (let word = 0; word < MASK_WORDS; word++) {
          const mi = ly * MASK_WORDS + word;
          let w = mask[mi]!;
          if (w === 0) continue;
          mask[mi] = 0;
          const rowKey = (this.wy0 + ly) * nx + this.wx0 + (word << 5);
          while (w !== 0) {
            const bit = 31 - Math.clz32(w & -w);
            w &= w - 1;
            const key = rowKey + bit;
            while (j < n && keys[j]! < key) j = this.stageRun(station, j, n, dead);
            const wi = (ly << WINDOW_SHIFT) | ((word << 5) + bit);
            let c = win[wi]!;
            win[wi] = 0;
            // Off-window particles cannot share a window pixel, but keep the merge exact anyway.
            for (; j < n && keys[j]! === key; j++) c++;
            if (dead === undefined || !dead(station, key)) this.push(station, key, c);
          }
        }
      }
      this.winUsed = false;
    }
    while (j < n) j = this.stageRun(station, j, n, dead);
    this.nKeys = 0;
    this.placed = false;
  }

  /** The staged hits of the event as fresh exact-size arrays; resets for the next event. */
  takeHits(): Hits {
    const n = this.nStaged;
    const nx = this.nx;
    // One backing buffer for the four arrays: a typed-array allocation costs ~1.5 µs, a view far less.
    const buf = new ArrayBuffer(13 * n);
    const ix = new Int32Array(buf, 0, n);
    const iy = new Int32Array(buf, 4 * n, n);
    const count = new Int32Array(buf, 8 * n, n);
    const station = new Uint8Array(buf, 12 * n, n);
    count.set(this.stCount.subarray(0, n));
    station.set(this.stStation.subarray(0, n));
    const keys = this.stKey;
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      const row = (k / nx) | 0;
      iy[i] = row;
      ix[i] = k - row * nx;
    }
    this.nStaged = 0;
    return { station, ix, iy, count };
  }

  /** Drops anything pending (e.g. after an exception mid-event) so both stores are clean. */
  clear(): void {
    this.win.fill(0);
    this.winMask.fill(0);
    this.winUsed = false;
    this.placed = false;
    this.nKeys = 0;
    this.nStaged = 0;
  }

  /** Stages the run of equal keys starting at sorted index j as one hit; returns the index after it. */
  private stageRun(station: number, j: number, n: number, dead: DeadPixelTest | undefined): number {
    const keys = this.keys;
    const key = keys[j]!;
    let e = j + 1;
    while (e < n && keys[e]! === key) e++;
    if (dead === undefined || !dead(station, key)) this.push(station, key, e - j);
    return e;
  }

  private push(station: number, key: number, count: number): void {
    const w = this.nStaged++;
    this.stStation[w] = station;
    this.stKey[w] = key;
    this.stCount[w] = count;
  }

  private growStaging(): void {
    const cap = this.stKey.length * 2;
    const s = new Uint8Array(cap);
    s.set(this.stStation);
    this.stStation = s;
    this.stKey = grow(this.stKey, cap);
    this.stCount = grow(this.stCount, cap);
  }
}

function grow(a: Int32Array, cap = a.length * 2): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
