/**
 * Event-time excess monitor over selection outcomes. Time is the frames' DAQ timestamps, never the
 * wall clock: a bin [k·step, (k+1)·step) closes once the watermark passes its end; bins with no
 * events close as zero counts. The watermark is the largest timestamp seen minus allowedLatenessS
 * (one in-order stream), or given by the caller (`process(…, { watermarkNs })`: the global excess
 * stage, which derives it from every partition). The first bin is that of the earliest selected
 * candidate when the first bin closes, so the bins do not depend on how the stream was split. A
 * selected candidate older than the oldest open bin is late: passed on but not counted (`late`).
 *
 * Candidates inside an alert window carry its alert id. Alerts can only be decided after their
 * window closes, so the monitor keeps the selected candidates of the last `retainS` seconds and,
 * when an alert fires, re-issues those inside its window with the id set (outputs are idempotent
 * by event id, so the re-issued candidate replaces the earlier one downstream).
 */
import type { Candidate, ExcessAlert } from '../domain/index.js';
import type { ExcessConfig } from '../config/index.js';
import { createExcessCore, type WindowEvaluation } from './excess-core.js';

export interface ExcessMonitorOptions {
  /** How far back selected candidates are kept for tagging. Default: 2·windowS. */
  readonly retainS?: number;
  /** Hard cap on kept candidates (bounded memory at any rate). Default 100 000. */
  readonly maxRetained?: number;
}

export interface ExcessUpdate {
  /** The input candidates in input order, with alertId set where they fall inside a new alert. */
  readonly candidates: Candidate[];
  /** Candidates from earlier calls, re-issued with the alert id of an alert decided now. */
  readonly reissued: Candidate[];
  readonly alerts: ExcessAlert[];
  /** Window-test evaluations of the closed bins that held selected events, and of the last closed bin; oldest first. */
  readonly evaluations: WindowEvaluation[];
}

export interface ProcessOptions {
  /** Close every bin that ends at or before this event time (ns); default: newest timestamp − allowedLatenessS. */
  readonly watermarkNs?: bigint;
}

export interface ExcessMonitor {
  process(candidates: readonly Candidate[], opts?: ProcessOptions): ExcessUpdate;
  /** End of stream: closes every bin up to the one holding the newest timestamp. */
  flush(): ExcessUpdate;
  /** Selected candidates that arrived after their bin had closed. */
  readonly late: number;
  /** The most recent window evaluation, if any. */
  readonly lastEvaluation: WindowEvaluation | undefined;
  /** Start of the oldest open bin (ns): earlier selected candidates are late. Undefined before the first bin closed. */
  readonly openFromNs: bigint | undefined;
}

interface Kept {
  readonly ts: bigint;
  readonly candidate: Candidate;
  readonly call: number;
  alertId?: string;
}

export function createExcessMonitor(cfg: ExcessConfig, opts: ExcessMonitorOptions = {}): ExcessMonitor {
  const core = createExcessCore(cfg);
  const step = core.stepNs;
  const latenessNs = BigInt(Math.round(cfg.allowedLatenessS * 1e9));
  const retainNs = BigInt(Math.round((opts.retainS ?? 2 * cfg.windowS) * 1e9));
  const maxRetained = opts.maxRetained ?? 100_000;
  let nextBin: number | undefined; // first bin not yet closed
  let maxTs: bigint | undefined;
  const open = new Map<number, number>(); // bin → count of selected candidates
  const kept: Kept[] = [];
  let call = 0;
  let late = 0;
  let lastEvaluation: WindowEvaluation | undefined;

  const binOf = (ts: bigint): number => Number((ts >= 0n ? ts : ts - step + 1n) / step);

  /** Closes every bin whose end is at or before `until` (ns): bins with counts, then the rest as empty. */
  const closeThrough = (until: bigint, alerts: ExcessAlert[], evaluations: WindowEvaluation[]): void => {
    const last = binOf(until) - 1;
    if (nextBin === undefined) {
      // the first bin is the earliest counted one, fixed only once it closes
      if (open.size === 0) return;
      const first = Math.min(...open.keys());
      if (last < first) return;
      nextBin = first;
    }
    if (last < nextBin) return;
    const counted = [...open.keys()].filter((b) => b <= last).sort((x, y) => x - y);
    if (counted[counted.length - 1] !== last) counted.push(last);
    for (const b of counted) {
      const r = core.closeBin(b, open.get(b) ?? 0);
      open.delete(b);
      if (r.window) {
        evaluations.push(r.window);
        lastEvaluation = r.window;
      }
      alerts.push(...r.alerts);
    }
    nextBin = last + 1;
  };

  const tag = (alerts: readonly ExcessAlert[]): void => {
    for (const a of alerts) {
      for (const k of kept) {
        if (k.alertId === undefined && k.ts >= a.windowStartNs && k.ts < a.windowEndNs) k.alertId = a.alertId;
      }
    }
  };

  const finish = (
    input: readonly Candidate[],
    alerts: ExcessAlert[],
    evaluations: WindowEvaluation[],
  ): ExcessUpdate => {
    tag(alerts);
    const byId = new Map<string, string>();
    const reissued: Candidate[] = [];
    for (const k of kept) {
      if (k.alertId === undefined) continue;
      if (k.call === call) byId.set(k.candidate.event.eventId, k.alertId);
      else if (k.candidate.alertId === undefined && alerts.some((a) => a.alertId === k.alertId)) {
        reissued.push({ ...k.candidate, alertId: k.alertId });
      }
    }
    const candidates = input.map((c) => {
      const id = c.selected ? byId.get(c.event.eventId) : undefined;
      return id === undefined ? c : { ...c, alertId: id };
    });
    // forget what no future alert window can reach
    if (nextBin !== undefined) {
      const horizon = BigInt(nextBin) * step - retainNs;
      let drop = 0;
      while (drop < kept.length && (kept[drop]!.ts < horizon || kept.length - drop > maxRetained)) drop++;
      if (drop > 0) kept.splice(0, drop);
    }
    return { candidates, reissued, alerts, evaluations };
  };

  return {
    get late() {
      return late;
    },
    get lastEvaluation() {
      return lastEvaluation;
    },
    get openFromNs() {
      return nextBin === undefined ? undefined : BigInt(nextBin) * step;
    },
    process(input, opts = {}) {
      call++;
      const alerts: ExcessAlert[] = [];
      const evaluations: WindowEvaluation[] = [];
      const external = opts.watermarkNs;
      for (const c of input) {
        const ts = c.event.timestampNs;
        if (maxTs === undefined || ts > maxTs) maxTs = ts;
        const bin = binOf(ts);
        if (c.selected) {
          if (nextBin !== undefined && bin < nextBin) late++;
          else {
            open.set(bin, (open.get(bin) ?? 0) + 1);
            kept.push({ ts, candidate: c, call });
          }
        }
        if (external === undefined) closeThrough(maxTs - latenessNs, alerts, evaluations);
      }
      if (external !== undefined) closeThrough(external, alerts, evaluations);
      return finish(input, alerts, evaluations);
    },
    flush() {
      call++;
      const alerts: ExcessAlert[] = [];
      const evaluations: WindowEvaluation[] = [];
      if (maxTs !== undefined) closeThrough(BigInt(binOf(maxTs) + 1) * step, alerts, evaluations);
      return finish([], alerts, evaluations);
    },
  };
}
