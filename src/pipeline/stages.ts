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

export function createStages(cfg: StageConfig, deps: StageDeps) {
  const c = Object.fromEntries(COMPONENTS.map((n) => [n, deps.metrics.component(n)])) as Record<
    ComponentName,
    ComponentMetrics
  >;
  const m = deps.metrics;
  // Components of the anomaly path exist only when it runs.
  const anomalyComponent = deps.anomaly === undefined ? undefined : m.component('anomaly');
  const dlqSet = new Set<string>([...cfg.deadLetterStatuses, ...CONTENT_REASONS]);
  const rules = { geometry: cfg.geometry, maxHits: cfg.maxHits, plausibility: cfg.plausibility };
  const ids = createDuplicateIdGuard(cfg.duplicateIdWindow);
  const letter = (msg: InputMessage, reason: string, errorClass: string, at: bigint): DeadLetter =>
    deadLetter(msg, reason, errorClass, at, cfg.maxDeadLetterBytes);

  const reconstructChunk = async (frames: HitFrame[]): Promise<RecoEvent[]> => {
    m.inferenceBatchSize.observe(frames.length);
    const end = m.reconstructionSeconds.startTimer();
    try {
      const out = await withRetry(
        () => deps.reconstructor.reconstruct(frames),
        cfg.retry,
        (e, attempt) => deps.logger.warn('reconstruction failed, retrying', { attempt, error: String(e) }),
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
  };

  /** Decode, validate, reconstruct and select one batch. receivedAtNs[i] belongs to messages[i]. */
  const run = async (
    messages: readonly InputMessage[],
    receivedAtNs: readonly bigint[],
  ): Promise<StagedBatch> => {
    const slots: (RecoEvent | DeadLetter | undefined)[] = new Array(messages.length);
    const decoded: (HitFrame | undefined)[] = new Array(messages.length);
    const pending: { i: number; frame: HitFrame }[] = [];
    c.decode.received(messages.length);
    messages.forEach((msg, i) => {
      const at = receivedAtNs[i]!;
      let frame: HitFrame;
      try {
        frame = deps.decode(msg.value);
      } catch (e) {
        const reason = e instanceof DecodeError ? e.reason : 'decode_failed';
        m.framesInvalid.inc({ reason });
        c.decode.errors();
        slots[i] = letter(msg, reason, e instanceof Error ? e.name : 'Error', at);
        return;
      }
      c.decode.sent();
      decoded[i] = frame;
      c.validate.received();
      const verdict = validateFrame(frame, rules);
      const invalid = (reason: string): void => {
        m.framesInvalid.inc({ reason });
        c.validate.errors();
        slots[i] = letter(msg, reason, 'ValidationError', at);
      };
      if (dlqSet.has(verdict.status)) return invalid(verdict.status);
      if (ids.check(frame) === 'collision') return invalid('duplicate_id');
      if (verdict.status === 'ok') pending.push({ i, frame });
      else slots[i] = statusEvent(frame, verdict.status as RecoStatus, verdict.detail, cfg.geometry);
      c.validate.sent();
    });

    for (let start = 0; start < pending.length; start += cfg.batchSize) {
      const chunk = pending.slice(start, start + cfg.batchSize);
      c.reconstruct.received(chunk.length);
      try {
        const out = await reconstructChunk(chunk.map((p) => p.frame));
        chunk.forEach((p, k) => (slots[p.i] = out[k]!));
        c.reconstruct.sent(chunk.length);
      } catch (e) {
        deps.logger.error('reconstruction failed; dead-lettering the batch', {
          frames: chunk.length,
          error: String(e),
        });
        c.reconstruct.errors(chunk.length);
        for (const p of chunk)
          slots[p.i] = letter(
            messages[p.i]!,
            'reconstruction_failed',
            e instanceof Error ? e.name : 'Error',
            receivedAtNs[p.i]!,
          );
      }
    }

    let reco: RecoEvent[] = [];
    const frames: HitFrame[] = [];
    const origins: number[] = [];
    const deadLetters: DeadLetter[] = [];
    slots.forEach((s, i) => {
      if (s === undefined) return;
      if ('payload' in s) deadLetters.push(s);
      else {
        reco.push(s);
        frames.push(decoded[i]!);
        origins.push(i);
      }
    });
    if (deps.anomaly !== undefined) {
      anomalyComponent!.received(reco.length);
      reco = deps.anomaly.score(reco, frames, cfg.batchSize);
      anomalyComponent!.sent(reco.length);
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
    const candidates = reco.map((r) => deps.selector.select(r));
    c.select.sent(candidates.length);
    const selected = candidates.filter((x) => x.selected).length;
    if (selected > 0) m.eventsSelected.inc(selected);
    const anomalies = deps.anomaly?.anomalies(reco, candidates) ?? [];
    return { reco, frames, origins, candidates, deadLetters, anomalies };
  };

  return { run, components: c };
}
