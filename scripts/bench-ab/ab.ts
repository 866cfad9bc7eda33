/**
 * A/B helpers for the library-versus-hand-written benchmarks: CPU time of this process, and a
 * table of medians with their spread and the paired ratio of each round (the two sides of one
 * round ran back to back, so the ratio cancels most of a shared machine's load swings).
 */
import { median } from '../../src/numerics/index.js';

/** CPU time of this process (main thread, zlib and fs threads), ms: steadier than wall time on a shared machine. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * A full collection before each timed pass (when node runs with --expose-gc), so that one side's
 * garbage is not collected on the other side's time.
 */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Per metric, per side: one sample a round (lower is better: CPU ms, µs per item). */
export class Samples {
  private readonly byKey = new Map<string, { a: number[]; b: number[] }>();
  add(metric: string, side: 'a' | 'b', value: number): void {
    const e = this.byKey.get(metric) ?? { a: [], b: [] };
    e[side].push(value);
    this.byKey.set(metric, e);
  }
  /**
   * Markdown: median [min–max] of each side, and the median [min–max] over rounds of b/a − 1
   * (positive: b is slower).
   */
  table(unit: string, a: string, b: string): string {
    const f = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
    const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} %`;
    const cell = (v: number[]): string => `${f(median(v))} [${f(Math.min(...v))}–${f(Math.max(...v))}]`;
    const rows = [`| metric (${unit}) | ${a} | ${b} | ${b} vs ${a}, paired per round |`, '|---|---|---|---|'];
    for (const [metric, { a: va, b: vb }] of this.byKey) {
      const ratios = va.map((x, i) => vb[i]! / x - 1);
      const spread = `${pct(median(ratios))} [${pct(Math.min(...ratios))} … ${pct(Math.max(...ratios))}]`;
      rows.push(`| ${metric} | ${cell(va)} | ${cell(vb)} | ${spread} |`);
    }
    return rows.join('\n');
  }
}
