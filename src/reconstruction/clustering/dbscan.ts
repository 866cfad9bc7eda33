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
import { ContractError } from '../../domain/index.js';
import KDBush from 'kdbush';
import { GridIndex } from './grid-index.js';
import { LatticeIndex } from './lattice-index.js';

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
  if (!(config.eps > 0) || !Number.isFinite(config.eps))
    throw new ContractError(`dbscan eps must be finite and > 0, got ${config.eps}`);
  if (!(config.minSamples > 0))
    throw new ContractError(`dbscan minSamples must be > 0, got ${config.minSamples}`);
  return new DbscanRuntime(config);
}

class DbscanRuntime implements Dbscan {
  private labels = new Int32Array(256);
  private core = new Uint8Array(256);
  /** Neighbour lists from the core pass, reused by the expansion pass: point i's are nbr[nbrStart[i] .. nbrEnd[i]). */
  private nbrStart = new Int32Array(257);
  private nbrEnd = new Int32Array(257);
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
    // Pass 1: neighbourhoods (nbr[nbrStart[i] .. nbrEnd[i])) and core flags.
    let m = 0;
    const end = this.nbrEnd;
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
        end[i] = m;
      }
    } else if (
      this.config.index === 'lattice' &&
      this.lattice.build(x, y, n, eps, this.config.latticePitch ?? NaN)
    ) {
      m = this.lattice.collectAll(x, y, n, eps2, this.nbrStart, end, (used) => {
        if (used + n > this.nbr.length) this.growNbr(used + n);
        return this.nbr;
      });
    } else {
      this.grid.build(x, y, n, eps);
      for (let i = 0; i < n; i++) {
        this.nbrStart[i] = m;
        if (m + n > this.nbr.length) this.growNbr(m + n);
        m = this.grid.collect(x, y, i, eps2, this.nbr, m);
        end[i] = m;
      }
    }
    for (let i = 0; i < n; i++) {
      let w = 0;
      const e = end[i]!;
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
        for (let k = start[p]!, e = end[p]!; k < e; k++) {
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
    this.nbrEnd = new Int32Array(cap + 1);
  }

  private growNbr(need: number): void {
    const next = new Int32Array(Math.max(need, this.nbr.length * 2));
    next.set(this.nbr);
    this.nbr = next;
  }
}
