/**
 * The per-batch stages before the stateful excess monitor: decode → validate → reconstruct (in
 * chunks of at most batchSize frames) → select. Bad input is classified here, once:
 * decode failures and validation statuses listed in deadLetterStatuses become dead letters;
 * other non-ok statuses (no_hits, single_station: legitimate physics) skip the reconstructor and
 * yield a RecoEvent with that status; a reconstruction failure (after retries of retriable errors)
 * dead-letters that chunk's frames as 'reconstruction_failed'.
 */
import {
  DecodeError,
  ShowertrigError,
  checkHits,
  hitsPerStation,
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
import { withRetry, type RetryPolicy } from './retry.js';
import type { InputMessage } from './types.js';

export interface StageConfig {
  readonly geometry: DetectorGeometry;
  readonly maxHits: number;
  readonly batchSize: number;
  readonly retry: RetryPolicy;
  readonly deadLetterStatuses: readonly RecoStatus[];
}

export interface StageDeps {
  readonly decode: (bytes: Uint8Array) => HitFrame;
  readonly reconstructor: Reconstructor;
  readonly selector: Selector;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/** What one input batch turned into, in input order. */
export interface StagedBatch {
  readonly reco: RecoEvent[];
  readonly candidates: Candidate[];
  readonly deadLetters: DeadLetter[];
}

export const COMPONENTS = ['decode', 'validate', 'reconstruct', 'select', 'excess', 'sink_reco', 'sink_candidates', 'sink_alerts', 'sink_dead_letters', 'ack'] as const;
export type ComponentName = (typeof COMPONENTS)[number];

export function keyOf(m: InputMessage): string | undefined {
  if (m.key === undefined || m.key === null) return undefined;
  return typeof m.key === 'string' ? m.key : Buffer.from(m.key.buffer, m.key.byteOffset, m.key.byteLength).toString('utf8');
}

export function deadLetter(m: InputMessage, reason: string, errorClass: string, receivedAtNs: bigint): DeadLetter {
  const key = keyOf(m);
  return {
    topic: m.topic ?? 'unknown',
    partition: m.partition ?? -1,
    offset: m.offset ?? '-1',
    ...(key === undefined ? {} : { key }),
    reason,
    errorClass,
    payload: m.value,
    receivedAtNs,
  };
}

function statusEvent(f: HitFrame, status: RecoStatus, detail: string | undefined, g: DetectorGeometry): RecoEvent {
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
  const c = Object.fromEntries(COMPONENTS.map((n) => [n, deps.metrics.component(n)])) as Record<ComponentName, ComponentMetrics>;
  const m = deps.metrics;
  const dlqSet = new Set<RecoStatus>(cfg.deadLetterStatuses);

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
        throw new ShowertrigError(`reconstructor returned ${out.length} events for ${frames.length} frames`, { context: { frames: frames.length } });
      }
      return out;
    } finally {
      end();
    }
  };

  /** Decode, validate, reconstruct and select one batch. receivedAtNs[i] belongs to messages[i]. */
  const run = async (messages: readonly InputMessage[], receivedAtNs: readonly bigint[]): Promise<StagedBatch> => {
    const slots: (RecoEvent | DeadLetter | undefined)[] = new Array(messages.length);
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
        slots[i] = deadLetter(msg, reason, e instanceof Error ? e.name : 'Error', at);
        return;
      }
      c.decode.sent();
      c.validate.received();
      const verdict = checkHits(frame.hits, cfg.geometry, cfg.maxHits);
      if (verdict.status === 'ok') pending.push({ i, frame });
      else if (dlqSet.has(verdict.status)) {
        m.framesInvalid.inc({ reason: verdict.status });
        c.validate.errors();
        slots[i] = deadLetter(msg, verdict.status, 'ValidationError', at);
        return;
      } else slots[i] = statusEvent(frame, verdict.status, verdict.detail, cfg.geometry);
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
        deps.logger.error('reconstruction failed; dead-lettering the batch', { frames: chunk.length, error: String(e) });
        c.reconstruct.errors(chunk.length);
        for (const p of chunk) slots[p.i] = deadLetter(messages[p.i]!, 'reconstruction_failed', e instanceof Error ? e.name : 'Error', receivedAtNs[p.i]!);
      }
    }

    const reco: RecoEvent[] = [];
    const deadLetters: DeadLetter[] = [];
    for (const s of slots) {
      if (s === undefined) continue;
      if ('payload' in s) deadLetters.push(s);
      else reco.push(s);
    }
    for (const d of deadLetters) m.deadLetters.inc({ reason: d.reason });
    for (const r of reco) m.eventsReconstructed.inc({ status: r.status });
    c.select.received(reco.length);
    const candidates = reco.map((r) => deps.selector.select(r));
    c.select.sent(candidates.length);
    const selected = candidates.filter((x) => x.selected).length;
    if (selected > 0) m.eventsSelected.inc(selected);
    return { reco, candidates, deadLetters };
  };

  return { run, components: c };
}
