/**
 * The selected-event rate and its significance over event time, for the trigger commands'
 * `--plot DIR`: DIR/selected_rate.svg (observed and expected rate per excess window) and
 * DIR/excess_significance.svg (Z with the alert threshold), alerts marked on both. Memory stays
 * bounded however long the run: past MAX_POINTS the series keeps every other point.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExcessAlert } from '../domain/index.js';
import { scatterChart } from '../report/index.js';
import type { WindowEvaluation } from '../trigger/index.js';

const MAX_POINTS = 4000;

interface Point {
  readonly endNs: bigint;
  readonly observedHz: number;
  readonly expectedHz: number;
  readonly z: number;
}

export class RatePlot {
  private points: Point[] = [];
  private stride = 1;
  private seen = 0;
  private readonly alerts: ExcessAlert[] = [];

  constructor(
    private readonly windowS: number,
    private readonly zThreshold: number,
  ) {}

  add(evaluations: readonly WindowEvaluation[], alerts: readonly ExcessAlert[]): void {
    for (const e of evaluations) {
      if (this.seen++ % this.stride !== 0) continue;
      this.points.push({
        endNs: e.windowEndNs,
        observedHz: e.observed / this.windowS,
        expectedHz: e.expected / this.windowS,
        z: e.z,
      });
      if (this.points.length >= MAX_POINTS) {
        this.points = this.points.filter((_, k) => k % 2 === 0);
        this.stride *= 2;
      }
    }
    this.alerts.push(...alerts.slice(0, Math.max(0, 1000 - this.alerts.length)));
  }

  /** Writes both charts; returns their paths (none when no window was evaluated). */
  write(dir: string): string[] {
    const first = this.points[0];
    if (first === undefined) return [];
    const t0 = first.endNs;
    const s = (ns: bigint): number => Number(ns - t0) / 1e9;
    const alertAt = this.alerts.map((a) => ({ x: s(a.windowEndNs), a }));
    const rate = scatterChart(
      {
        title: `Selected-event rate in ${this.windowS} s windows`,
        xLabel: 'event time from the first evaluated window (s)',
        yLabel: 'rate (Hz)',
      },
      [
        {
          label: 'observed',
          colour: '#1f77b4',
          points: this.points.map((p) => ({ x: s(p.endNs), y: p.observedHz })),
        },
        {
          label: 'expected (background)',
          colour: '#999999',
          points: this.points.map((p) => ({ x: s(p.endNs), y: p.expectedHz })),
        },
        {
          label: 'alert (rate in its window)',
          colour: '#d62728',
          points: alertAt.map(({ x, a }) => ({
            x,
            y: a.observed / (Number(a.windowEndNs - a.windowStartNs) / 1e9),
          })),
        },
      ],
    );
    const sig = scatterChart(
      {
        title: 'Excess significance of the latest window',
        xLabel: 'event time from the first evaluated window (s)',
        yLabel: 'Z (one-sided)',
      },
      [
        { label: 'Z', colour: '#1f77b4', points: this.points.map((p) => ({ x: s(p.endNs), y: p.z })) },
        { label: 'alert', colour: '#d62728', points: alertAt.map(({ x, a }) => ({ x, y: a.z })) },
      ],
      [{ label: `threshold Z = ${this.zThreshold}`, colour: '#d62728', f: () => this.zThreshold }],
    );
    mkdirSync(dir, { recursive: true });
    const paths = [join(dir, 'selected_rate.svg'), join(dir, 'excess_significance.svg')];
    writeFileSync(paths[0]!, rate);
    writeFileSync(paths[1]!, sig);
    return paths;
  }
}

/** The `drive` plot option for `--plot DIR` (undefined without the flag). */
/** `--plot DIR`: where to write the charts, and the chart collecting them. */
export interface RatePlotOption {
  readonly dir: string;
  readonly chart: RatePlot;
}

export function ratePlotOption(
  dir: string | undefined,
  excess: { readonly windowS: number; readonly zThreshold: number },
): RatePlotOption | undefined {
  return dir === undefined ? undefined : { dir, chart: new RatePlot(excess.windowS, excess.zThreshold) };
}
