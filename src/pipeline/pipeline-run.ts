/**
 * One run of the pipeline over an input stream (the wiring pipeline.ts' header draws): input
 * batches, reconstruction of waiting batches together, then the excess monitor, the writes and the
 * acks in input order, and at the end the monitor's flush. The monitor is this run's own.
 */
import { concat, defer, EMPTY, filter, from, map, mergeMap, type Observable } from 'rxjs';
import { createExcessMonitor, type ExcessMonitor, type ExcessUpdate } from '../trigger/index.js';
import { type Logger } from '../telemetry/index.js';
import { groupWhileBusy, microBatch, orderedGroupMap } from './operators.js';
import { recordExcess, type BatchReport } from './report.js';
import { type createStages, type StagedBatch } from './stages.js';
import { type PipelineConfig, type PipelineDeps } from './pipeline-config.js';
import { type OutputWriter, type Outputs } from './pipeline-output.js';
import {
  isInputBatch,
  type InputBatch,
  type InputMessage,
  type PipelineInput,
  type TapBatch,
} from './types.js';

/** What a run is built from: the pipeline's configuration and the parts createPipeline made once. */
export interface PipelineParts {
  readonly config: PipelineConfig;
  readonly deps: PipelineDeps;
  readonly stages: ReturnType<typeof createStages>;
  readonly writer: OutputWriter;
  readonly logger: Logger;
  readonly clock: () => bigint;
  readonly tap: (b: TapBatch) => void;
}

interface Received {
  readonly batch: InputBatch;
  readonly receivedAtNs: bigint[];
}
interface Reconstructed extends Received {
  readonly staged: StagedBatch;
}
type BatchOutputs = Reconstructed & Outputs;

/**
 * Input batches: single messages micro-batched (a batch passes alone), then split into pieces of at
 * most batchSize.
 */
function inputBatches(input$: Observable<PipelineInput>, config: PipelineConfig): Observable<InputBatch> {
  return input$.pipe(
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
}

export class PipelineRun {
  private readonly monitor: ExcessMonitor | undefined;

  constructor(private readonly p: PipelineParts) {
    const { config } = p;
    this.monitor = config.excess === 'inline' ? createExcessMonitor(config.trigger.excess) : undefined;
  }

  run(input$: Observable<PipelineInput>): Observable<BatchReport> {
    const { config } = this.p;
    const processed$ = inputBatches(input$, config).pipe(
      map((batch) => this.receive(batch)),
      // Batches waiting for a slot (e.g. one per partition of a Kafka fetch) are reconstructed
      // together, up to batchSize frames: one call instead of one per batch.
      orderedGroupMap((group) => this.reconstruct(group), config.maxConcurrentBatches, {
        size: (b) => b.batch.messages.length,
        max: config.batchSize,
      }),
      // Batches whose reconstruction finished while the previous outputs were being written go
      // out together (one produce round trip for all of them, not one after another), then are
      // acknowledged one by one in input order.
      groupWhileBusy((group) => this.writeAndAck(group)),
    );
    return concat(processed$, this.final$());
  }

  private observeExcess(u: ExcessUpdate): void {
    const { config, deps, logger } = this.p;
    recordExcess(u.alerts, this.monitor?.lastEvaluation, config.trigger.excess.windowS, deps.metrics, logger);
  }

  private receive(batch: InputBatch): Received {
    const m = this.p.deps.metrics;
    const now = this.p.clock();
    m.framesReceived.inc(batch.messages.length);
    m.inFlightMessages.inc(batch.messages.length);
    return { batch, receivedAtNs: batch.messages.map((msg) => msg.receivedAtNs ?? now) };
  }

  /** Reconstructs a group of waiting batches in one call; the group acks as one batch, in order. */
  private async reconstruct(group: Received[]): Promise<Reconstructed> {
    const messages = group.flatMap((b) => b.batch.messages);
    const receivedAtNs = group.flatMap((b) => b.receivedAtNs);
    const staged = await this.p.stages.run(messages, receivedAtNs);
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
  }

  /** The excess monitor over a batch's candidates (inline), or the candidates unchanged (downstream). */
  private excessUpdate(staged: StagedBatch): ExcessUpdate {
    const u: ExcessUpdate = { candidates: staged.candidates, reissued: [], alerts: [], evaluations: [] };
    if (this.monitor === undefined) return u;
    const c = this.p.stages.components;
    c.excess.received(staged.candidates.length);
    const out = this.monitor.process(staged.candidates);
    c.excess.sent(out.candidates.length);
    this.observeExcess(out);
    return out;
  }

  private async writeAndAck(group: Reconstructed[]): Promise<BatchReport[]> {
    const outputs = group.map(({ batch, receivedAtNs, staged }): BatchOutputs => {
      const u = this.excessUpdate(staged);
      const partitions = staged.origins.map((i) => batch.messages[i]!.partition);
      const { reco, deadLetters, anomalies } = staged;
      return {
        batch,
        receivedAtNs,
        staged,
        u,
        reco,
        deadLetters,
        anomalies,
        partitions,
        partition: partitionOf(batch),
      };
    });
    await this.p.writer.publish(outputs);
    const reports: BatchReport[] = [];
    for (const o of outputs) reports.push(await this.ack(o));
    return reports;
  }

  /** Acknowledges one written batch; its latency, tap and report. */
  private async ack({ batch, receivedAtNs, staged, u }: BatchOutputs): Promise<BatchReport> {
    const { deps, clock } = this.p;
    const c = this.p.stages.components;
    const m = deps.metrics;
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
      this.p.tap({ messages: n, reco: staged.reco, selected, anomalies: staged.anomalies });
    }
    return {
      messages: n,
      reco: staged.reco.length,
      selected: staged.candidates.filter((x) => x.selected).length,
      deadLetters: staged.deadLetters.length,
      alerts: u.alerts,
      reissued: u.reissued.length,
      evaluations: u.evaluations,
    };
  }

  /** At input completion: the monitor's flush, its last alerts written (a report only if it has any). */
  private final$(): Observable<BatchReport> {
    return defer(() => {
      if (this.monitor === undefined) return EMPTY;
      const u = this.monitor.flush();
      this.observeExcess(u);
      return from(
        this.p.writer
          .publish([{ u, reco: [], deadLetters: [], anomalies: [], partitions: [], partition: undefined }])
          .then((): BatchReport => ({
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
  }
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
