/**
 * DBSCAN on 2-D points, matching scikit-learn's `DBSCAN(eps, min_samples, algorithm='kd_tree')`:
 * - neighbourhood of i = all j with (xi−xj)² + (yi−yj)² ≤ eps² (i itself included);
 * - i is a core point when the summed weight of its neighbourhood ≥ minSamples
 *   (weight 1 per point unless weights are given — sklearn's `sample_weight`);
 * - clusters are numbered in order of their lowest-index core point; a border point (not core,
 *   within eps of a core point) takes the label of the first cluster that reaches it, i.e. the
 *   lowest-numbered cluster with a core point in its neighbourhood. sklearn expands clusters one
 *   after another in index order, so this reproduces its labels exactly, border points included;
 * - noise is labelled −1.
 * Units are the caller's (here mm). Buffers are reused between calls: one Dbscan per thread.
 */
import KDBush from 'kdbush';

export const SPATIAL_INDEXES = ['lattice', 'grid', 'kdbush'] as const;
export type SpatialIndexKind = (typeof SPATIAL_INDEXES)[number];

export interface DbscanConfig {
  /** Neighbourhood radius, in the points' unit (mm for hits). */
  readonly eps: number;
  /** Minimum neighbourhood weight (point itself included) for a core point. */
  readonly minSamples: number;
  /**
   * 'grid': uniform grid with cell = eps; 'kdbush': static KD-tree; 'lattice': points on a square
   * lattice of `latticePitch` (pixel centres) are looked up in an occupancy map over the precomputed
   * offsets within eps — the fastest on TT stations (bench-reco); falls back to 'grid' when the
   * points are off the lattice.
   */
  readonly index: SpatialIndexKind;
  /** Lattice spacing for index 'lattice' (pixel pitch, same unit as eps). */
  readonly latticePitch?: number;
}

export interface DbscanResult {
  /** Cluster label per point, −1 = noise. Views into reused buffers: valid until the next run. */
  readonly labels: Int32Array;
  /** 1 for core points. */
  readonly core: Uint8Array;
  readonly nClusters: number;
}

export interface Dbscan {
  readonly config: DbscanConfig;
  run(x: Float64Array, y: Float64Array, n: number, weight?: ArrayLike<number>): DbscanResult;
}

export function createDbscan(config: DbscanConfig): Dbscan {
  if (!(config.eps > 0) || !Number.isFinite(config.eps)) throw new RangeError(`dbscan eps must be finite and > 0, got ${config.eps}`);
  if (!(config.minSamples > 0)) throw new RangeError(`dbscan minSamples must be > 0, got ${config.minSamples}`);
  return new DbscanRuntime(config);
}

class DbscanRuntime implements Dbscan {
  private labels = new Int32Array(256);
  private core = new Uint8Array(256);
  /** CSR neighbour lists from the core pass, reused by the expansion pass. */
  private nbrStart = new Int32Array(257);
  private nbr = new Int32Array(4096);
  private stack = new Int32Array(256);
  private readonly grid = new GridIndex();
  private readonly lattice = new LatticeIndex();

  constructor(readonly config: DbscanConfig) {}

  run(x: Float64Array, y: Float64Array, n: number, weight?: ArrayLike<number>): DbscanResult {
    this.ensure(n);
    if (n === 0) return { labels: this.labels.subarray(0, 0), core: this.core.subarray(0, 0), nClusters: 0 };
    const eps = this.config.eps;
    const eps2 = eps * eps;
    const minSamples = this.config.minSamples;
    // Pass 1: neighbourhoods (CSR: nbr[nbrStart[i] .. nbrStart[i+1])) and core flags.
    let m = 0;
    const core = this.core;
    if (this.config.index === 'kdbush') {
      const tree = new KDBush(Math.max(n, 1));
      for (let i = 0; i < n; i++) tree.add(x[i]!, y[i]!);
      tree.finish();
      for (let i = 0; i < n; i++) {
        this.nbrStart[i] = m;
        // kdbush.within tests dx² + dy² <= eps² like the grid: identical ties.
        const ids = tree.within(x[i]!, y[i]!, eps);
        if (m + ids.length > this.nbr.length) this.growNbr(m + ids.length);
        for (const j of ids) this.nbr[m++] = j;
      }
    } else if (this.config.index === 'lattice' && this.lattice.build(x, y, n, eps, this.config.latticePitch ?? NaN)) {
      for (let i = 0; i < n; i++) {
        this.nbrStart[i] = m;
        if (m + n > this.nbr.length) this.growNbr(m + n);
        m = this.lattice.collect(x, y, i, eps2, this.nbr, m);
      }
      this.lattice.clear(n);
    } else {
      this.grid.build(x, y, n, eps);
      for (let i = 0; i < n; i++) {
        this.nbrStart[i] = m;
        if (m + n > this.nbr.length) this.growNbr(m + n);
        m = this.grid.collect(x, y, i, eps2, this.nbr, m);
      }
    }
    this.nbrStart[n] = m;
    for (let i = 0; i < n; i++) {
      let w = 0;
      const e = this.nbrStart[i + 1]!;
      if (weight === undefined) w = e - this.nbrStart[i]!;
      else for (let k = this.nbrStart[i]!; k < e; k++) w += weight[this.nbr[k]!]!;
      core[i] = w >= minSamples ? 1 : 0;
    }

    // Pass 2: expand clusters in index order (sklearn's dbscan_inner).
    const labels = this.labels;
    labels.fill(-1, 0, n);
    const nbr = this.nbr;
    const start = this.nbrStart;
    const stack = this.stack;
    let nClusters = 0;
    for (let i = 0; i < n; i++) {
      if (labels[i] !== -1 || core[i] === 0) continue;
      const c = nClusters++;
      labels[i] = c;
      let sp = 0;
      stack[sp++] = i;
      while (sp > 0) {
        const p = stack[--sp]!;
        for (let k = start[p]!, e = start[p + 1]!; k < e; k++) {
          const q = nbr[k]!;
          if (labels[q] !== -1) continue;
          labels[q] = c;
          if (core[q] === 1) stack[sp++] = q;
        }
      }
    }
    return { labels: labels.subarray(0, n), core: core.subarray(0, n), nClusters };
  }

  private ensure(n: number): void {
    if (this.labels.length >= n) return;
    const cap = Math.max(n, this.labels.length * 2);
    this.labels = new Int32Array(cap);
    this.core = new Uint8Array(cap);
    this.stack = new Int32Array(cap);
    this.nbrStart = new Int32Array(cap + 1);
  }

  private growNbr(need: number): void {
    const next = new Int32Array(Math.max(need, this.nbr.length * 2));
    next.set(this.nbr);
    this.nbr = next;
  }
}

/**
 * Uniform grid with cell side = eps: every neighbour of a point lies in its own or one of the
 * 8 adjacent cells. Points are sorted by cell key (row-major), so the 3 cells of one row are a
 * contiguous key range found by binary search; no per-cell array over the whole plane is needed
 * (sparse dark-count hits would make that as large as the plane).
 */
class GridIndex {
  private keys = new Float64Array(256);
  private order = new Int32Array(256);
  private cellX = new Int32Array(256);
  private cellY = new Int32Array(256);
  private packed = new Float64Array(256);
  private width = 1;
  private height = 1;
  private n = 0;

  build(x: Float64Array, y: Float64Array, n: number, eps: number): void {
    if (this.keys.length < n) {
      const cap = Math.max(n, this.keys.length * 2);
      this.keys = new Float64Array(cap);
      this.order = new Int32Array(cap);
      this.cellX = new Int32Array(cap);
      this.cellY = new Int32Array(cap);
      this.packed = new Float64Array(cap);
    }
    this.n = n;
    let minX = Infinity;
    let minY = Infinity;
    for (let i = 0; i < n; i++) {
      if (x[i]! < minX) minX = x[i]!;
      if (y[i]! < minY) minY = y[i]!;
    }
    let maxCx = 0;
    let maxCy = 0;
    for (let i = 0; i < n; i++) {
      const cx = Math.floor((x[i]! - minX) / eps);
      const cy = Math.floor((y[i]! - minY) / eps);
      this.cellX[i] = cx;
      this.cellY[i] = cy;
      if (cx > maxCx) maxCx = cx;
      if (cy > maxCy) maxCy = cy;
    }
    this.width = maxCx + 1;
    this.height = maxCy + 1;
    // key·2^b + i must stay an exact integer in a double (2^53).
    const bits = Math.max(1, Math.ceil(Math.log2(n + 1)));
    const scale = 2 ** bits;
    if (this.width * this.height * scale >= 2 ** 53) {
      throw new RangeError(`dbscan grid: ${this.width} x ${this.height} cells of eps ${eps} is too many; use index 'kdbush'`);
    }
    const packed = this.packed.subarray(0, n);
    for (let i = 0; i < n; i++) packed[i] = (this.cellY[i]! * this.width + this.cellX[i]!) * scale + i;
    packed.sort();
    for (let p = 0; p < n; p++) {
      const v = packed[p]!;
      const key = Math.floor(v / scale);
      this.keys[p] = key;
      this.order[p] = v - key * scale;
    }
  }

  /** Appends the neighbours of point i (itself included) to out from position m; returns the new end. */
  collect(x: Float64Array, y: Float64Array, i: number, eps2: number, out: Int32Array, m: number): number {
    const cx = this.cellX[i]!;
    const cy = this.cellY[i]!;
    const xi = x[i]!;
    const yi = y[i]!;
    const x0 = cx > 0 ? cx - 1 : 0;
    const x1 = cx + 1 < this.width ? cx + 1 : cx;
    const y0 = cy > 0 ? cy - 1 : 0;
    const y1 = cy + 1 < this.height ? cy + 1 : cy;
    const keys = this.keys;
    const order = this.order;
    const n = this.n;
    for (let row = y0; row <= y1; row++) {
      const lo = row * this.width + x0;
      const hi = row * this.width + x1;
      let a = 0;
      let b = n;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (keys[mid]! < lo) a = mid + 1;
        else b = mid;
      }
      for (let p = a; p < n && keys[p]! <= hi; p++) {
        const j = order[p]!;
        const dx = x[j]! - xi;
        const dy = y[j]! - yi;
        if (dx * dx + dy * dy <= eps2) out[m++] = j;
      }
    }
    return m;
  }
}

/**
 * Hash of lattice cells (one cell per pixel), 2^16 slots indexed by the low 8 bits of each lattice
 * coordinate, chained per slot: small enough to stay in cache (a dense map over a whole 1800 × 1500
 * plane is 10 MB and measured slower), exact (chains compare full coordinates), and duplicate
 * points simply share a chain. A neighbour query visits the ~π(eps/pitch)² lattice offsets within
 * eps (a small superset; the exact float test decides, as in the grid), independent of density —
 * where the eps-grid scans up to 9 cells of (eps/pitch)² pixels each.
 */
const SLOT_BITS = 8;
const SLOT_MASK = (1 << SLOT_BITS) - 1;

class LatticeIndex {
  private head = new Int32Array(1 << (2 * SLOT_BITS)).fill(-1);
  private next = new Int32Array(256);
  private li = new Int32Array(256);
  private lj = new Int32Array(256);
  private offsets = new Int32Array(0);
  private offsetsFor = '';

  /** Fills the hash; false (hash left empty) when a point is off the lattice. */
  build(x: Float64Array, y: Float64Array, n: number, eps: number, pitch: number): boolean {
    if (!(pitch > 0)) return false;
    if (this.li.length < n) {
      const cap = Math.max(n, this.li.length * 2);
      this.li = new Int32Array(cap);
      this.lj = new Int32Array(cap);
      this.next = new Int32Array(cap);
    }
    for (let k = 0; k < n; k++) {
      const i = Math.round(x[k]! / pitch - 0.5);
      const j = Math.round(y[k]! / pitch - 0.5);
      const off = Math.abs((i + 0.5) * pitch - x[k]!) > 1e-9 * pitch || Math.abs((j + 0.5) * pitch - y[k]!) > 1e-9 * pitch;
      if (off || Math.abs(i) > 2 ** 30 || Math.abs(j) > 2 ** 30) return false;
      this.li[k] = i;
      this.lj[k] = j;
    }
    for (let k = n - 1; k >= 0; k--) {
      const slot = ((this.lj[k]! & SLOT_MASK) << SLOT_BITS) | (this.li[k]! & SLOT_MASK);
      this.next[k] = this.head[slot]!;
      this.head[slot] = k;
    }
    const key = `${eps}/${pitch}`;
    if (this.offsetsFor !== key) {
      const r = Math.ceil(eps / pitch);
      const list: number[] = [];
      for (let dj = -r; dj <= r; dj++) {
        for (let di = -r; di <= r; di++) if ((di * pitch) ** 2 + (dj * pitch) ** 2 <= eps * eps * (1 + 1e-9) + 1e-12) list.push(di, dj);
      }
      this.offsets = Int32Array.from(list);
      this.offsetsFor = key;
    }
    return true;
  }

  collect(x: Float64Array, y: Float64Array, k: number, eps2: number, out: Int32Array, m: number): number {
    const i = this.li[k]!;
    const j = this.lj[k]!;
    const xi = x[k]!;
    const yi = y[k]!;
    const off = this.offsets;
    const head = this.head;
    const next = this.next;
    const li = this.li;
    const lj = this.lj;
    for (let o = 0; o < off.length; o += 2) {
      const pi = i + off[o]!;
      const pj = j + off[o + 1]!;
      for (let q = head[((pj & SLOT_MASK) << SLOT_BITS) | (pi & SLOT_MASK)]!; q >= 0; q = next[q]!) {
        if (li[q] !== pi || lj[q] !== pj) continue;
        const dx = x[q]! - xi;
        const dy = y[q]! - yi;
        if (dx * dx + dy * dy <= eps2) out[m++] = q;
      }
    }
    return m;
  }

  /** Empties the slots of the first n points. */
  clear(n: number): void {
    for (let k = 0; k < n; k++) this.head[((this.lj[k]! & SLOT_MASK) << SLOT_BITS) | (this.li[k]! & SLOT_MASK)] = -1;
  }
}
