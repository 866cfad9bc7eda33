/**
 * The global excess stage of both trigger modes, one component: its configuration
 * (excessPipelineConfig, from the config file) and its runtime (runExcess: the excess pipeline of
 * src/pipeline on a service runtime's metrics). The two modes differ only in input and outputs:
 *
 *   Kafka (kafka-excess.ts)   every partition of tt.candidates, one active instance; tt.alerts and
 *                             tt.flagged; replay offsets and resume point committed to the group
 *   embedded (embedded.ts)    the in-process pipeline's candidates through candidateChannel (one
 *                             partition, in order, finite: its last bins close at the end); the
 *                             embedded mode's counting sinks; nothing to commit
 *
 * Either way the reconstruction pipeline runs no excess monitor of its own ('downstream'), so the
 * same seed gives the same alerts in both modes.
 */
import { Observable, type Subscriber } from 'rxjs';
import type { ShowertrigConfig } from '../config/index.js';
import type { Candidate } from '../domain/index.js';
import {
  createExcessPipeline,
  DEFAULT_MAX_TRACKED_IDS,
  DEFAULT_RETRY,
  type BatchReport,
  type CandidateBatch,
  type ExcessControl,
  type ExcessInput,
  type ExcessPipelineConfig,
  type ExcessPipelineDeps,
  type Sink,
} from '../pipeline/index.js';
import { createExcessMetrics, type Logger } from '../telemetry/index.js';
import type { ServiceRuntime } from './trigger-runtime.js';

/** The excess stage's settings, the same in both modes. */
export function excessPipelineConfig(cfg: ShowertrigConfig): ExcessPipelineConfig {
  const e = cfg.trigger.excess;
  return {
    excess: e,
    idlePartitionMs: e.idlePartitionS * 1000,
    maxTrackedIds: DEFAULT_MAX_TRACKED_IDS,
    commitIntervalMs: cfg.kafka.excessCommitIntervalMs,
    retry: DEFAULT_RETRY,
    transactional: cfg.kafka.delivery === 'exactly-once',
  };
}

/** What a mode plugs into the excess stage. */
export interface ExcessIo extends Pick<
  ExcessPipelineDeps,
  'decode' | 'sinks' | 'pendingUpstream' | 'commit' | 'committedMarkers'
> {
  readonly input$: Observable<ExcessInput>;
  /** Assignments (and, with Kafka, the ticks that release idle partitions). */
  readonly control$: Observable<ExcessControl>;
  /** A finite input: its last bins close when it completes. */
  readonly flushAtEnd: boolean;
}

/** The excess stage on `rt`'s metrics: one report per step that decided something; completes with the input. */
export function runExcess(
  cfg: ShowertrigConfig,
  rt: Pick<ServiceRuntime, 'metrics'>,
  io: ExcessIo,
  logger: Logger,
): Observable<BatchReport> {
  const { input$, control$, flushAtEnd, ...deps } = io;
  return createExcessPipeline(excessPipelineConfig(cfg), {
    ...deps,
    metrics: rt.metrics,
    excessMetrics: createExcessMetrics(rt.metrics.registry),
    logger,
  }).run(input$, control$, { flushAtEnd });
}

/** The in-process input: a candidates sink for the reconstruction pipeline whose writes arrive as excess batches. */
export interface CandidateChannel {
  /** Resolves once the excess stage has taken the candidates in (and written what they decided). */
  readonly sink: Sink<Candidate>;
  readonly batches$: Observable<CandidateBatch>;
  /** The reconstruction still runs: its partition holds the watermark (never idle) until end(). */
  pending(): ReadonlySet<number>;
  /** No more candidates: the excess input completes. */
  end(): void;
}

const PARTITION = 0;
const NONE: ReadonlySet<number> = new Set();
const BUSY: ReadonlySet<number> = new Set([PARTITION]);

export function candidateChannel(): CandidateChannel {
  let subscriber: Subscriber<CandidateBatch> | undefined;
  const queued: CandidateBatch[] = [];
  let ended = false;
  let offset = 0;
  const batches$ = new Observable<CandidateBatch>((s) => {
    subscriber = s;
    for (const b of queued.splice(0)) s.next(b);
    if (ended) s.complete();
    return () => (subscriber = undefined);
  });
  return {
    batches$,
    sink: {
      write: (candidates) =>
        new Promise<void>((resolve) => {
          const items = candidates.map((candidate) => ({
            candidate,
            partition: PARTITION,
            offset: String(offset++),
          }));
          const b: CandidateBatch = { items, skipped: [], received: items.length, ack: resolve };
          if (subscriber === undefined) queued.push(b);
          else subscriber.next(b);
        }),
    },
    pending: () => (ended ? NONE : BUSY),
    end() {
      ended = true;
      subscriber?.complete();
    },
  };
}
