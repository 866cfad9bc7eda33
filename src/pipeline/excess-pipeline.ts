/**
 * The global excess stage wired as a stream (RxJS): candidate batches from every partition of
 * tt.candidates, the partition assignment and a periodic tick go through one serial step each:
 *
 *   batch  → decode → ExcessStage.process → alerts + alert-tagged candidates to the sinks → ack
 *            → commit the replay offsets (at most every commitIntervalMs)
 *   assign → ExcessStage.assign (standby ↔ active)
 *   tick   → ExcessStage.process([]) : idle partitions release the watermark without new input
 *
 * Exactly one instance is active (the Kafka source's single-active assignment); the others hold no
 * partitions and only tick. Emits one BatchReport per step that decided something.
 */
import { concatMap, filter, Observable } from 'rxjs';
import type { Candidate, ExcessAlert } from '../domain/index.js';
import type { ExcessMetrics, Logger, Metrics } from '../telemetry/index.js';
import { createLogThrottle, silentLogger } from '../telemetry/index.js';
import {
  createExcessStage,
  type ExcessStageConfig,
  type ExcessStageUpdate,
  type SkippedMessage,
  type SourcedCandidate,
} from './excess-stage.js';
import { recordExcess, type BatchReport } from './report.js';
import { withRetry, type RetryPolicy } from './retry.js';
import type { InputBatch, Sink } from './types.js';

export interface ExcessPipelineConfig extends ExcessStageConfig {
  readonly commitIntervalMs: number;
  readonly retry: RetryPolicy;
}

export interface ExcessPipelineDeps {
  /** Bytes → candidate; throws for bad bytes (counted as errors of the excess component and skipped). */
  readonly decode: (bytes: Uint8Array) => Candidate;
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
  readonly pendingUpstream?: (position: (partition: number) => bigint | undefined) => ReadonlySet<number>;
  /** Commits input offsets (partition → next offset to read) with a metadata string. Absent: nothing is committed. */
  readonly commit?: (offsets: ReadonlyMap<number, string>, metadata: string | undefined) => Promise<void>;
  /** The metadata committed with the group's offsets (a predecessor's resume markers), read on becoming active. */
  readonly committedMarkers?: () => Promise<readonly string[]>;
}

export type ExcessControl =
  { readonly kind: 'assign'; readonly partitions: readonly number[] } | { readonly kind: 'tick' };

type Step = ExcessControl | { readonly kind: 'batch'; readonly batch: InputBatch };

export interface ExcessPipeline {
  /** Completes when batches$ completes. */
  run(batches$: Observable<InputBatch>, control$: Observable<ExcessControl>): Observable<BatchReport>;
}

/** Late-candidate warnings: at most one line per this interval (the metric counts every one). */
const LATE_LINE_INTERVAL_MS = 10_000;
const NOTHING: ReadonlySet<number> = new Set();

/** At most one "committing offsets failed" warning this often, ms. */
export const COMMIT_WARN_EVERY_MS = 30_000;

export function createExcessPipeline(config: ExcessPipelineConfig, deps: ExcessPipelineDeps): ExcessPipeline {
  const logger = deps.logger ?? silentLogger;
  const now = deps.nowMs ?? (() => Date.now());
  const lateLines = createLogThrottle(LATE_LINE_INTERVAL_MS);
  const m = deps.metrics;
  const xm = deps.excessMetrics;
  const comp = m.component('excess');
  const stage = createExcessStage(config);
  let lastCommitMs = 0;
  const pending = (): ReadonlySet<number> => deps.pendingUpstream?.((p) => stage.position(p)) ?? NOTHING; // asked after a batch is taken in

  const write = async <T>(sink: Sink<T>, items: readonly T[], partition?: number): Promise<void> => {
    if (items.length === 0) return;
    await withRetry(
      () => sink.write(items, partition === undefined ? {} : { partition }),
      config.retry,
      (e, attempt) => logger.warn('excess sink write failed, retrying', { attempt, error: String(e) }),
    );
  };

  const publish = async (u: ExcessStageUpdate): Promise<void> => {
    const byPartition = new Map<number | undefined, Candidate[]>();
    for (const t of u.tagged) {
      const list = byPartition.get(t.partition) ?? [];
      list.push(t.candidate);
      byPartition.set(t.partition, list);
    }
    await Promise.all([
      write(deps.sinks.alerts, u.alerts),
      ...[...byPartition].map(([p, items]) => write(deps.sinks.flagged, items, p)),
    ]);
  };

  const observe = (u: ExcessStageUpdate, received: number): BatchReport => {
    if (u.duplicates > 0) xm.duplicates.inc(u.duplicates);
    const late = u.late.length > 0 ? lateLines.note(u.late.length, now()) : undefined;
    if (u.late.length > 0) xm.late.inc(u.late.length);
    if (late !== undefined) {
      const oldest = u.late.reduce(
        (a, c) => (c.event.timestampNs < a ? c.event.timestampNs : a),
        u.late[0]!.event.timestampNs,
      );
      logger.warn(
        `late candidates not counted: they fall in excess windows already decided (at most one line per ${LATE_LINE_INTERVAL_MS / 1000} s)`,
        {
          late,
          oldestNs: String(oldest),
          openFromNs: String(stage.monitor.openFromNs),
          eventIds: u.late.slice(0, 5).map((c) => c.event.eventId),
        },
      );
    }
    if (u.watermarkNs !== undefined) xm.watermarkSeconds.set(Number(u.watermarkNs / 1_000_000n) / 1000);
    xm.idlePartitions.set(stage.watermark.idle.length);
    recordExcess(u.alerts, stage.monitor.lastEvaluation, config.excess.windowS, m, logger);
    comp.sent(u.counted);
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
  };

  // A failing commit is retried at every interval; through an outage that is once a second, so the
  // warning is given on the first failure and then at most every COMMIT_WARN_EVERY_MS with the count.
  let commitFailures = 0;
  let lastCommitWarnMs = Number.NEGATIVE_INFINITY;
  const commit = async (force: boolean): Promise<void> => {
    if (deps.commit === undefined) return;
    const t = now();
    if (!force && t - lastCommitMs < config.commitIntervalMs) return;
    lastCommitMs = t;
    const offsets = stage.commitOffsets();
    if (offsets.size === 0) return;
    try {
      await deps.commit(offsets, stage.resumeMarker());
      if (commitFailures > 0)
        logger.info('excess stage: committing offsets works again', { failedCommits: commitFailures });
      commitFailures = 0;
    } catch (e) {
      commitFailures++;
      if (t - lastCommitWarnMs >= COMMIT_WARN_EVERY_MS) {
        lastCommitWarnMs = t;
        logger.warn('excess stage: committing offsets failed; retrying at every interval', {
          error: e instanceof Error ? e.message : String(e),
          failedCommits: commitFailures,
        });
      }
    }
  };

  const onBatch = async (batch: InputBatch): Promise<BatchReport> => {
    const items: SourcedCandidate[] = [];
    const skipped: SkippedMessage[] = [];
    comp.received(batch.messages.length);
    xm.candidates.inc(batch.messages.length);
    for (const msg of batch.messages) {
      const partition = msg.partition ?? 0;
      const offset = msg.offset ?? '0';
      try {
        items.push({ candidate: deps.decode(msg.value), partition, offset });
      } catch (e) {
        comp.errors();
        logger.error('excess stage: undecodable candidate skipped', { partition, offset, error: String(e) });
        skipped.push({ partition, offset });
      }
    }
    const u = stage.process(items, skipped, now(), pending);
    await publish(u);
    await batch.ack?.();
    await commit(false);
    return observe(u, batch.messages.length);
  };

  const onControl = async (c: ExcessControl): Promise<BatchReport> => {
    if (c.kind === 'assign') {
      stage.assign(c.partitions, now());
      if (c.partitions.length > 0 && deps.committedMarkers !== undefined) {
        try {
          stage.resumeAfter(await deps.committedMarkers());
        } catch (e) {
          logger.warn('excess stage: could not read the committed resume point; alerts may be re-published', {
            error: String(e),
          });
        }
      }
      xm.active.set(c.partitions.length > 0 ? 1 : 0);
      logger.info(c.partitions.length > 0 ? 'excess stage active' : 'excess stage on standby', {
        partitions: c.partitions,
      });
    }
    const u = stage.process([], [], now(), pending);
    await publish(u);
    await commit(false);
    return observe(u, 0);
  };

  return {
    run(batches$, control$) {
      const steps$ = new Observable<Step>((sub) => {
        const c = control$.subscribe({ next: (x) => sub.next(x), error: (e: unknown) => sub.error(e) });
        const b = batches$.subscribe({
          next: (batch) => sub.next({ kind: 'batch', batch }),
          error: (e: unknown) => sub.error(e),
          complete: () => sub.complete(),
        });
        return () => {
          c.unsubscribe();
          b.unsubscribe();
        };
      });
      return steps$.pipe(
        concatMap((s) => (s.kind === 'batch' ? onBatch(s.batch) : onControl(s))),
        filter(
          (r) => r.alerts.length > 0 || r.reissued > 0 || r.evaluations.length > 0 || (r.candidates ?? 0) > 0,
        ),
      );
    },
  };
}
