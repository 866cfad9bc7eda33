/**
 * Live time-series charts (uPlot): columnar data with a point cap, an optional band between two
 * series (the expected range), and clickable alert markers drawn over the plot.
 */
import uPlot from 'uplot';

export interface SeriesDef {
  readonly label: string;
  readonly stroke: string;
  readonly width?: number;
  readonly dash?: number[];
  /** Right-hand axis. */
  readonly right?: boolean;
  readonly points?: boolean;
}

export interface Marker {
  readonly id: string;
  readonly x: number;
  readonly label: string;
}

export interface ChartOptions {
  readonly title: string;
  readonly series: readonly SeriesDef[];
  readonly yLabel: string;
  readonly rightLabel?: string;
  /** Indices (into series) of the upper and lower edges of a filled band. */
  readonly band?: readonly [number, number];
  readonly maxPoints: number;
  /** x is wall-clock or event time in seconds since the epoch. */
  readonly markers?: () => readonly Marker[];
  readonly onMarker?: (id: string) => void;
  readonly selectedMarker?: () => string | undefined;
}

const AXIS = {
  stroke: '#8a96a3',
  grid: { stroke: '#26313c', width: 1 },
  ticks: { stroke: '#26313c', width: 1 },
};
export const ALERT_COLOUR = '#ff4d4f';

export class LiveChart {
  private readonly u: uPlot;
  private readonly xs: number[] = [];
  private readonly cols: (number | null)[][];
  private dirty = false;

  constructor(
    private readonly el: HTMLElement,
    private readonly o: ChartOptions,
  ) {
    this.cols = o.series.map(() => []);
    const markerPlugin: uPlot.Plugin = { hooks: { draw: [(u) => this.drawMarkers(u)] } };
    const opts: uPlot.Options = {
      title: o.title,
      width: Math.max(300, el.clientWidth - 8),
      height: 170,
      scales: { x: { time: true }, y: { auto: true }, r: { auto: true } },
      axes: [
        { ...AXIS },
        { ...AXIS, label: o.yLabel, size: 56 },
        ...(o.rightLabel === undefined
          ? []
          : [
              { ...AXIS, scale: 'r', side: 1 as const, label: o.rightLabel, grid: { show: false }, size: 56 },
            ]),
      ],
      series: [
        {},
        ...o.series.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          width: s.width ?? 1.5,
          ...(s.dash === undefined ? {} : { dash: s.dash }),
          ...(s.right === true ? { scale: 'r' } : {}),
          points: { show: s.points === true, size: 5, fill: s.stroke },
          spanGaps: false,
        })),
      ],
      ...(o.band === undefined
        ? {}
        : {
            bands: [
              {
                series: [o.band[0] + 1, o.band[1] + 1] as [number, number],
                fill: 'rgba(140, 160, 180, 0.18)',
              },
            ],
          }),
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      plugins: [markerPlugin],
    };
    this.u = new uPlot(opts, [[], ...this.cols] as uPlot.AlignedData, el);
    el.classList.add('empty');
    this.u.over.addEventListener('click', (ev) => this.click(ev));
    window.addEventListener('resize', () =>
      this.u.setSize({ width: Math.max(300, el.clientWidth - 8), height: 170 }),
    );
  }

  /** Appends rows (x ascending); older rows past maxPoints are dropped. */
  push(rows: readonly { x: number; y: readonly (number | null)[] }[]): void {
    for (const r of rows) {
      // Event time can repeat or step back after a restart of the source: keep x increasing.
      const last = this.xs[this.xs.length - 1];
      if (last !== undefined && r.x <= last) continue;
      this.xs.push(r.x);
      this.cols.forEach((c, i) => c.push(r.y[i] ?? null));
    }
    const extra = this.xs.length - this.o.maxPoints;
    if (extra > 0) {
      this.xs.splice(0, extra);
      for (const c of this.cols) c.splice(0, extra);
    }
    this.dirty = true;
  }

  get length(): number {
    return this.xs.length;
  }

  /** Redraws if data or markers changed (call from requestAnimationFrame). */
  render(force = false): void {
    if (!this.dirty && !force) return;
    this.dirty = false;
    this.el.classList.toggle('empty', this.xs.length === 0);
    this.u.setData([this.xs, ...this.cols] as uPlot.AlignedData);
  }

  private drawMarkers(u: uPlot): void {
    const ms = this.o.markers?.() ?? [];
    if (ms.length === 0) return;
    const ctx = u.ctx;
    const { top, height } = u.bbox;
    const sel = this.o.selectedMarker?.();
    ctx.save();
    for (const m of ms) {
      const x = u.valToPos(m.x, 'x', true);
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
      ctx.strokeStyle = ALERT_COLOUR;
      ctx.fillStyle = ALERT_COLOUR;
      ctx.lineWidth = (m.id === sel ? 3 : 2) * devicePixelRatio;
      ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      const s = 7 * devicePixelRatio;
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.moveTo(x - s, top);
      ctx.lineTo(x + s, top);
      ctx.lineTo(x, top + 1.6 * s);
      ctx.closePath();
      ctx.fill();
    }
    ctx.restore();
  }

  private click(ev: MouseEvent): void {
    const ms = this.o.markers?.() ?? [];
    if (ms.length === 0 || this.o.onMarker === undefined) return;
    const rect = this.u.over.getBoundingClientRect();
    const px = ev.clientX - rect.left;
    let best: Marker | undefined;
    let bestD = 10;
    for (const m of ms) {
      const d = Math.abs(this.u.valToPos(m.x, 'x') - px);
      if (d < bestD) {
        best = m;
        bestD = d;
      }
    }
    if (best !== undefined) this.o.onMarker(best.id);
  }
}
