/**
 * The pipeline's writer: one batch's (or several batches') outputs to the sinks, with retries, one
 * write per sink and candidates one write per input partition; resolves once every sink resolved.
 */
import { type AnomalyEvent, type Candidate, type DeadLetter, type RecoEvent } from '../domain/index.js';
import { type ComponentMetrics, type Logger, type Metrics } from '../telemetry/index.js';
import { type ExcessUpdate } from '../trigger/index.js';
import { withRetry, type RetryPolicy } from './retry.js';
import { type PipelineSinks } from './pipeline-config.js';
import { type ComponentName } from './stages.js';
import { type Sink, type WriteContext } from './types.js';

/** What one batch writes: each candidate goes to its input message's partition (partitions[i], same index as u.candidates), reissued ones to the batch's if it has one. */
export interface Outputs {
  readonly u: ExcessUpdate;
  readonly reco: readonly RecoEvent[];
  readonly deadLetters: readonly DeadLetter[];
  readonly anomalies: readonly AnomalyEvent[];
  readonly partitions: readonly (number | undefined)[];
  readonly partition: number | undefined;
}

export class OutputWriter {
  /** The anomalies sink's component: exists only with that sink. */
  private readonly anomalyComponent: ComponentMetrics | undefined;

  constructor(
    private readonly config: { readonly retry: RetryPolicy; readonly writeRejectedCandidates: boolean },
    private readonly sinks: PipelineSinks,
    private readonly c: Record<ComponentName, ComponentMetrics>,
    private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.anomalyComponent = sinks.anomalies === undefined ? undefined : metrics.component('sink_anomalies');
  }

  private async write<T>(sink: Sink<T>, items: readonly T[], comp: ComponentMetrics, ctx?: WriteContext) {
    if (items.length === 0) return;
    comp.received(items.length);
    try {
      await withRetry(
        () => sink.write(items, ctx),
        this.config.retry,
        (e, attempt) => this.logger.warn('sink write failed, retrying', { attempt, error: String(e) }),
      );
      comp.sent(items.length);
    } catch (e) {
      comp.errors(items.length);
      throw e;
    }
  }

  /**
   * Writes the outputs of one or more batches (in input order) and resolves once every sink
   * resolved: one write per sink, candidates one write per input partition (each keeps its order).
   */
  async publish(outputs: readonly Outputs[]): Promise<void> {
    const { sinks, c } = this;
    const candidates = new Map<number | undefined, Candidate[]>();
    const add = (partition: number | undefined, x: Candidate): void => {
      const list = candidates.get(partition);
      if (list === undefined) candidates.set(partition, [x]);
      else list.push(x);
    };
    for (const o of outputs) {
      o.u.candidates.forEach((x, i) => {
        if (this.config.writeRejectedCandidates || x.selected) add(o.partitions[i], x);
      });
      for (const x of o.u.reissued) add(o.partition, x);
    }
    await Promise.all([
      this.write(
        sinks.reco,
        outputs.flatMap((o) => o.reco),
        c.sink_reco,
      ),
      ...[...candidates].map(([partition, items]) =>
        this.write(sinks.candidates, items, c.sink_candidates, partition === undefined ? {} : { partition }),
      ),
      this.write(
        sinks.alerts,
        outputs.flatMap((o) => o.u.alerts),
        c.sink_alerts,
      ),
      this.write(
        sinks.deadLetters,
        outputs.flatMap((o) => o.deadLetters),
        c.sink_dead_letters,
      ),
      ...(sinks.anomalies === undefined
        ? []
        : [
            this.write(
              sinks.anomalies,
              outputs.flatMap((o) => o.anomalies),
              this.anomalyComponent!,
            ),
          ]),
    ]);
  }
}
