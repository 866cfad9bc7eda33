/**
 * The global excess stage's state machine (no I/O): selected candidates from every partition of
 * tt.candidates in, alerts and alert-tagged candidates out.
 *
 *   de-duplicate by event id → count into event-time bins → close the bins the watermark passed
 *
 * - At-least-once delivery repeats candidates (a reconstruction process redoing frames after a
 *   crash, this stage re-reading after a rebalance). A candidate whose event id was seen is not
 *   counted again. Ids are remembered while their event time is inside the replay span (below),
 *   and at most maxTrackedIds of them (oldest forgotten first): memory is bounded.
 * - The watermark (watermark.ts) decides when a bin is complete; a candidate older than the oldest
 *   open bin is late: not counted (the windows containing it were already decided), reported.
 * - Candidates that already carry an alert id are this stage's own re-issues: ignored.
 * - Rejected candidates (only the in-process input carries them) are not counted but move their
 *   partition's watermark: the bins close as the reconstructed events' time passes, not only the
 *   selected ones'.
 *
 * State after a failover: the statistics of the next evaluation need the bins of one window plus
 * the trailing background window, and the holdoff needs the alerts of the holdoff span before it.
 * commitOffsets() therefore names, per partition, the first offset whose candidate is younger than
 * (oldest open bin − replay span), replay span = window + trailing + holdoff + one step. A successor
 * starting from those offsets rebuilds the same bins and re-derives the same alerts; alert ids are
 * deterministic (method, window start, window end), so a re-emitted alert replaces itself.
 * What it cannot rebuild exactly is a CUSUM run older than the replay span; so that this cannot
 * produce an alert the predecessor did not raise, the commits carry the predecessor's progress
 * (resumeMarker: the start of its oldest open bin) and the successor, given it (resumeAfter),
 * re-derives but does not re-publish alerts whose window ended before that point: the predecessor
 * published every alert it decided before it committed.
 */
import type { Candidate, ExcessAlert } from '../domain/index.js';
import type { ExcessConfig } from '../config/index.js';
import {
  createExcessMonitor,
  type ExcessMonitor,
  type ExcessUpdate,
  type WindowEvaluation,
} from '../trigger/index.js';
import { createWatermarkTracker, type UpstreamPending, type WatermarkTracker } from './watermark.js';

export interface ExcessStageConfig {
  readonly excess: ExcessConfig;
  /** Wall-clock silence after which a partition with nothing pending upstream stops holding the watermark. */
  readonly idlePartitionMs: number;
  /** Upper bound on remembered event ids (de-duplication) and on offsets tracked for commits. */
  readonly maxTrackedIds: number;
}

export const DEFAULT_MAX_TRACKED_IDS = 500_000;

/** Commit metadata: "excess-open-from=<ns>". */
const RESUME_PREFIX = 'excess-open-from=';

/** An event time before any bin: closing through it closes nothing. */
const NO_WATERMARK = -(2n ** 62n);

/** A candidate with where it was read from. */
export interface SourcedCandidate {
  readonly candidate: Candidate;
  readonly partition: number;
  readonly offset: string;
}

/** A message that is not a countable candidate (undecodable, or a re-issue) still moves the offsets. */
export interface SkippedMessage {
  readonly partition: number;
  readonly offset: string;
}

export interface ExcessStageUpdate {
  readonly alerts: readonly ExcessAlert[];
  /** Candidates that fell inside an alert decided now, with its id, and the partition they were read from. */
  readonly tagged: readonly { readonly candidate: Candidate; readonly partition: number | undefined }[];
  readonly evaluations: readonly WindowEvaluation[];
  readonly counted: number;
  readonly duplicates: number;
  /** Late candidates (not counted; they would have changed windows already decided). */
  readonly late: readonly Candidate[];
  readonly watermarkNs: bigint | undefined;
}

export interface ExcessStage {
  /** The partitions this instance now holds (empty: standby; the statistics start afresh). */
  assign(partitions: readonly number[], nowMs: number): void;
  /** pendingUpstream: the partitions with work pending upstream (a function: asked after the items are taken in). */
  process(
    items: readonly SourcedCandidate[],
    skipped: readonly SkippedMessage[],
    nowMs: number,
    pendingUpstream: UpstreamPending | (() => UpstreamPending),
  ): ExcessStageUpdate;
  /**
   * End of a finite input (a recording, the simulator): closes every bin up to the one holding the
   * newest counted candidate. Never called on a stream a successor goes on with.
   */
  flush(): ExcessStageUpdate;
  /** Per partition, the offset a successor must start reading from (see the module comment). */
  commitOffsets(): Map<number, string>;
  /** The next offset of `partition` this instance will read, once it read any since its assignment. */
  position(partition: number): bigint | undefined;
  /** Commit metadata naming this instance's progress; undefined before the first bin closed. */
  resumeMarker(): string | undefined;
  /** A predecessor's resume markers: alerts with windows ending at or before the latest are not published again. */
  resumeAfter(markers: readonly string[]): void;
  readonly monitor: ExcessMonitor;
  readonly watermark: WatermarkTracker;
  /** Oldest event time whose candidates are still remembered (replay horizon), ns. */
  readonly horizonNs: bigint | undefined;
}

interface Seen {
  readonly ts: bigint;
  readonly partition: number;
}

interface OffsetEntry {
  readonly ts: bigint | undefined;
  readonly offset: bigint;
}

/** The candidates of one process call, sorted by what the stage does with them. */
interface Intake {
  readonly fresh: Candidate[];
  readonly late: Candidate[];
  duplicates: number;
}

export function createExcessStage(cfg: ExcessStageConfig): ExcessStage {
  return new Stage(cfg);
}

class Stage implements ExcessStage {
  private readonly replayNs: bigint;
  private monitorNow: ExcessMonitor;
  private watermarkNow: WatermarkTracker;
  private seen = new Map<string, Seen>(); // insertion order ≈ event-time order within each partition
  private offsets = new Map<number, OffsetEntry[]>();
  private nextOffset = new Map<number, bigint>();
  private assigned: readonly number[] = [];
  private resumeNs: bigint | undefined;
  /** The newest event time seen, selected or not (the end of a finite input). */
  private newestNs: bigint | undefined;

  constructor(private readonly cfg: ExcessStageConfig) {
    const e = cfg.excess;
    this.replayNs = BigInt(Math.round((e.windowS + e.trailingWindowS + e.holdoffS + e.stepS) * 1e9));
    this.monitorNow = createExcessMonitor(e);
    this.watermarkNow = this.tracker();
  }

  get monitor(): ExcessMonitor {
    return this.monitorNow;
  }

  get watermark(): WatermarkTracker {
    return this.watermarkNow;
  }

  get horizonNs(): bigint | undefined {
    const from = this.monitorNow.openFromNs;
    return from === undefined ? undefined : from - this.replayNs;
  }

  assign(partitions: readonly number[], nowMs: number): void {
    if (partitions.length === 0 && this.assigned.length > 0) {
      // standby now: whoever holds the partitions rebuilds the statistics from the committed offsets
      this.monitorNow = createExcessMonitor(this.cfg.excess);
      this.watermarkNow = this.tracker();
      this.seen = new Map();
      this.resumeNs = undefined;
      this.newestNs = undefined;
    }
    this.assigned = [...partitions];
    this.watermarkNow.assign(partitions, nowMs);
    // every (re)assignment restarts fetching at the committed offsets: the offsets are tracked anew
    this.offsets = new Map();
    this.nextOffset = new Map();
  }

  process(
    items: readonly SourcedCandidate[],
    skipped: readonly SkippedMessage[],
    nowMs: number,
    pendingUpstream: UpstreamPending | (() => UpstreamPending),
  ): ExcessStageUpdate {
    for (const s of skipped) this.track(s.partition, s.offset, undefined);
    const intake = this.take(items, nowMs);
    const wm = this.watermarkNow.advance(
      nowMs,
      typeof pendingUpstream === 'function' ? pendingUpstream() : pendingUpstream,
    );
    // Without a watermark nothing may close yet (NO_WATERMARK closes nothing); candidates are still counted into open bins.
    const u = this.monitorNow.process(intake.fresh, { watermarkNs: wm ?? NO_WATERMARK });
    return this.outcome(u, intake, wm);
  }

  flush(): ExcessStageUpdate {
    const u = this.monitorNow.flush(this.newestNs);
    return this.outcome(u, { fresh: [], late: [], duplicates: 0 }, this.watermarkNow.current);
  }

  position(partition: number): bigint | undefined {
    return this.nextOffset.get(partition);
  }

  resumeMarker(): string | undefined {
    const from = this.monitorNow.openFromNs;
    return from === undefined ? undefined : `${RESUME_PREFIX}${from}`;
  }

  resumeAfter(markers: readonly string[]): void {
    for (const m of markers) {
      if (!m.startsWith(RESUME_PREFIX)) continue;
      const digits = m.slice(RESUME_PREFIX.length);
      if (!/^-?\d+$/.test(digits)) continue;
      const ns = BigInt(digits);
      if (this.resumeNs === undefined || ns > this.resumeNs) this.resumeNs = ns;
    }
  }

  commitOffsets(): Map<number, string> {
    const out = new Map<number, string>();
    if (this.horizonNs === undefined) return out;
    for (const [p, list] of this.offsets) {
      const next = this.nextOffset.get(p);
      if (next === undefined) continue;
      let min: bigint | undefined;
      for (const x of list) if (x.ts !== undefined && (min === undefined || x.offset < min)) min = x.offset;
      out.set(p, String(min ?? next));
    }
    return out;
  }

  private tracker(): WatermarkTracker {
    return createWatermarkTracker({
      allowedLatenessNs: BigInt(Math.round(this.cfg.excess.allowedLatenessS * 1e9)),
      idleMs: this.cfg.idlePartitionMs,
    });
  }

  /** Tracks every item's offset, moves the watermark, and sorts the selected ones into fresh, late and duplicates. */
  private take(items: readonly SourcedCandidate[], nowMs: number): Intake {
    const intake: Intake = { fresh: [], late: [], duplicates: 0 };
    const openFrom = this.monitorNow.openFromNs;
    for (const { candidate: c, partition, offset } of items) {
      const ts = c.event.timestampNs;
      // Tagged candidates come only from versions that wrote them back into tt.candidates (now tt.flagged).
      if (c.alertId !== undefined) {
        this.track(partition, offset, undefined);
        continue;
      }
      // A rejected candidate is not counted, but says its partition has come this far in event time.
      this.watermarkNow.observe(partition, ts, nowMs);
      if (this.newestNs === undefined || ts > this.newestNs) this.newestNs = ts;
      if (!c.selected) {
        this.track(partition, offset, undefined);
        continue;
      }
      this.track(partition, offset, ts);
      if (this.seen.has(c.event.eventId)) {
        intake.duplicates++;
        continue;
      }
      this.seen.set(c.event.eventId, { ts, partition });
      if (openFrom !== undefined && ts < openFrom) intake.late.push(c);
      else intake.fresh.push(c);
    }
    return intake;
  }

  /** The published part of a monitor update (alerts after the resume point) and the candidates inside them. */
  private outcome(u: ExcessUpdate, intake: Intake, wm: bigint | undefined): ExcessStageUpdate {
    const resume = this.resumeNs;
    const alerts = resume === undefined ? u.alerts : u.alerts.filter((a) => a.windowEndNs > resume);
    const published = new Set(alerts.map((a) => a.alertId));
    const tagged = [...u.candidates, ...u.reissued]
      .filter((c) => c.alertId !== undefined && published.has(c.alertId))
      .map((c) => ({ candidate: c, partition: this.seen.get(c.event.eventId)?.partition }));
    this.forget();
    return {
      alerts,
      tagged,
      evaluations: u.evaluations,
      counted: intake.fresh.length,
      duplicates: intake.duplicates,
      late: intake.late,
      watermarkNs: wm,
    };
  }

  private forget(): void {
    const h = this.horizonNs;
    if (h !== undefined) {
      for (const [id, s] of this.seen) {
        if (s.ts >= h) break;
        this.seen.delete(id);
      }
      for (const list of this.offsets.values()) {
        let drop = 0;
        while (drop < list.length && (list[drop]!.ts === undefined || list[drop]!.ts! < h)) drop++;
        if (drop > 0) list.splice(0, drop);
      }
    }
    while (this.seen.size > this.cfg.maxTrackedIds) this.seen.delete(this.seen.keys().next().value!);
    const perPartition = Math.max(1, Math.floor(this.cfg.maxTrackedIds / Math.max(1, this.offsets.size)));
    for (const list of this.offsets.values())
      if (list.length > perPartition) list.splice(0, list.length - perPartition);
  }

  private track(partition: number, offset: string, ts: bigint | undefined): void {
    const o = BigInt(offset);
    let list = this.offsets.get(partition);
    if (list === undefined) this.offsets.set(partition, (list = []));
    list.push({ ts, offset: o });
    const next = this.nextOffset.get(partition);
    if (next === undefined || o + 1n > next) this.nextOffset.set(partition, o + 1n);
  }
}
