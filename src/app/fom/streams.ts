/**
 * The trigger's figure of merit measured through the real excess stage (src/pipeline's
 * ExcessStage over src/trigger's monitor): seeded streams of events at the configured class rates
 * (Poisson arrivals per class; each arrival is a reconstructed event drawn from that class's pool,
 * with the selection's decision for it), the signal rate multiplied by a factor for an injection
 * window, candidates fed to the stage in one-second batches in event time.
 *
 * - detection: the stage raises a window-method alert (Z ≥ trigger.excess.zThreshold) whose window
 *   overlaps the injection;
 * - minimum detectable excess (MDE): the factor whose detection fraction over the runs reaches the
 *   goal (90 %): bisection on a coarse grid, then a fine scan and the interpolated crossing with
 *   its binomial interval (the same seeds at every factor);
 * - false alarms: alerts per hour on background-only streams (nominal rates, no injection).
 */
import type { ExcessConfig } from '../../config/index.js';
import { Rng, type Candidate, type ExcessAlert } from '../../domain/index.js';
import { createExcessStage, DEFAULT_MAX_TRACKED_IDS } from '../../pipeline/index.js';
import { clopperPearson, goalCrossing, type Crossing, type ScanPoint } from './crossing.js';

/** One class's pool: the selection decision of each of its simulated events (1 = selected). */
export interface ClassPool {
  readonly name: string;
  readonly rateHz: number;
  readonly selected: Uint8Array;
}

export interface StreamPlan {
  readonly pools: readonly ClassPool[];
  /** The class whose rate the injection multiplies. */
  readonly signalClass: string;
  readonly excess: ExcessConfig;
  /** Injection start and length, s; the stream runs until start + length + settleS. */
  readonly injectionStartS: number;
  readonly injectionS: number;
  readonly settleS: number;
}

export interface RunOutcome {
  readonly detected: boolean;
  /** Alerts of each method in the run. */
  readonly windowAlerts: number;
  readonly cusumAlerts: number;
  readonly maxZ: number;
}

const NS = 1_000_000_000n;

/** Feeds one stream to a fresh excess stage and returns its alerts; factor multiplies the signal rate inside the injection. */
export function runStream(
  plan: StreamPlan,
  factor: number,
  seed: number,
  durationS: number,
  injection = true,
): ExcessAlert[] {
  const rng = new Rng(seed >>> 0);
  const stage = createExcessStage({
    excess: plan.excess,
    idlePartitionMs: 1e12,
    maxTrackedIds: DEFAULT_MAX_TRACKED_IDS,
  });
  stage.assign([0], 0);
  const alerts: ExcessAlert[] = [];
  const t0 = 1_000_000n * NS;
  // Thinning: arrivals at the largest rate a class has, kept with probability rate(t)/max (exact for a piecewise-constant rate).
  const maxRate = plan.pools.map(
    (p) => p.rateHz * (p.name === plan.signalClass && injection ? Math.max(1, factor) : 1),
  );
  const nextT = maxRate.map((r) => (r > 0 ? -Math.log(1 - rng.uniform()) / r : Infinity));
  const inInjection = (t: number): boolean =>
    injection && t >= plan.injectionStartS && t < plan.injectionStartS + plan.injectionS;
  let offset = 0;
  let id = 0;
  const none: ReadonlySet<number> = new Set();
  for (let sec = 0; sec < durationS; sec++) {
    const items: { candidate: Candidate; partition: number; offset: string }[] = [];
    for (let c = 0; c < plan.pools.length; c++) {
      const p = plan.pools[c]!;
      while (nextT[c]! < sec + 1) {
        const t = nextT[c]!;
        nextT[c] = t + -Math.log(1 - rng.uniform()) / maxRate[c]!;
        const rate = p.name === plan.signalClass && inInjection(t) ? p.rateHz * factor : p.rateHz;
        if (rng.uniform() * maxRate[c]! >= rate) continue;
        if (p.selected[rng.int(p.selected.length)] !== 1) continue;
        const ts = t0 + BigInt(Math.floor(t * 1e9));
        items.push({ candidate: candidateAt(ts, `${seed}-${id++}`), partition: 0, offset: String(offset++) });
      }
    }
    items.sort((a, b) => (a.candidate.event.timestampNs < b.candidate.event.timestampNs ? -1 : 1));
    const u = stage.process(items, [], (sec + 1) * 1000, none);
    alerts.push(...u.alerts);
  }
  return alerts.map((a) => ({ ...a, windowStartNs: a.windowStartNs - t0, windowEndNs: a.windowEndNs - t0 }));
}

function candidateAt(ts: bigint, eventId: string): Candidate {
  return {
    selected: true,
    reasons: [],
    event: {
      runId: 'fom',
      eventId,
      timestampNs: ts,
      status: 'ok',
      nHits: 0,
      energyGeV: 0,
      dCm: 0,
      xCm: 0,
      yCm: 0,
      fitRmsCm: 0,
      stationsUsed: 0,
    },
  };
}

/** One injection run: detected when a window alert overlaps the injection. */
export function injectionRun(plan: StreamPlan, factor: number, seed: number): RunOutcome {
  const alerts = runStream(plan, factor, seed, plan.injectionStartS + plan.injectionS + plan.settleS);
  const from = BigInt(Math.round(plan.injectionStartS * 1e9));
  const to = BigInt(Math.round((plan.injectionStartS + plan.injectionS) * 1e9));
  const win = alerts.filter((a) => a.method === 'window');
  return {
    detected: win.some((a) => a.windowEndNs > from && a.windowStartNs < to),
    windowAlerts: win.length,
    cusumAlerts: alerts.length - win.length,
    maxZ: Math.max(0, ...win.map((a) => a.z)),
  };
}

export interface MdeResult {
  /** Smallest grid factor detected in >= goal of the runs; undefined if none on the grid. */
  readonly factor: number | undefined;
  /** The goal crossing of the fine scan, interpolated, with its Clopper–Pearson interval. */
  readonly crossing: Crossing;
  /** Detection fraction per factor tried (coarse grid and fine scan), ascending. */
  readonly tried: readonly ScanPoint[];
}

export const DEFAULT_FACTOR_GRID: readonly number[] = [
  1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 10, 12, 15, 20, 30, 50,
];

export interface MdeScan {
  /** Step of the fine scan from the last failing grid factor upward (0: grid only). */
  readonly fineStep: number;
  /** Confidence level of the crossing's interval. */
  readonly level: number;
  /** The fine scan stops this many steps past the first passing grid factor at the latest. */
  readonly maxStepsPast: number;
}

export const DEFAULT_MDE_SCAN: MdeScan = { fineStep: 0.05, level: 0.95, maxStepsPast: 12 };

/**
 * Bisection on the grid for the first factor that passes, then a fine scan from the last failing
 * grid factor (or 1) upward until the fractions' lower confidence bound reaches the goal, and the
 * interpolated crossing (crossing.ts). The same seeds at every factor.
 */
export function minimumDetectableExcess(
  plan: StreamPlan,
  runs: number,
  goal: number,
  firstSeed: number,
  grid: readonly number[] = DEFAULT_FACTOR_GRID,
  progress?: (factor: number, detected: number, runs: number) => void,
  scan: MdeScan = DEFAULT_MDE_SCAN,
): MdeResult {
  const tried = new Map<string, ScanPoint>();
  const measure = (f: number): ScanPoint => {
    const key = f.toFixed(6);
    const seen = tried.get(key);
    if (seen !== undefined) return seen;
    let k = 0;
    for (let r = 0; r < runs; r++) if (injectionRun(plan, f, firstSeed + r).detected) k++;
    const p = { factor: f, detected: k, runs };
    tried.set(key, p);
    progress?.(f, k, runs);
    return p;
  };
  const passes = (i: number): boolean => measure(grid[i]!).detected >= goal * runs;
  const result = (factor: number | undefined): MdeResult => {
    const pts = [...tried.values()].sort((a, b) => a.factor - b.factor);
    return { factor, crossing: goalCrossing(pts, goal, scan.level), tried: pts };
  };
  let lo = -1; // largest index known to fail
  let hi = grid.length - 1;
  if (!passes(hi)) return result(undefined);
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (passes(mid)) hi = mid;
    else lo = mid;
  }
  if (scan.fineStep > 0) {
    const from = lo < 0 ? 1 : grid[lo]!;
    const last = grid[hi]! + scan.maxStepsPast * scan.fineStep;
    for (let j = 0; from + j * scan.fineStep <= last + 1e-9; j++) {
      const f = Math.round((from + j * scan.fineStep) * 1e6) / 1e6;
      const p = measure(f);
      if (f >= grid[hi]! && clopperPearson(p.detected, p.runs, scan.level)[0] >= goal) break;
    }
  }
  return result(grid[hi]);
}

export interface FalseAlarmResult {
  readonly hours: number;
  readonly windowAlerts: number;
  readonly cusumAlerts: number;
  readonly windowPerHour: number;
  readonly cusumPerHour: number;
}

/** Alerts on background-only streams (no injection) of chunkS seconds each, totalling hours. */
export function falseAlarms(
  plan: StreamPlan,
  hours: number,
  firstSeed: number,
  chunkS = 1800,
  progress?: (doneS: number, totalS: number) => void,
): FalseAlarmResult {
  const total = Math.round(hours * 3600);
  let w = 0;
  let c = 0;
  for (let done = 0, k = 0; done < total; done += chunkS, k++) {
    const alerts = runStream(plan, 1, firstSeed + k, Math.min(chunkS, total - done), false);
    for (const a of alerts)
      if (a.method === 'window') w++;
      else c++;
    progress?.(Math.min(total, done + chunkS), total);
  }
  const h = total / 3600;
  return { hours: h, windowAlerts: w, cusumAlerts: c, windowPerHour: w / h, cusumPerHour: c / h };
}
