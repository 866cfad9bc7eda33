/** The 'lattice' spatial index of DBSCAN (dbscan.ts), for points on a square lattice (pixel centres). */

/**
 * A row sweep over the points sorted by lattice key (row, then column). The lattice offsets
 * within eps form, row by row, one contiguous column range [i − w(dj), i + w(dj)], and as the
 * sweep advances in key order the start of each row range only moves forward: one pointer per
 * row offset, no hashing, and only occupied pixels are ever visited (the eps-grid scans up to 9
 * cells of (eps/pitch)² pixels, a hash probes every offset, occupied or not). The exact float
 * test of the grid still decides (the row widths carry a 1e-9 tolerance), so ties and labels are
 * the grid's. Points already in key order (what the simulator and the decoders deliver) skip the
 * sort.
 */
const COORD_LIMIT = 2 ** 20;
const ROW = 2 ** 21;

export class LatticeIndex {
  private key = new Float64Array(256);
  private order = new Int32Array(256);
  private sortedKey = new Float64Array(256);
  private widths = new Int32Array(0);
  /** Per row offset: 1 when its outermost columns lie on the eps circle (exact ties: the float test decides there). */
  private tie = new Uint8Array(0);
  private widthsFor = '';
  private ptr = new Int32Array(0);
  /** collectAll's scratch: list length per sorted position, and the pairs found (sorted positions). */
  private deg = new Int32Array(256);
  private pairA = new Int32Array(4096);
  private pairB = new Int32Array(4096);

  /** Computes the keys (and the key order); false when a point is off the lattice. */
  build(x: Float64Array, y: Float64Array, n: number, eps: number, pitch: number): boolean {
    if (!(pitch > 0)) return false;
    if (this.key.length < n) {
      const cap = Math.max(n, this.key.length * 2);
      this.key = new Float64Array(cap);
      this.order = new Int32Array(cap);
      this.sortedKey = new Float64Array(cap);
    }
    let sorted = true;
    for (let k = 0; k < n; k++) {
      const i = Math.round(x[k]! / pitch - 0.5);
      const j = Math.round(y[k]! / pitch - 0.5);
      const off =
        Math.abs((i + 0.5) * pitch - x[k]!) > 1e-9 * pitch ||
        Math.abs((j + 0.5) * pitch - y[k]!) > 1e-9 * pitch;
      if (off || Math.abs(i) >= COORD_LIMIT || Math.abs(j) >= COORD_LIMIT) return false;
      this.key[k] = (j + COORD_LIMIT) * ROW + (i + COORD_LIMIT);
      this.order[k] = k;
      if (k > 0 && this.key[k]! < this.key[k - 1]!) sorted = false;
    }
    if (!sorted) {
      const key = this.key;
      this.order.subarray(0, n).sort((a, b) => key[a]! - key[b]! || a - b);
    }
    for (let s = 0; s < n; s++) this.sortedKey[s] = this.key[this.order[s]!]!;
    const wkey = `${eps}/${pitch}`;
    if (this.widthsFor !== wkey) {
      const r = Math.ceil(eps / pitch);
      const w: number[] = [];
      const tie: number[] = [];
      for (let dj = -r; dj <= r; dj++) {
        let best = -1;
        for (let di = 0; di <= r; di++)
          if ((di * pitch) ** 2 + (dj * pitch) ** 2 <= eps * eps * (1 + 1e-9) + 1e-12) best = di;
        w.push(best);
        // Columns strictly inside the circle by more than the tolerance pass the float test for sure.
        tie.push(best >= 0 && (best * pitch) ** 2 + (dj * pitch) ** 2 >= eps * eps * (1 - 1e-6) ? 1 : 0);
      }
      this.widths = Int32Array.from(w);
      this.tie = Uint8Array.from(tie);
      this.ptr = new Int32Array(w.length);
      this.widthsFor = wkey;
    }
    return true;
  }

  /**
   * Every point's neighbours within eps (itself included): for point k, out[start[k] .. end[k]).
   * `room(m)` must make out hold at least m + n entries and return it (it may grow the buffer).
   * Each pair is found once, from its earlier point in key order (the forward half of the disc:
   * its own row after it, the rows below), and written into both lists: half the row scans of
   * looking around every point. The order within a list is not DBSCAN's concern (dbscan.ts).
   */
  collectAll(
    x: Float64Array,
    y: Float64Array,
    n: number,
    eps2: number,
    start: Int32Array,
    end: Int32Array,
    room: (m: number) => Int32Array,
  ): number {
    const widths = this.widths;
    const rows = widths.length;
    const r = (rows - 1) / 2;
    const ptr = this.ptr.fill(0);
    const tie = this.tie;
    const order = this.order;
    const sk = this.sortedKey;
    if (this.deg.length < n) this.deg = new Int32Array(Math.max(n, this.deg.length * 2));
    const deg = this.deg.fill(1, 0, n); // by sorted position; 1 = the point itself
    let np = 0;
    for (let s = 0; s < n; s++) {
      const base = sk[s]!;
      const k = order[s]!;
      const xk = x[k]!;
      const yk = y[k]!;
      if (np + n > this.pairA.length) this.growPairs(np + n);
      const pa = this.pairA;
      const pb = this.pairB;
      for (let row = r; row < rows; row++) {
        const w = widths[row]!;
        if (w < 0) continue;
        const rowBase = base + (row - r) * ROW;
        const hi = rowBase + w;
        let p: number;
        if (row === r) p = s + 1;
        else {
          const lo = rowBase - w;
          p = ptr[row]!;
          while (p < n && sk[p]! < lo) p++;
          ptr[row] = p;
        }
        if (tie[row] === 0) {
          // Every lattice point of this row's range is well inside eps: no float test.
          for (let q = p; q < n && sk[q]! <= hi; q++) {
            pa[np] = s;
            pb[np++] = q;
            deg[s]!++;
            deg[q]!++;
          }
          continue;
        }
        for (let q = p; q < n && sk[q]! <= hi; q++) {
          const c = order[q]!;
          const dx = x[c]! - xk;
          const dy = y[c]! - yk;
          if (dx * dx + dy * dy > eps2) continue;
          pa[np] = s;
          pb[np++] = q;
          deg[s]!++;
          deg[q]!++;
        }
      }
    }
    const out = room(2 * np);
    // One list per point, each starting with the point itself; end[k] is the fill cursor.
    let m = 0;
    for (let s = 0; s < n; s++) {
      const k = order[s]!;
      start[k] = m;
      out[m] = k;
      end[k] = m + 1;
      m += deg[s]!;
    }
    const pa = this.pairA;
    const pb = this.pairB;
    for (let t = 0; t < np; t++) {
      const ka = order[pa[t]!]!;
      const kb = order[pb[t]!]!;
      out[end[ka]!++] = kb;
      out[end[kb]!++] = ka;
    }
    return m;
  }

  private growPairs(need: number): void {
    const cap = Math.max(need, this.pairA.length * 2);
    const a = new Int32Array(cap);
    const b = new Int32Array(cap);
    a.set(this.pairA);
    b.set(this.pairB);
    this.pairA = a;
    this.pairB = b;
  }
}
