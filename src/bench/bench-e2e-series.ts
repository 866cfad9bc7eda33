/**
 * bench-e2e's latency over time: the measured frames in windows of their send time, each with
 * its count and latency p50 / p99 / max, and the same as an SVG plot. A single p99 over the run
 * cannot tell a start-up transient (JIT compilation, a fresh consumer) from spikes spread over the
 * run (GC, a broker flush, another process on the machine); the series can.
 */
import { quantile } from '../numerics/index.js';
import { scatterChart } from '../report/index.js';

export interface LatencyWindow {
  /** Window start, seconds after the first measured frame was sent. */
  readonly startS: number;
  readonly frames: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Frames by window of `windowS` seconds of send time (ms since the measured phase started); latencies in ms. */
export function latencySeries(
  frames: readonly { sentMs: number; latencyMs: number }[],
  windowS: number,
): LatencyWindow[] {
  if (!(windowS > 0)) throw new RangeError(`latencySeries: window must be > 0 s, got ${windowS}`);
  const bins = new Map<number, number[]>();
  for (const f of frames) {
    if (!Number.isFinite(f.sentMs) || !Number.isFinite(f.latencyMs)) continue;
    const k = Math.floor(f.sentMs / 1000 / windowS);
    const b = bins.get(k);
    if (b === undefined) bins.set(k, [f.latencyMs]);
    else b.push(f.latencyMs);
  }
  return [...bins.keys()]
    .sort((a, b) => a - b)
    .map((k) => {
      const lat = bins.get(k)!.sort((a, b) => a - b);
      return {
        startS: k * windowS,
        frames: lat.length,
        p50Ms: quantile(lat, 0.5),
        p99Ms: quantile(lat, 0.99),
        maxMs: lat[lat.length - 1]!,
      };
    });
}

/** p50, p99 and max per window against time. */
export function latencyPlot(title: string, windows: readonly LatencyWindow[]): string {
  const series = [
    { label: 'max', colour: '#bbbbbb', points: windows.map((w) => ({ x: w.startS, y: w.maxMs })) },
    { label: 'p99', colour: '#d62728', points: windows.map((w) => ({ x: w.startS, y: w.p99Ms })) },
    { label: 'p50', colour: '#1f77b4', points: windows.map((w) => ({ x: w.startS, y: w.p50Ms })) },
  ];
  return scatterChart(
    { title, xLabel: 'time since the measured phase started (s, by send time)', yLabel: 'latency (ms)' },
    series,
  );
}
