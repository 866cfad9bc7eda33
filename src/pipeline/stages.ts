/**
 * The per-batch stages before the stateful excess monitor: decode → validate → reconstruct (in
 * chunks of at most batchSize frames) → select. Bad input is classified here, once (the
 * reconstructor trusts what passes): decode failures, implausible content (validateFrame:
 * ids, timestamp, truth, counts) and hit statuses listed in deadLetterStatuses become dead letters,
 * as does a frame reusing an event id with different content (duplicate_id); other non-ok statuses
 * (no_hits, single_station: legitimate physics) skip the reconstructor and yield a RecoEvent with
 * that status; a reconstruction failure (after retries of retriable errors) dead-letters that
 * chunk's frames as 'reconstruction_failed'.
 */
import {
  type AnomalyEvent,
  CONTENT_REASONS,
  DecodeError,
  ShowertrigError,
  validateFrame,
  hitsPerStation,
  type Plausibility,
  type Candidate,
  type DeadLetter,
  type DetectorGeometry,
  type HitFrame,
  type RecoEvent,
  type RecoStatus,
  type Reconstructor,
} from '../domain/index.js';
import type { Selector } from '../trigger/index.js';
import type { Metrics, ComponentMetrics, Logger } from '../telemetry/index.js';
import { deadLetter } from './dead-letter.js';
import type { AnomalyStage } from './anomaly-stage.js';
import { createDuplicateIdGuard } from './duplicate-ids.js';
import { withRetry, type RetryPolicy } from './retry.js';
import type { InputMessage } from './types.js';

export interface StageConfig {
  readonly geometry: DetectorGeometry;
  readonly maxHits: number;
  readonly batchSize: number;
  readonly retry: RetryPolicy;
  readonly deadLetterStatuses: readonly RecoStatus[];
  readonly plausibility: Plausibility;
  /** Distinct event ids remembered for collision detection (0: off). */
  readonly duplicateIdWindow: number;
  /** Largest dead-letter record the DLQ topic takes (payloads beyond are truncated, marked so). */
  readonly maxDeadLetterBytes: number;
}

export interface StageDeps {
  readonly decode: (bytes: Uint8Array) => HitFrame;
  readonly reconstructor: Reconstructor;
  readonly selector: Selector;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** The anomaly path (anomaly.enabled): scores every reconstructed event. */
  readonly anomaly?: AnomalyStage;
}

/** What one input batch turned into, in input order. */
export interface StagedBatch {
  readonly reco: RecoEvent[];
  /** The decoded frame of each reco event (same index), for the pipeline tap. */
  readonly frames: HitFrame[];
  /** The input message index of each reco event (same index): where its candidate is written. */
  readonly origins: number[];
  readonly candidates: Candidate[];
  readonly deadLetters: DeadLetter[];
  /** Events over the anomaly threshold (empty without the anomaly path). */
  readonly anomalies: AnomalyEvent[];
}

export const COMPONENTS = [
  'decode',
  'validate',
  'reconstruct',
  'select',
  'excess',
  'sink_reco',
  'sink_candidates',
  'sink_alerts',
  'sink_dead_letters',
  'ack',
] as const;
export type ComponentName = (typeof COMPONENTS)[number];

function statusEvent(
  f: HitFrame,
  status: RecoStatus,
  detail: string | undefined,
  g: DetectorGeometry,
): RecoEvent {
  return {
    runId: f.runId,
    eventId: f.eventId,
    timestampNs: f.timestampNs,
    status,
    ...(detail === undefined ? {} : { detail }),
    nHits: f.hits.station.length,
    energyGeV: 0,
    dCm: 0,
    xCm: 0,
    yCm: 0,
    fitRmsCm: 0,
    stationsUsed: hitsPerStation(f.hits, g.nStations).filter((n) => n > 0).length,
    ...(f.truth === undefined ? {} : { truth: f.truth }),
  };
}

/** One batch on its way through the stages: a slot per input message, filled in stage by stage. */
interface WorkingBatch {
  readonly messages: readonly InputMessage[];
  readonly receivedAtNs: readonly bigint[];
  /** Per message: its reco event or dead letter once known. */
  readonly slots: (RecoEvent | DeadLetter | undefined)[];
  /** Per message: its decoded frame, if it decoded. */
  readonly decoded: (HitFrame | undefined)[];
  /** The messages that passed validation with status ok, for the reconstructor. */
  readonly pending: { i: number; frame: HitFrame }[];
}

/** The stages' configuration-derived state (component metrics, dead-letter statuses, id guard). */
class Stages {
  readonly components: Record<ComponentName, ComponentMetrics>;
  private readonly m: Metrics;
  private readonly dlqSet: Set<string>;
  private readonly rules: Parameters<typeof validateFrame>[1];
  private readonly ids: ReturnType<typeof createDuplicateIdGuard>;
  /** The anomaly path's component: exists only when it runs. */
  private readonly anomalyComponent: ComponentMetrics | undefined;

  constructor(
    private readonly cfg: StageConfig,
    private readonly deps: StageDeps,
  ) {
    this.components = Object.fromEntries(COMPONENTS.map((n) => [n, deps.metrics.component(n)])) as Record<
      ComponentName,
      ComponentMetrics
    >;
    this.m = deps.metrics;
    this.dlqSet = new Set<string>([...cfg.deadLetterStatuses, ...CONTENT_REASONS]);
    this.rules = { geometry: cfg.geometry, maxHits: cfg.maxHits, plausibility: cfg.plausibility };
    this.ids = createDuplicateIdGuard(cfg.duplicateIdWindow);
    this.anomalyComponent = deps.anomaly === undefined ? undefined : deps.metrics.component('anomaly');
  }

  /** Decode, validate, reconstruct and select one batch. receivedAtNs[i] belongs to messages[i]. */
  async run(messages: readonly InputMessage[], receivedAtNs: readonly bigint[]): Promise<StagedBatch> {
    const b: WorkingBatch = {
      messages,
      receivedAtNs,
      slots: new Array(messages.length),
      decoded: new Array(messages.length),
      pending: [],
    };
    this.components.decode.received(messages.length);
    messages.forEach((msg, i) => this.admit(b, msg, i));
    await this.reconstructPending(b);
    return this.select(b);
  }

  private letter(msg: InputMessage, reason: string, errorClass: string, at: bigint): DeadLetter {
    return deadLetter(msg, reason, errorClass, at, this.cfg.maxDeadLetterBytes);
  }

  /** Decode and validate message i: a dead letter, a status event, or pending for the reconstructor. */
  private admit(b: WorkingBatch, msg: InputMessage, i: number): void {
    const { components: c, m } = this;
    const at = b.receivedAtNs[i]!;
    let frame: HitFrame;
    try {
      frame = this.deps.decode(msg.value);
    } catch (e) {
      const reason = e instanceof DecodeError ? e.reason : 'decode_failed';
      m.framesInvalid.inc({ reason });
      c.decode.errors();
      b.slots[i] = this.letter(msg, reason, e instanceof Error ? e.name : 'Error', at);
      return;
    }
    c.decode.sent();
    b.decoded[i] = frame;
    c.validate.received();
    const verdict = validateFrame(frame, this.rules);
    const invalid = (reason: string): void => {
      m.framesInvalid.inc({ reason });
      c.validate.errors();
      b.slots[i] = this.letter(msg, reason, 'ValidationError', at);
    };
    if (this.dlqSet.has(verdict.status)) return invalid(verdict.status);
    if (this.ids.check(frame) === 'collision') return invalid('duplicate_id');
    if (verdict.status === 'ok') b.pending.push({ i, frame });
    else b.slots[i] = statusEvent(frame, verdict.status as RecoStatus, verdict.detail, this.cfg.geometry);
    c.validate.sent();
  }

  /** The pending frames in chunks of at most batchSize; a failed chunk is dead-lettered. */
  private async reconstructPending(b: WorkingBatch): Promise<void> {
    const c = this.components;
    for (let start = 0; start < b.pending.length; start += this.cfg.batchSize) {
      const chunk = b.pending.slice(start, start + this.cfg.batchSize);
      c.reconstruct.received(chunk.length);
      try {
        const out = await this.reconstructChunk(chunk.map((p) => p.frame));
        chunk.forEach((p, k) => (b.slots[p.i] = out[k]!));
        c.reconstruct.sent(chunk.length);
      } catch (e) {
        this.deps.logger.error('reconstruction failed; dead-lettering the batch', {
          frames: chunk.length,
          error: String(e),
        });
        c.reconstruct.errors(chunk.length);
        for (const p of chunk)
          b.slots[p.i] = this.letter(
            b.messages[p.i]!,
            'reconstruction_failed',
            e instanceof Error ? e.name : 'Error',
            b.receivedAtNs[p.i]!,
          );
      }
    }
  }

  private async reconstructChunk(frames: HitFrame[]): Promise<RecoEvent[]> {
    const m = this.m;
    m.inferenceBatchSize.observe(frames.length);
    const end = m.reconstructionSeconds.startTimer();
    try {
      const out = await withRetry(
        () => this.deps.reconstructor.reconstruct(frames),
        this.cfg.retry,
        (e, attempt) =>
          this.deps.logger.warn('reconstruction failed, retrying', { attempt, error: String(e) }),
      );
      if (out.length !== frames.length) {
        throw new ShowertrigError(`reconstructor returned ${out.length} events for ${frames.length} frames`, {
          context: { frames: frames.length },
        });
      }
      return out;
    } finally {
      end();
    }
  }

  /** The slots in input order as reco events and dead letters, counted, and the candidates selected. */
  private select(b: WorkingBatch): StagedBatch {
    const { components: c, m } = this;
    let reco: RecoEvent[] = [];
    const frames: HitFrame[] = [];
    const origins: number[] = [];
    const deadLetters: DeadLetter[] = [];
    b.slots.forEach((s, i) => {
      if (s === undefined) return;
      if ('payload' in s) deadLetters.push(s);
      else {
        reco.push(s);
        frames.push(b.decoded[i]!);
        origins.push(i);
      }
    });
    const anomaly = this.deps.anomaly;
    if (anomaly !== undefined) {
      this.anomalyComponent!.received(reco.length);
      reco = anomaly.score(reco, frames, this.cfg.batchSize);
      this.anomalyComponent!.sent(reco.length);
    }
    for (const d of deadLetters) m.deadLetters.inc({ reason: d.reason });
    for (const r of reco) {
      m.eventsReconstructed.inc({ status: r.status });
      if (r.classification !== undefined)
        m.classifierScore.observe(
          { predicted_class: r.classification.predictedClass },
          r.classification.score,
        );
    }
    c.select.received(reco.length);
    const candidates = reco.map((r) => this.deps.selector.select(r));
    c.select.sent(candidates.length);
    const selected = candidates.filter((x) => x.selected).length;
    if (selected > 0) m.eventsSelected.inc(selected);
    const anomalies = anomaly?.anomalies(reco, candidates) ?? [];
    return { reco, frames, origins, candidates, deadLetters, anomalies };
  }
}

export function createStages(cfg: StageConfig, deps: StageDeps) {
  const stages = new Stages(cfg, deps);
  return {
    run: (messages: readonly InputMessage[], receivedAtNs: readonly bigint[]): Promise<StagedBatch> =>
      stages.run(messages, receivedAtNs),
    components: stages.components,
  };
}
