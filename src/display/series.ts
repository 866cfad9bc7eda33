/**
 * Bounded series for the live display (pure): a ring buffer and the event-time input rate per
 * step bin with its trailing band. Latency quantiles: bucketQuantile (src/numerics), the one
 * histogram quantile the display and the benchmarks share.
 */
import type { InputRatePoint } from './protocol.js';

/** Keeps the last `capacity` items; older ones are dropped. */
export class Ring<T> {
  private items: T[] = [];
  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`ring capacity must be >= 1, got ${capacity}`);
  }
  push(...xs: readonly T[]): void {
    this.items.push(...xs);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }
  toArray(): T[] {
    return this.items.slice();
  }
  get length(): number {
    return this.items.length;
  }
  find(pred: (x: T) => boolean): T | undefined {
    for (let i = this.items.length - 1; i >= 0; i--) if (pred(this.items[i]!)) return this.items[i];
    return undefined;
  }
  filter(pred: (x: T) => boolean): T[] {
    return this.items.filter(pred);
  }
}

export interface InputRateConfig {
  readonly stepS: number;
  /** Bins averaged for the expected rate. */
  readonly trailingS: number;
  /** A bin closes once the newest timestamp is this far past its end. */
  readonly latenessS: number;
}

/**
 * Counts events per step bin of event time and closes bins as event time moves on (bins with no
 * event close as zero); each closed bin is compared with the mean of the trailing bins before it
 * (± 2 Poisson sigma of a bin's count). Bins older than the oldest open bin are ignored (late).
 */
export class InputRateBins {
  private readonly stepNs: bigint;
  private readonly latenessNs: bigint;
  private readonly trailingBins: number;
  private readonly open = new Map<number, number>();
  private next: number | undefined;
  private readonly trailing: number[] = [];
  private trailingSum = 0;

  constructor(private readonly cfg: InputRateConfig) {
    if (!(cfg.stepS > 0)) throw new RangeError(`stepS must be > 0, got ${cfg.stepS}`);
    this.stepNs = BigInt(Math.round(cfg.stepS * 1e9));
    this.latenessNs = BigInt(Math.round(cfg.latenessS * 1e9));
    this.trailingBins = Math.max(1, Math.round(cfg.trailingS / cfg.stepS));
  }

  /** Adds event timestamps (ns); returns the bins this closed, oldest first. */
  add(timestampsNs: readonly bigint[]): InputRatePoint[] {
    if (timestampsNs.length === 0) return [];
    let maxTs: bigint | undefined;
    for (const ts of timestampsNs) {
      const b = Number(ts / this.stepNs);
      if (this.next === undefined) this.next = b;
      if (b < this.next) continue;
      this.open.set(b, (this.open.get(b) ?? 0) + 1);
      if (maxTs === undefined || ts > maxTs) maxTs = ts;
    }
    if (maxTs === undefined || this.next === undefined) return [];
    const lastClosed = Number((maxTs - this.latenessNs) / this.stepNs) - 1;
    const out: InputRatePoint[] = [];
    // Long gaps: at most a trailing window of empty bins is worth emitting.
    if (lastClosed - this.next > 10 * this.trailingBins) this.next = lastClosed - this.trailingBins;
    for (let b = this.next; b <= lastClosed; b++) {
      const n = this.open.get(b) ?? 0;
      this.open.delete(b);
      out.push(this.point(b, n));
    }
    if (lastClosed >= this.next) this.next = lastClosed + 1;
    for (const k of this.open.keys()) if (k < this.next) this.open.delete(k);
    return out;
  }

  private point(bin: number, n: number): InputRatePoint {
    const s = this.cfg.stepS;
    const full = this.trailing.length >= this.trailingBins;
    const mean = full ? this.trailingSum / this.trailing.length : null;
    this.trailing.push(n);
    this.trailingSum += n;
    if (this.trailing.length > this.trailingBins) this.trailingSum -= this.trailing.shift()!;
    const tS = (bin + 1) * this.cfg.stepS;
    return {
      tS,
      hz: n / s,
      expectedHz: mean === null ? null : mean / s,
      bandLoHz: mean === null ? null : Math.max(0, mean - 2 * Math.sqrt(mean)) / s,
      bandHiHz: mean === null ? null : (mean + 2 * Math.sqrt(mean)) / s,
    };
  }
}
