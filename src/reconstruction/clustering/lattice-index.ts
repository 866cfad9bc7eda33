/** The 'lattice' spatial index of DBSCAN (dbscan.ts), for points on a square lattice (pixel centres). */

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

export class LatticeIndex {
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
