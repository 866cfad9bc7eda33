/**
 * The global excess stage as a stream (RxJS), the one excess runtime of both trigger modes (the
 * sources and sinks differ: Kafka's tt.candidates consumer and producer, or the in-process channel
 * from the reconstruction pipeline and the embedded mode's sinks). Candidate batches, the
 * partition assignment and a periodic tick go through one serial step each:
 *
 *   batch  → (decode) → ExcessStage.process → alerts + alert-tagged candidates to the sinks
 *            → commit the replay offsets (at most every commitIntervalMs; transactional: at once
 *              when the step wrote anything, before the ack) → ack
 *   assign → ExcessStage.assign (standby ↔ active)
 *   tick   → ExcessStage.process([]) : idle partitions release the watermark without new input
 *   end    → a finite input (flushAtEnd): ExcessStage.flush closes the last bins
 *
 * Exactly one instance is active (the Kafka source's single-active assignment); the others hold no
 * partitions and only tick. Emits one BatchReport per step that decided something.
 *
 * Transactional (kafka.delivery exactly-once): deps.commit commits the offsets and the resume
 * point in the producer's open transaction, together with every alert and flagged candidate the
 * sinks sent since the last commit. A step that wrote anything commits before it acknowledges its
 * batch (so the source's handler, and with it a rebalance, waits for the commit), and a failed
 * commit ends the stream (fail-stop: the transaction is aborted, a successor replays from the last
 * committed offsets and re-publishes exactly what was aborted). At least once, a failed commit is
 * retried at the next interval and warned about at most every COMMIT_WARN_EVERY_MS.
 */
import { concat, concatMap, defer, filter, from, Observable } from 'rxjs';
import type { Candidate, ExcessAlert } from '../domain/index.js';
import type { ComponentMetrics, ExcessMetrics, Logger, Metrics } from '../telemetry/index.js';
import { createLogThrottle, silentLogger } from '../telemetry/index.js';
import {
  createExcessStage,
  type ExcessStage,
  type ExcessStageConfig,
  type ExcessStageUpdate,
  type SkippedMessage,
  type SourcedCandidate,
} from './excess-stage.js';
import { recordExcess, type BatchReport } from './report.js';
import { withRetry, type RetryPolicy } from './retry.js';
import type { Ack, InputBatch, Sink } from './types.js';
import type { UpstreamPending } from './watermark.js';

export interface ExcessPipelineConfig extends ExcessStageConfig {
  readonly commitIntervalMs: number;
  readonly retry: RetryPolicy;
  /** deps.commit commits a transaction holding the outputs (exactly-once): commit after every step that wrote, fail-stop. */
  readonly transactional?: boolean;
}

export interface ExcessPipelineDeps {
  /** Bytes → candidate, for byte batches; throws for bad bytes (counted as errors of the excess component and skipped). */
  readonly decode?: (bytes: Uint8Array) => Candidate;
  /** Alerts, and the candidates inside each published alert, tagged with its id (never the topic the candidates come from). */
  readonly sinks: { readonly alerts: Sink<ExcessAlert>; readonly flagged: Sink<Candidate> };
  readonly metrics: Metrics;
  readonly excessMetrics: ExcessMetrics;
  readonly logger?: Logger;
  /** Wall clock, ms (idle partitions). */
  readonly nowMs?: () => number;
  /**
   * Candidates partitions with work still pending: frames not all reconstructed, or candidates in
   * the topic beyond `position` (the next offset this stage will read, if it read any).
   */
  readonly pendingUpstream?: (position: (partition: number) => bigint | undefined) => UpstreamPending;
  /** Commits input offsets (partition → next offset to read) with a metadata string. Absent: nothing is committed. */
  readonly commit?: (offsets: ReadonlyMap<number, string>, metadata: string | undefined) => Promise<void>;
  /** The metadata committed with the group's offsets (a predecessor's resume markers), read on becoming active. */
  readonly committedMarkers?: () => Promise<readonly string[]>;
}

/** Candidates handed over in process (no bytes): what a byte batch becomes once decoded. */
export interface CandidateBatch {
  readonly items: readonly SourcedCandidate[];
  /** Messages that move the offsets but hold no countable candidate. */
  readonly skipped: readonly SkippedMessage[];
  /** Messages the batch stands for (the candidates-read metric). */
  readonly received: number;
  readonly ack?: Ack;
}

export type ExcessInput = InputBatch | CandidateBatch;

export type ExcessControl =
  { readonly kind: 'assign'; readonly partitions: readonly number[] } | { readonly kind: 'tick' };

export interface ExcessRunOptions {
  /** The input is finite (a recording, the simulator): when it completes, the last bins close. */
  readonly flushAtEnd?: boolean;
}

type Step = ExcessControl | { readonly kind: 'batch'; readonly batch: ExcessInput };

export interface ExcessPipeline {
  /** Completes when input$ completes. */
  run(
    input$: Observable<ExcessInput>,
    control$: Observable<ExcessControl>,
    opts?: ExcessRunOptions,
  ): Observable<BatchReport>;
}

/** Late-candidate warnings: at most one line per this interval (the metric counts every one). */
const LATE_LINE_INTERVAL_MS = 10_000;
const NOTHING: ReadonlySet<number> = new Set();

/** At most one "committing offsets failed" warning this often, ms. */
export const COMMIT_WARN_EVERY_MS = 30_000;

export function createExcessPipeline(config: ExcessPipelineConfig, deps: ExcessPipelineDeps): ExcessPipeline {
  return {
    run(input$, control$, opts = {}) {
      const r = new ExcessRun(config, deps);
      const steps$ = merged(input$, control$).pipe(
        concatMap((s) => (s.kind === 'batch' ? r.onBatch(s.batch) : r.onControl(s))),
      );
      const end$ = opts.flushAtEnd === true ? defer(() => from(r.onEnd())) : from([]);
      return concat(steps$, end$).pipe(
        filter(
          (x) => x.alerts.length > 0 || x.reissued > 0 || x.evaluations.length > 0 || (x.candidates ?? 0) > 0,
        ),
      );
    },
  };
}

/** Batches and controls as one stream of steps; completes with the batches. */
function merged(input$: Observable<ExcessInput>, control$: Observable<ExcessControl>): Observable<Step> {
  return new Observable<Step>((sub) => {
    const c = control$.subscribe({ next: (x) => sub.next(x), error: (e: unknown) => sub.error(e) });
    const b = input$.subscribe({
      next: (batch) => sub.next({ kind: 'batch', batch }),
      error: (e: unknown) => sub.error(e),
      complete: () => sub.complete(),
    });
    return () => {
      c.unsubscribe();
      b.unsubscribe();
    };
  });
}

/** One run's state: the stage, its metrics, the commit pacing. */
class ExcessRun {
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly lateLines = createLogThrottle(LATE_LINE_INTERVAL_MS);
  private readonly comp: ComponentMetrics;
  private readonly stage: ExcessStage;
  private lastCommitMs = 0;
  // A failing commit is retried at every interval; through an outage that is once a second, so the
  // warning is given on the first failure and then at most every COMMIT_WARN_EVERY_MS with the count.
  private commitFailures = 0;
  private lastCommitWarnMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly config: ExcessPipelineConfig,
    private readonly deps: ExcessPipelineDeps,
  ) {
    this.logger = deps.logger ?? silentLogger;
    this.now = deps.nowMs ?? (() => Date.now());
    this.comp = deps.metrics.component('excess');
    this.stage = createExcessStage(config);
  }

  async onBatch(input: ExcessInput): Promise<BatchReport> {
    const batch = 'messages' in input ? this.decoded(input) : input;
    // Rejected candidates (the in-process input) only move the watermark: not counted as received.
    const received = batch.received - batch.items.filter((x) => !x.candidate.selected).length;
    this.comp.received(received);
    this.deps.excessMetrics.candidates.inc(received);
    const u = this.stage.process(batch.items, batch.skipped, this.now(), () => this.pending());
    const wrote = await this.publish(u);
    // Transactional: the outputs commit before the ack lets the source fetch on (or rejoin a rebalance).
    if (this.config.transactional === true) await this.commit(wrote);
    await batch.ack?.();
    if (this.config.transactional !== true) await this.commit(wrote);
    return this.observe(u, received);
  }

  async onControl(c: ExcessControl): Promise<BatchReport> {
    if (c.kind === 'assign') await this.assign(c.partitions);
    const u = this.stage.process([], [], this.now(), () => this.pending());
    await this.commit(await this.publish(u));
    return this.observe(u, 0);
  }

  /** End of a finite input: the last bins close and what they decide is written. */
  async onEnd(): Promise<BatchReport> {
    const u = this.stage.flush();
    await this.commit(await this.publish(u));
    return this.observe(u, 0);
  }

  /** Asked after a batch is taken in. */
  private pending(): UpstreamPending {
    return this.deps.pendingUpstream?.((p) => this.stage.position(p)) ?? NOTHING;
  }

  private decoded(batch: InputBatch): CandidateBatch {
    const decode = this.deps.decode;
    if (decode === undefined) throw new Error('excess pipeline: byte batches need deps.decode');
    const items: SourcedCandidate[] = [];
    const skipped: SkippedMessage[] = [];
    for (const msg of batch.messages) {
      const partition = msg.partition ?? 0;
      const offset = msg.offset ?? '0';
      try {
        items.push({ candidate: decode(msg.value), partition, offset });
      } catch (e) {
        this.comp.errors();
        this.logger.error('excess stage: undecodable candidate skipped', {
          partition,
          offset,
          error: String(e),
        });
        skipped.push({ partition, offset });
      }
    }
    return { items, skipped, received: batch.messages.length, ...(batch.ack ? { ack: batch.ack } : {}) };
  }

  private async assign(partitions: readonly number[]): Promise<void> {
    this.stage.assign(partitions, this.now());
    if (partitions.length > 0 && this.deps.committedMarkers !== undefined) {
      try {
        this.stage.resumeAfter(await this.deps.committedMarkers());
      } catch (e) {
        this.logger.warn(
          'excess stage: could not read the committed resume point; alerts may be re-published',
          {
            error: String(e),
          },
        );
      }
    }
    this.deps.excessMetrics.active.set(partitions.length > 0 ? 1 : 0);
    this.logger.info(partitions.length > 0 ? 'excess stage active' : 'excess stage on standby', {
      partitions,
    });
  }

  private async write<T>(sink: Sink<T>, items: readonly T[], partition?: number): Promise<void> {
    if (items.length === 0) return;
    await withRetry(
      () => sink.write(items, partition === undefined ? {} : { partition }),
      this.config.retry,
      (e, attempt) => this.logger.warn('excess sink write failed, retrying', { attempt, error: String(e) }),
    );
  }

  /** Writes the alerts and the tagged candidates (each into the partition it was read from); true if anything was written. */
  private async publish(u: ExcessStageUpdate): Promise<boolean> {
    const byPartition = new Map<number | undefined, Candidate[]>();
    for (const t of u.tagged) {
      const list = byPartition.get(t.partition) ?? [];
      list.push(t.candidate);
      byPartition.set(t.partition, list);
    }
    await Promise.all([
      this.write(this.deps.sinks.alerts, u.alerts),
      ...[...byPartition].map(([p, items]) => this.write(this.deps.sinks.flagged, items, p)),
    ]);
    return u.alerts.length > 0 || u.tagged.length > 0;
  }

  /** Commits the replay offsets and resume point when due (transactional and `wrote`: at once). */
  private async commit(wrote: boolean): Promise<void> {
    const commit = this.deps.commit;
    if (commit === undefined) return;
    const t = this.now();
    const force = wrote && this.config.transactional === true;
    if (!force && t - this.lastCommitMs < this.config.commitIntervalMs) return;
    const offsets = this.stage.commitOffsets();
    // Nothing to commit yet (no bin closed) does not use up the interval.
    if (offsets.size === 0 && !force) return;
    this.lastCommitMs = t;
    try {
      await commit(offsets, this.stage.resumeMarker());
      if (this.commitFailures > 0)
        this.logger.info('excess stage: committing offsets works again', {
          failedCommits: this.commitFailures,
        });
      this.commitFailures = 0;
    } catch (e) {
      // Transactional: the outputs of the aborted transaction are gone; only a replay restores them.
      if (this.config.transactional === true) throw e;
      this.commitFailed(e, t);
    }
  }

  private commitFailed(e: unknown, t: number): void {
    this.commitFailures++;
    if (t - this.lastCommitWarnMs < COMMIT_WARN_EVERY_MS) return;
    this.lastCommitWarnMs = t;
    this.logger.warn('excess stage: committing offsets failed; retrying at every interval', {
      error: e instanceof Error ? e.message : String(e),
      failedCommits: this.commitFailures,
    });
  }

  private observe(u: ExcessStageUpdate, received: number): BatchReport {
    const xm = this.deps.excessMetrics;
    if (u.duplicates > 0) xm.duplicates.inc(u.duplicates);
    if (u.late.length > 0) {
      xm.late.inc(u.late.length);
      this.warnLate(u.late);
    }
    if (u.watermarkNs !== undefined) xm.watermarkSeconds.set(Number(u.watermarkNs / 1_000_000n) / 1000);
    xm.idlePartitions.set(this.stage.watermark.idle.length);
    const m = this.deps.metrics;
    recordExcess(u.alerts, this.stage.monitor.lastEvaluation, this.config.excess.windowS, m, this.logger);
    this.comp.sent(u.counted);
    return {
      messages: 0,
      reco: 0,
      selected: 0,
      deadLetters: 0,
      alerts: u.alerts,
      reissued: u.tagged.length,
      evaluations: u.evaluations,
      candidates: received,
    };
  }

  private warnLate(late: readonly Candidate[]): void {
    const n = this.lateLines.note(late.length, this.now());
    if (n === undefined) return;
    const oldest = late.reduce(
      (a, c) => (c.event.timestampNs < a ? c.event.timestampNs : a),
      late[0]!.event.timestampNs,
    );
    this.logger.warn(
      `late candidates not counted: they fall in excess windows already decided (at most one line per ${LATE_LINE_INTERVAL_MS / 1000} s)`,
      {
        late: n,
        oldestNs: String(oldest),
        openFromNs: String(this.stage.monitor.openFromNs),
        eventIds: late.slice(0, 5).map((c) => c.event.eventId),
      },
    );
  }
}
