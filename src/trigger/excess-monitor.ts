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
import { createExcessCore, type ExcessCore, type WindowEvaluation } from './excess-core.js';

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
  /**
   * End of stream: closes every bin up to the one holding the newest timestamp (the newest
   * candidate given, or newestNs when later: the newest event of a stream that passes only some).
   */
  flush(newestNs?: bigint): ExcessUpdate;
  /** Selected candidates that arrived after their bin had closed. */
  readonly late: number;
  /** The most recent window evaluation, if any. */
  readonly lastEvaluation: WindowEvaluation | undefined;
  /** Start of the oldest open bin (ns): earlier selected candidates are late. Undefined before the first bin closed. */
  readonly openFromNs: bigint | undefined;
}

/** What closing bins decided during one call. */
interface Decided {
  readonly alerts: ExcessAlert[];
  readonly evaluations: WindowEvaluation[];
}

interface Kept {
  readonly ts: bigint;
  readonly candidate: Candidate;
  readonly call: number;
  alertId?: string;
}

export function createExcessMonitor(cfg: ExcessConfig, opts: ExcessMonitorOptions = {}): ExcessMonitor {
  return new Monitor(cfg, opts);
}

class Monitor implements ExcessMonitor {
  private readonly core: ExcessCore;
  private readonly step: bigint;
  private readonly latenessNs: bigint;
  private readonly retainNs: bigint;
  private readonly maxRetained: number;
  private nextBin: number | undefined; // first bin not yet closed
  private maxTs: bigint | undefined;
  private readonly open = new Map<number, number>(); // bin → count of selected candidates
  private kept: Kept[] = [];
  private call = 0;
  private lateCount = 0;
  private lastEval: WindowEvaluation | undefined;

  constructor(cfg: ExcessConfig, opts: ExcessMonitorOptions) {
    this.core = createExcessCore(cfg);
    this.step = this.core.stepNs;
    this.latenessNs = BigInt(Math.round(cfg.allowedLatenessS * 1e9));
    this.retainNs = BigInt(Math.round((opts.retainS ?? 2 * cfg.windowS) * 1e9));
    this.maxRetained = opts.maxRetained ?? 100_000;
  }

  get late(): number {
    return this.lateCount;
  }

  get lastEvaluation(): WindowEvaluation | undefined {
    return this.lastEval;
  }

  get openFromNs(): bigint | undefined {
    return this.nextBin === undefined ? undefined : BigInt(this.nextBin) * this.step;
  }

  process(input: readonly Candidate[], opts: ProcessOptions = {}): ExcessUpdate {
    this.call++;
    const out: Decided = { alerts: [], evaluations: [] };
    const external = opts.watermarkNs;
    for (const c of input) {
      const ts = c.event.timestampNs;
      if (this.maxTs === undefined || ts > this.maxTs) this.maxTs = ts;
      const bin = this.binOf(ts);
      if (c.selected) {
        if (this.nextBin !== undefined && bin < this.nextBin) this.lateCount++;
        else {
          this.open.set(bin, (this.open.get(bin) ?? 0) + 1);
          this.kept.push({ ts, candidate: c, call: this.call });
        }
      }
      if (external === undefined) this.closeThrough(this.maxTs - this.latenessNs, out);
    }
    if (external !== undefined) this.closeThrough(external, out);
    return this.finish(input, out);
  }

  flush(newestNs?: bigint): ExcessUpdate {
    this.call++;
    const out: Decided = { alerts: [], evaluations: [] };
    const newest =
      newestNs !== undefined && (this.maxTs === undefined || newestNs > this.maxTs) ? newestNs : this.maxTs;
    if (newest !== undefined) this.closeThrough(BigInt(this.binOf(newest) + 1) * this.step, out);
    return this.finish([], out);
  }

  private binOf(ts: bigint): number {
    const step = this.step;
    return Number((ts >= 0n ? ts : ts - step + 1n) / step);
  }

  /** Closes every bin whose end is at or before `until` (ns): bins with counts, then the rest as empty. */
  private closeThrough(until: bigint, out: Decided): void {
    const last = this.binOf(until) - 1;
    if (this.nextBin === undefined) {
      // the first bin is the earliest counted one, fixed only once it closes
      if (this.open.size === 0) return;
      const first = Math.min(...this.open.keys());
      if (last < first) return;
      this.nextBin = first;
    }
    if (last < this.nextBin) return;
    const counted = [...this.open.keys()].filter((b) => b <= last).sort((x, y) => x - y);
    if (counted[counted.length - 1] !== last) counted.push(last);
    for (const b of counted) {
      const r = this.core.closeBin(b, this.open.get(b) ?? 0);
      this.open.delete(b);
      if (r.window) {
        out.evaluations.push(r.window);
        this.lastEval = r.window;
      }
      out.alerts.push(...r.alerts);
    }
    this.nextBin = last + 1;
  }

  private tag(alerts: readonly ExcessAlert[]): void {
    for (const a of alerts) {
      for (const k of this.kept) {
        if (k.alertId === undefined && k.ts >= a.windowStartNs && k.ts < a.windowEndNs) k.alertId = a.alertId;
      }
    }
  }

  private finish(input: readonly Candidate[], { alerts, evaluations }: Decided): ExcessUpdate {
    this.tag(alerts);
    const byId = new Map<string, string>();
    const reissued: Candidate[] = [];
    for (const k of this.kept) {
      if (k.alertId === undefined) continue;
      if (k.call === this.call) byId.set(k.candidate.event.eventId, k.alertId);
      else if (k.candidate.alertId === undefined && alerts.some((a) => a.alertId === k.alertId)) {
        reissued.push({ ...k.candidate, alertId: k.alertId });
      }
    }
    const candidates = input.map((c) => {
      const id = c.selected ? byId.get(c.event.eventId) : undefined;
      return id === undefined ? c : { ...c, alertId: id };
    });
    this.forget();
    return { candidates, reissued, alerts, evaluations };
  }

  /** Forgets what no future alert window can reach. */
  private forget(): void {
    if (this.nextBin === undefined) return;
    const horizon = BigInt(this.nextBin) * this.step - this.retainNs;
    let drop = 0;
    const kept = this.kept;
    while (drop < kept.length && (kept[drop]!.ts < horizon || kept.length - drop > this.maxRetained)) drop++;
    if (drop > 0) kept.splice(0, drop);
  }
}
