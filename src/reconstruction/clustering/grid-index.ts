/** The 'grid' spatial index of DBSCAN (dbscan.ts), for points anywhere in the plane. */
import { ContractError } from '../../domain/index.js';

/**
 * Uniform grid with cell side = eps: every neighbour of a point lies in its own or one of the
 * 8 adjacent cells. Points are sorted by cell key (row-major), so the 3 cells of one row are a
 * contiguous key range found by binary search; no per-cell array over the whole plane is needed
 * (sparse dark-count hits would make that as large as the plane).
 */
export class GridIndex {
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
      throw new ContractError(
        `dbscan grid: ${this.width} x ${this.height} cells of eps ${eps} is too many; use index 'kdbush'`,
      );
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
