/**
 * Figures of merit for a selection: the Asimov discovery significance, ROC curves and their area,
 * the threshold that maximises the significance, and the flatness of an efficiency. Pure.
 */

/**
 * Median discovery significance for s expected signal events over b expected background
 * (Cowan, Cranmer, Gross, Vitells, Eur. Phys. J. C 71 (2011) 1554, eq. 97):
 * Z = √(2((s + b) ln(1 + s/b) − s)); → s/√b for s ≪ b. b = 0 with s > 0 gives Infinity.
 */
export function asimovZ(s: number, b: number): number {
  if (!(s > 0)) return 0;
  if (!(b > 0)) return Infinity;
  return Math.sqrt(Math.max(0, 2 * ((s + b) * Math.log1p(s / b) - s)));
}

export interface RocPoint {
  readonly threshold: number;
  /** Weighted fraction of signal (background) with score >= threshold. */
  readonly signalEfficiency: number;
  readonly backgroundEfficiency: number;
}

/**
 * ROC of score ≥ t for signal vs background samples (weights optional): one point per distinct
 * score, from the highest threshold down, starting at (0, 0).
 */
export function roc(
  sig: ArrayLike<number>,
  bkg: ArrayLike<number>,
  wSig?: ArrayLike<number>,
  wBkg?: ArrayLike<number>,
): RocPoint[] {
  const all: { s: number; w: number; sig: boolean }[] = [];
  let ws = 0;
  let wb = 0;
  for (let i = 0; i < sig.length; i++) {
    const w = wSig?.[i] ?? 1;
    all.push({ s: sig[i]!, w, sig: true });
    ws += w;
  }
  for (let i = 0; i < bkg.length; i++) {
    const w = wBkg?.[i] ?? 1;
    all.push({ s: bkg[i]!, w, sig: false });
    wb += w;
  }
  all.sort((a, b) => b.s - a.s);
  const out: RocPoint[] = [{ threshold: Infinity, signalEfficiency: 0, backgroundEfficiency: 0 }];
  let cs = 0;
  let cb = 0;
  for (let i = 0; i < all.length; i++) {
    const e = all[i]!;
    if (e.sig) cs += e.w;
    else cb += e.w;
    if (i + 1 < all.length && all[i + 1]!.s === e.s) continue;
    out.push({
      threshold: e.s,
      signalEfficiency: ws > 0 ? cs / ws : 0,
      backgroundEfficiency: wb > 0 ? cb / wb : 0,
    });
  }
  return out;
}

/** Area under the ROC (trapezoids; ties count one half), the probability that signal scores above background. */
export function auc(points: readonly RocPoint[]): number {
  let a = 0;
  for (let i = 1; i < points.length; i++) {
    const p = points[i - 1]!;
    const q = points[i]!;
    a += ((q.backgroundEfficiency - p.backgroundEfficiency) * (q.signalEfficiency + p.signalEfficiency)) / 2;
  }
  return a;
}

/** Scored events of one class with the expected rate of that class, Hz. */
export interface ScoredClass {
  readonly name: string;
  readonly isSignal: boolean;
  readonly rateHz: number;
  /** Scores of every generated event of the class (−Infinity or 0 for one never selected). */
  readonly scores: ArrayLike<number>;
}

export interface WorkingPoint {
  readonly threshold: number;
  readonly z: number;
  readonly signal: number;
  readonly background: number;
  readonly signalEfficiency: number;
  /** Efficiency (score >= threshold) per class name. */
  readonly efficiency: Readonly<Record<string, number>>;
}

/** Efficiency of every class at a threshold and the Asimov Z over windowS seconds. */
export function workingPointAt(
  classes: readonly ScoredClass[],
  threshold: number,
  windowS: number,
): WorkingPoint {
  let s = 0;
  let b = 0;
  let effS = 0;
  const efficiency: Record<string, number> = {};
  for (const c of classes) {
    let k = 0;
    for (let i = 0; i < c.scores.length; i++) if (c.scores[i]! >= threshold) k++;
    const eff = c.scores.length > 0 ? k / c.scores.length : 0;
    efficiency[c.name] = eff;
    if (c.isSignal) {
      s += c.rateHz * eff * windowS;
      effS = eff;
    } else b += c.rateHz * eff * windowS;
  }
  return { threshold, z: asimovZ(s, b), signal: s, background: b, signalEfficiency: effS, efficiency };
}

/** 0 to 0.995 in steps of 0.005, then 1 − 10^(−k/8) up to 0.9999 (scores of a good classifier crowd near 1). */
export const DEFAULT_THRESHOLDS: readonly number[] = [
  ...Array.from({ length: 200 }, (_, i) => i * 0.005),
  ...Array.from({ length: 16 }, (_, k) => 1 - 10 ** (-(k + 17) / 8)).filter((t) => t > 0.995),
];

/**
 * The threshold (among candidates, default DEFAULT_THRESHOLDS in [0, 1)) with the largest Asimov Z. A
 * background sample without a selected event would give b = 0 and Z = ∞; b is floored at the
 * expected count of one selected event in the smallest background sample (the sample's resolution),
 * so the maximum is not an artefact of the sample size.
 */
export function bestWorkingPoint(
  classes: readonly ScoredClass[],
  windowS: number,
  candidates?: readonly number[],
): WorkingPoint {
  const ts = candidates ?? DEFAULT_THRESHOLDS;
  const bkg = classes.filter((c) => !c.isSignal && c.rateHz > 0 && c.scores.length > 0);
  const floorB = bkg.length === 0 ? 0 : Math.min(...bkg.map((c) => (c.rateHz * windowS) / c.scores.length));
  let best: WorkingPoint | undefined;
  for (const t of ts) {
    const wp = workingPointAt(classes, t, windowS);
    const z = asimovZ(wp.signal, Math.max(wp.background, floorB));
    if (best === undefined || z > best.z) best = { ...wp, z };
  }
  return best!;
}

/**
 * Flatness of an efficiency across bins: the count-weighted standard deviation of the per-bin
 * efficiency about the overall efficiency (0 = perfectly flat). Bins without events are skipped.
 */
export function efficiencyFlatness(selected: readonly number[], total: readonly number[]): number {
  let n = 0;
  let k = 0;
  for (let i = 0; i < total.length; i++) {
    n += total[i]!;
    k += selected[i]!;
  }
  if (n === 0) return 0;
  const mean = k / n;
  let v = 0;
  for (let i = 0; i < total.length; i++)
    if (total[i]! > 0) v += total[i]! * (selected[i]! / total[i]! - mean) ** 2;
  return Math.sqrt(v / n);
}
