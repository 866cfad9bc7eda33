/**
 * The stage wiring (RxJS). Input batches (or single messages, micro-batched here) run through the
 * stateless stages with bounded, order-preserving concurrency; the excess monitor, the sinks and
 * the acks then run strictly in input order, one batch at a time:
 *
 *   input ─► [microBatch] ─► split (≤ batchSize) ─► orderedGroupMap(merge waiting batches ≤ batchSize:
 *            decode→validate→reconstruct→select → release, maxConcurrentBatches)
 *         ─► groupWhileBusy(excess monitor → sinks (all resolved) → acks → metrics) ─► BatchReport per batch
 *
 * Batching adapts to the load: a source batch (one Kafka fetch of a partition) holds what arrived
 * since the last fetch, so a short queue gives small batches (low latency) and a backlog full ones
 * (throughput). A source batch larger than batchSize is split into batchSize pieces, so outputs of
 * the first piece are written while the next one reconstructs, instead of after the whole fetch;
 * the source batch's ack is called with its last piece's. Small batches that wait together (one
 * per partition of a Kafka fetch) are merged into one reconstruction call of up to batchSize
 * frames; each keeps its own ack and release, and each candidate goes to its input's partition.
 *
 * A batch is acknowledged only after every sink resolved its outputs; a sink failure (after
 * retries) errors the stream without acking, so the source redelivers (outputs are idempotent by
 * event id). At input completion the excess monitor is flushed and its last alerts written.
 *
 * With excess 'downstream' (Kafka roles) there is no monitor here: the selected candidates go to
 * the candidates sink, into the input's partition, and the global excess stage (excess-pipeline.ts)
 * counts every partition once.
 */
import { concat, defer, EMPTY, filter, from, map, mergeMap, type Observable } from 'rxjs';
import {
  type AnomalyEvent,
  type Plausibility,
  type Candidate,
  type DeadLetter,
  type DetectorGeometry,
  type ExcessAlert,
  type HitFrame,
  type RecoEvent,
  type RecoStatus,
  type Reconstructor,
} from '../domain/index.js';
import { DEFAULT_RECONSTRUCTION, DEFAULT_VALIDATION, type TriggerConfig } from '../config/index.js';
import { createExcessMonitor, createSelector, type ExcessUpdate } from '../trigger/index.js';
import { silentLogger, type Logger, type Metrics } from '../telemetry/index.js';
import { groupWhileBusy, microBatch, orderedGroupMap } from './operators.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.js';
import { recordExcess, type BatchReport } from './report.js';
import type { AnomalyStage } from './anomaly-stage.js';
import { createStages } from './stages.js';
import {
  isInputBatch,
  type InputBatch,
  type InputMessage,
  type PipelineInput,
  type PipelineTap,
  type Sink,
  type TapBatch,
  type WriteContext,
} from './types.js';

export interface PipelineConfig {
  readonly geometry: DetectorGeometry;
  readonly trigger: TriggerConfig;
  /** checkHits limit (reconstruction.maxHits). */
  readonly maxHits: number;
  /** Frames per reconstruction call; single input messages are grouped into batches of this size ... */
  readonly batchSize: number;
  /** ... or flushed this long after the first message of a group. */
  readonly batchTimeoutMs: number;
  /** Input batches in the stateless stages at once. */
  readonly maxConcurrentBatches: number;
  readonly retry: RetryPolicy;
  /** checkHits statuses that mean corrupt input (dead-lettered); other non-ok statuses are physics. */
  readonly deadLetterStatuses: readonly RecoStatus[];
  /** Also write rejected candidates to the candidates sink (default: selected ones only). */
  readonly writeRejectedCandidates: boolean;
  /** 'inline': this pipeline runs the excess monitor (one in-order stream); 'downstream': a global excess stage does. */
  readonly excess: 'inline' | 'downstream';
  /** Content plausibility limits (config `validation`). */
  readonly plausibility: Plausibility;
  /** Distinct event ids remembered for collision detection (0: off). */
  readonly duplicateIdWindow: number;
  /** Largest dead-letter record the DLQ accepts (Kafka: from its max.message.bytes); Infinity: no limit. */
  readonly maxDeadLetterBytes: number;
  /**
   * Selection by the event classifier: the signal-probability threshold in force (the reconstructor
   * attaches the scores). Absent: the cut list of trigger.selection decides.
   */
  readonly classifierThreshold?: number;
}

export const DEFAULT_PIPELINE: Omit<PipelineConfig, 'geometry' | 'trigger'> = {
  // Configured values: the schema's defaults (src/config), never a second copy of them here.
  maxHits: DEFAULT_RECONSTRUCTION.maxHits,
  batchSize: DEFAULT_RECONSTRUCTION.batchSize,
  batchTimeoutMs: DEFAULT_RECONSTRUCTION.batchTimeoutMs,
  maxConcurrentBatches: 2,
  retry: DEFAULT_RETRY,
  deadLetterStatuses: ['non_finite', 'out_of_plane', 'too_many_hits'],
  writeRejectedCandidates: false,
  excess: 'inline',
  plausibility: DEFAULT_VALIDATION,
  duplicateIdWindow: DEFAULT_VALIDATION.duplicateIdWindow,
  maxDeadLetterBytes: Infinity,
};

/** What one batch writes: each candidate goes to its input message's partition (partitions[i], same index as u.candidates), reissued ones to the batch's if it has one. */
interface Outputs {
  readonly u: ExcessUpdate;
  readonly reco: readonly RecoEvent[];
  readonly deadLetters: readonly DeadLetter[];
  readonly anomalies: readonly AnomalyEvent[];
  readonly partitions: readonly (number | undefined)[];
  readonly partition: number | undefined;
}

export interface PipelineSinks {
  readonly reco: Sink<RecoEvent>;
  readonly candidates: Sink<Candidate>;
  readonly alerts: Sink<ExcessAlert>;
  readonly deadLetters: Sink<DeadLetter>;
  /** Events over the anomaly threshold (tt.anomalies); needed only with the anomaly path. */
  readonly anomalies?: Sink<AnomalyEvent>;
}

export interface PipelineDeps {
  /** Bytes → frame; throws DecodeError for bad bytes. */
  readonly decode: (bytes: Uint8Array) => HitFrame;
  readonly reconstructor: Reconstructor;
  readonly sinks: PipelineSinks;
  readonly metrics: Metrics;
  readonly logger?: Logger;
  /** Wall clock, ns since the epoch (latency metric, stamping messages without receivedAtNs). */
  readonly clock?: () => bigint;
  /** Sees each acknowledged batch's reconstructed events and selected candidates (with frames). */
  readonly tap?: PipelineTap;
  /** The anomaly path: scores every reconstructed event; over-threshold ones go to sinks.anomalies. */
  readonly anomaly?: AnomalyStage;
}

export interface Pipeline {
  /** Wires the stages onto an input stream; subscribe to run. Emits one report per acked batch. */
  run(input$: Observable<PipelineInput>): Observable<BatchReport>;
}

const wallClockNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

export function createPipeline(config: PipelineConfig, deps: PipelineDeps): Pipeline {
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? wallClockNs;
  const m = deps.metrics;
  m.setBackend(deps.reconstructor.info.backend);
  const selector = createSelector({
    selection: config.trigger.selection,
    geometry: config.geometry,
    ...(config.classifierThreshold === undefined ? {} : { classifierThreshold: config.classifierThreshold }),
  });
  const stages = createStages(config, {
    decode: deps.decode,
    reconstructor: deps.reconstructor,
    selector,
    metrics: m,
    logger,
    ...(deps.anomaly === undefined ? {} : { anomaly: deps.anomaly }),
  });
  const c = stages.components;
  const anomalySink = deps.sinks.anomalies;
  const anomalySinkComponent = anomalySink === undefined ? undefined : m.component('sink_anomalies');

  const write = async <T>(
    sink: Sink<T>,
    items: readonly T[],
    comp: typeof c.sink_reco,
    ctx?: WriteContext,
  ): Promise<void> => {
    if (items.length === 0) return;
    comp.received(items.length);
    try {
      await withRetry(
        () => sink.write(items, ctx),
        config.retry,
        (e, attempt) => logger.warn('sink write failed, retrying', { attempt, error: String(e) }),
      );
      comp.sent(items.length);
    } catch (e) {
      comp.errors(items.length);
      throw e;
    }
  };

  /**
   * Writes the outputs of one or more batches (in input order) and resolves once every sink
   * resolved: one write per sink, candidates one write per input partition (each keeps its order).
   */
  const publish = async (outputs: readonly Outputs[]): Promise<void> => {
    const candidates = new Map<number | undefined, Candidate[]>();
    const add = (partition: number | undefined, x: Candidate): void => {
      const list = candidates.get(partition);
      if (list === undefined) candidates.set(partition, [x]);
      else list.push(x);
    };
    for (const o of outputs) {
      o.u.candidates.forEach((x, i) => {
        if (config.writeRejectedCandidates || x.selected) add(o.partitions[i], x);
      });
      for (const x of o.u.reissued) add(o.partition, x);
    }
    await Promise.all([
      write(
        deps.sinks.reco,
        outputs.flatMap((o) => o.reco),
        c.sink_reco,
      ),
      ...[...candidates].map(([partition, items]) =>
        write(deps.sinks.candidates, items, c.sink_candidates, partition === undefined ? {} : { partition }),
      ),
      write(
        deps.sinks.alerts,
        outputs.flatMap((o) => o.u.alerts),
        c.sink_alerts,
      ),
      write(
        deps.sinks.deadLetters,
        outputs.flatMap((o) => o.deadLetters),
        c.sink_dead_letters,
      ),
      ...(anomalySink === undefined
        ? []
        : [
            write(
              anomalySink,
              outputs.flatMap((o) => o.anomalies),
              anomalySinkComponent!,
            ),
          ]),
    ]);
  };

  const tap = (b: TapBatch): void => {
    try {
      deps.tap?.onBatch(b);
    } catch (e) {
      logger.warn('pipeline tap failed', { error: String(e) });
    }
  };

  return {
    run(input$) {
      const monitor = config.excess === 'inline' ? createExcessMonitor(config.trigger.excess) : undefined;
      const observeExcess = (u: ExcessUpdate): void =>
        recordExcess(u.alerts, monitor?.lastEvaluation, config.trigger.excess.windowS, m, logger);

      const batches$: Observable<InputBatch> = input$.pipe(
        microBatch(config.batchSize, config.batchTimeoutMs, isInputBatch),
        map((group): InputBatch => {
          const first = group[0];
          if (group.length === 1 && first !== undefined && isInputBatch(first)) return first;
          const messages = group as InputMessage[];
          return {
            messages,
            ack: async () => {
              for (const msg of messages) await msg.ack?.();
            },
          };
        }),
        mergeMap((batch) => splitBatch(batch, config.batchSize)),
      );

      const processed$ = batches$.pipe(
        map((batch) => {
          const now = clock();
          m.framesReceived.inc(batch.messages.length);
          m.inFlightMessages.inc(batch.messages.length);
          return { batch, receivedAtNs: batch.messages.map((msg) => msg.receivedAtNs ?? now) };
        }),
        // Batches waiting for a slot (e.g. one per partition of a Kafka fetch) are reconstructed
        // together, up to batchSize frames: one call instead of one per batch.
        orderedGroupMap(
          async (group) => {
            const messages = group.flatMap((b) => b.batch.messages);
            const receivedAtNs = group.flatMap((b) => b.receivedAtNs);
            const staged = await stages.run(messages, receivedAtNs);
            for (const b of group) b.batch.release?.();
            const batch: InputBatch =
              group.length === 1
                ? group[0]!.batch
                : {
                    messages,
                    ack: async () => {
                      for (const b of group) await b.batch.ack?.();
                    },
                  };
            return { batch, receivedAtNs, staged };
          },
          config.maxConcurrentBatches,
          { size: (b) => b.batch.messages.length, max: config.batchSize },
        ),
        // Batches whose reconstruction finished while the previous outputs were being written go
        // out together (one produce round trip for all of them, not one after another), then are
        // acknowledged one by one in input order.
        groupWhileBusy(async (group): Promise<BatchReport[]> => {
          const outputs = group.map(({ batch, receivedAtNs, staged }) => {
            let u: ExcessUpdate = {
              candidates: staged.candidates,
              reissued: [],
              alerts: [],
              evaluations: [],
            };
            if (monitor !== undefined) {
              c.excess.received(staged.candidates.length);
              u = monitor.process(staged.candidates);
              c.excess.sent(u.candidates.length);
              observeExcess(u);
            }
            const partitions = staged.origins.map((i) => batch.messages[i]!.partition);
            return {
              batch,
              receivedAtNs,
              staged,
              u,
              reco: staged.reco,
              deadLetters: staged.deadLetters,
              anomalies: staged.anomalies,
              partitions,
              partition: partitionOf(batch),
            };
          });
          await publish(outputs);
          const reports: BatchReport[] = [];
          for (const { batch, receivedAtNs, staged, u } of outputs) {
            const n = batch.messages.length;
            c.ack.received(n);
            try {
              await batch.ack?.();
            } catch (e) {
              c.ack.errors(n);
              throw e;
            }
            c.ack.sent(n);
            m.inFlightMessages.dec(n);
            const done = clock();
            for (const t of receivedAtNs) m.endToEndLatencySeconds.observe(Number(done - t) / 1e9);
            if (deps.tap !== undefined) {
              const selected = u.candidates.flatMap((candidate, i) =>
                candidate.selected ? [{ candidate, frame: staged.frames[i]! }] : [],
              );
              tap({ messages: n, reco: staged.reco, selected, anomalies: staged.anomalies });
            }
            reports.push({
              messages: n,
              reco: staged.reco.length,
              selected: staged.candidates.filter((x) => x.selected).length,
              deadLetters: staged.deadLetters.length,
              alerts: u.alerts,
              reissued: u.reissued.length,
              evaluations: u.evaluations,
            });
          }
          return reports;
        }),
      );

      const final$ = defer(() => {
        if (monitor === undefined) return EMPTY;
        const u = monitor.flush();
        observeExcess(u);
        return from(
          publish([
            { u, reco: [], deadLetters: [], anomalies: [], partitions: [], partition: undefined },
          ]).then((): BatchReport => ({
            messages: 0,
            reco: 0,
            selected: 0,
            deadLetters: 0,
            alerts: u.alerts,
            reissued: u.reissued.length,
            evaluations: u.evaluations,
          })),
        );
      }).pipe(filter((r) => r.alerts.length > 0 || r.reissued > 0 || r.evaluations.length > 0));

      return concat(processed$, final$);
    },
  };
}

/**
 * Pieces of at most `size` messages, in order; only the last piece carries the batch's ack and
 * release (the pipeline acks in input order, so the ack runs once every piece's outputs are
 * written, and the release once every piece is reconstructed).
 */
export function splitBatch(batch: InputBatch, size: number): InputBatch[] {
  const n = batch.messages.length;
  if (n <= size) return [batch];
  const out: InputBatch[] = [];
  for (let start = 0; start < n; start += size) {
    const messages = batch.messages.slice(start, start + size);
    const last = start + size >= n;
    out.push({
      messages,
      ...(last && batch.ack !== undefined ? { ack: batch.ack } : {}),
      ...(last && batch.release !== undefined ? { release: batch.release } : {}),
    });
  }
  return out;
}

/** The partition all of a batch's messages came from, if they share one. */
function partitionOf(batch: InputBatch): number | undefined {
  const p = batch.messages[0]?.partition;
  return p !== undefined && batch.messages.every((msg) => msg.partition === p) ? p : undefined;
}
