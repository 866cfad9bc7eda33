/**
 * Minimal SVG charts as strings (no DOM, no dependencies): points with error bars plus curves,
 * and overlaid step histograms. Coordinates are in px of a fixed viewBox.
 */

export interface Series {
  readonly label: string;
  readonly colour: string;
  readonly points: readonly { x: number; y: number; err?: number }[];
}
export interface Curve {
  readonly label: string;
  readonly colour: string;
  readonly f: (x: number) => number;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
}

const M = { left: 64, right: 16, top: 32, bottom: 48 };

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round "nice" tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push(Number(t.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0)
    ? v.toExponential(1)
    : String(Number(v.toPrecision(4)));
}

interface Frame {
  sx: (x: number) => number;
  sy: (y: number) => number;
  parts: string[];
  w: number;
  h: number;
}

function frame(opts: ChartOptions, xr: [number, number], yr: [number, number]): Frame {
  const w = opts.width ?? 640;
  const h = opts.height ?? 400;
  const pw = w - M.left - M.right;
  const ph = h - M.top - M.bottom;
  const sx = (x: number): number => M.left + ((x - xr[0]) / (xr[1] - xr[0] || 1)) * pw;
  const sy = (y: number): number => M.top + ph - ((y - yr[0]) / (yr[1] - yr[0] || 1)) * ph;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(opts.title)}</text>`,
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
  ];
  for (const t of ticks(xr[0], xr[1])) {
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" y1="${M.top + ph}" x2="${x}" y2="${M.top + ph + 4}" stroke="#333"/>`);
    parts.push(`<text x="${x}" y="${M.top + ph + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(yr[0], yr[1])) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${M.left - 4}" y1="${y}" x2="${M.left}" y2="${y}" stroke="#333"/>`);
    parts.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + pw}" y2="${y}" stroke="#eee"/>`);
    parts.push(
      `<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`,
    );
  }
  parts.push(
    `<text x="${M.left + pw / 2}" y="${h - 10}" text-anchor="middle">${escapeXml(opts.xLabel)}</text>`,
  );
  parts.push(
    `<text x="14" y="${M.top + ph / 2}" text-anchor="middle" transform="rotate(-90 14 ${M.top + ph / 2})">${escapeXml(opts.yLabel)}</text>`,
  );
  return { sx, sy, parts, w, h };
}

function legend(f: Frame, items: readonly { label: string; colour: string }[]): void {
  items.forEach((it, k) => {
    const y = M.top + 14 + 16 * k;
    const x = f.w - M.right - 220;
    f.parts.push(`<rect x="${x}" y="${y - 8}" width="12" height="8" fill="${it.colour}"/>`);
    f.parts.push(`<text x="${x + 18}" y="${y}">${escapeXml(it.label)}</text>`);
  });
}

/** Points with vertical error bars, plus curves sampled over the x range. */
export function scatterChart(
  opts: ChartOptions,
  series: readonly Series[],
  curves: readonly Curve[] = [],
): string {
  const xs = series.flatMap((s) => s.points.map((p) => p.x)).filter(Number.isFinite);
  const ys = series
    .flatMap((s) => s.points.flatMap((p) => [p.y + (p.err ?? 0), p.y - (p.err ?? 0)]))
    .filter(Number.isFinite);
  const xr: [number, number] = xs.length > 0 ? [Math.min(0, ...xs), Math.max(...xs) * 1.05] : [0, 1];
  const yr: [number, number] = ys.length > 0 ? [Math.min(0, ...ys), Math.max(...ys) * 1.15] : [0, 1];
  const f = frame(opts, xr, yr);
  for (const c of curves) {
    const pts: string[] = [];
    for (let k = 0; k <= 100; k++) {
      const x = xr[0] + ((xr[1] - xr[0]) * k) / 100;
      const y = c.f(x);
      if (Number.isFinite(y) && y >= yr[0] && y <= yr[1])
        pts.push(`${f.sx(x).toFixed(1)},${f.sy(y).toFixed(1)}`);
    }
    if (pts.length > 1)
      f.parts.push(
        `<polyline fill="none" stroke="${c.colour}" stroke-width="1.5" points="${pts.join(' ')}"/>`,
      );
  }
  for (const s of series) {
    for (const p of s.points) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
      const x = f.sx(p.x).toFixed(1);
      if (p.err !== undefined && p.err > 0) {
        f.parts.push(
          `<line x1="${x}" y1="${f.sy(p.y - p.err).toFixed(1)}" x2="${x}" y2="${f.sy(p.y + p.err).toFixed(1)}" stroke="${s.colour}"/>`,
        );
      }
      f.parts.push(`<circle cx="${x}" cy="${f.sy(p.y).toFixed(1)}" r="3" fill="${s.colour}"/>`);
    }
  }
  legend(f, [...series, ...curves]);
  f.parts.push('</svg>');
  return f.parts.join('\n') + '\n';
}

export interface HistogramSeries {
  readonly label: string;
  readonly colour: string;
  readonly values: ArrayLike<number>;
}

/** Step histograms of several samples on common bins over [lo, hi] (overflow not drawn, counted in the label). */
export function histogramChart(
  opts: ChartOptions,
  series: readonly HistogramSeries[],
  lo: number,
  hi: number,
  nBins = 60,
): string {
  const width = (hi - lo) / nBins;
  const hists = series.map((s) => {
    const h = new Array<number>(nBins).fill(0);
    let outside = 0;
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i]!;
      const b = Math.floor((v - lo) / width);
      if (b >= 0 && b < nBins) h[b]!++;
      else outside++;
    }
    return { s, h, outside };
  });
  const ymax = Math.max(1, ...hists.flatMap((x) => x.h));
  const f = frame(opts, [lo, hi], [0, ymax * 1.1]);
  for (const { s, h } of hists) {
    const pts: string[] = [`${f.sx(lo).toFixed(1)},${f.sy(0).toFixed(1)}`];
    h.forEach((c, b) => {
      const x0 = f.sx(lo + b * width).toFixed(1);
      const x1 = f.sx(lo + (b + 1) * width).toFixed(1);
      const y = f.sy(c).toFixed(1);
      pts.push(`${x0},${y}`, `${x1},${y}`);
    });
    pts.push(`${f.sx(hi).toFixed(1)},${f.sy(0).toFixed(1)}`);
    f.parts.push(`<polyline fill="none" stroke="${s.colour}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
  }
  legend(
    f,
    hists.map(({ s, outside }) => ({
      label: outside > 0 ? `${s.label} (${outside} outside)` : s.label,
      colour: s.colour,
    })),
  );
  f.parts.push('</svg>');
  return f.parts.join('\n') + '\n';
}
