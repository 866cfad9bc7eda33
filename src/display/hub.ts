/**
 * The live display's state and fan-out. The pipeline feeds it through its tap (synchronous, O(batch),
 * into bounded buffers only); timers then batch what arrived to the SSE subscribers every
 * `flushMs` and sample the metrics every second. Nothing here is awaited by the pipeline, and every
 * buffer is bounded (rings of points, candidates and alerts; per-subscriber send buffers).
 */
import type { ServerResponse } from 'node:http';
import type { Candidate, ExcessAlert, HitFrame } from '../domain/index.js';
import type { PipelineTap, TapBatch } from '../pipeline/index.js';
import type { Metrics } from '../telemetry/index.js';
import type { WindowEvaluation } from '../trigger/index.js';
import { createAnomalyPanel, type AnomalyPanel } from './anomaly-panel.js';
import { candidateDetail, candidateSummary, type EventDetailConfig } from './event-detail.js';
import { createOpsSampler } from './ops-sampler.js';
import type {
  AlertDetail,
  AlertView,
  CandidateDetail,
  CandidateSummary,
  DisplayInfo,
  InputRatePoint,
  OpsPoint,
  ServerMessage,
  WindowPoint,
} from './protocol.js';
import { InputRateBins, Ring } from './series.js';
import { SseSubscriber } from './sse.js';

export interface DisplayLimits {
  /** Points kept per chart (and sent in the snapshot). */
  readonly points: number;
  readonly alerts: number;
  /** Selected candidates kept with their frames (for clicks on candidates). */
  readonly candidates: number;
  /** Candidates kept with each alert (those inside its window, the most energetic first). */
  readonly candidatesPerAlert: number;
  /** Candidate summaries sent per flush at most (the newest). */
  readonly summariesPerFlush: number;
  /** Bytes queued for one subscriber before it is dropped. */
  readonly maxBufferedBytes: number;
  readonly maxSubscribers: number;
  readonly flushMs: number;
  /** The newest candidate's full event is pushed at most this often. */
  readonly eventIntervalMs: number;
  readonly maxHitsPerStation: number;
}

export const DEFAULT_DISPLAY_LIMITS: DisplayLimits = {
  points: 1800,
  alerts: 100,
  candidates: 1000,
  candidatesPerAlert: 20,
  summariesPerFlush: 20,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxSubscribers: 32,
  flushMs: 250,
  eventIntervalMs: 1000,
  maxHitsPerStation: 4000,
};

export interface DisplayHubConfig {
  readonly info: Omit<DisplayInfo, 'startedAtMs'>;
  readonly detail: Omit<EventDetailConfig, 'maxHitsPerStation'>;
  /** Event-time lateness before an input-rate bin closes, s; and the trailing window of its band. */
  readonly latenessS: number;
  readonly trailingWindowS: number;
  readonly limits?: Partial<DisplayLimits>;
}

export interface DisplayHub {
  /** Reconstructed events and selected candidates, from the reconstruction pipeline. */
  readonly tap: PipelineTap;
  /** Alerts and window evaluations, from the batch reports of whichever stage runs the excess test. */
  report(r: {
    readonly alerts: readonly ExcessAlert[];
    readonly evaluations: readonly WindowEvaluation[];
  }): void;
  /** The anomaly monitor's window states (rate against budget, drift), from the anomaly stage. */
  readonly anomaly: AnomalyPanel['state'];
  /** Takes over an HTTP response as an SSE stream (503 when full). */
  subscribe(res: ServerResponse): void;
  snapshot(): Extract<ServerMessage, { type: 'hello' }>;
  candidate(eventId: string): CandidateDetail | undefined;
  alert(alertId: string): AlertDetail | undefined;
  stats(): { subscribers: number; dropped: number; sent: number };
  /** The inference backend and model, once loaded (the server may start before the model). */
  describe(reco: { readonly backend: string; readonly model: string }): void;
  start(): void;
  stop(): void;
}

const nsToS = (ns: bigint): number => Number(ns / 1_000_000n) / 1000;

export function createDisplayHub(
  cfg: DisplayHubConfig,
  metrics: Metrics,
  now: () => number = Date.now,
): DisplayHub {
  const lim = { ...DEFAULT_DISPLAY_LIMITS, ...cfg.limits };
  let info: DisplayInfo = { ...cfg.info, startedAtMs: now() };
  const detailCfg: EventDetailConfig = { ...cfg.detail, maxHitsPerStation: lim.maxHitsPerStation };
  const windowS = cfg.info.excess.windowS;
  const ops = new Ring<OpsPoint>(lim.points);
  const windows = new Ring<WindowPoint>(lim.points);
  const input = new Ring<InputRatePoint>(lim.points);
  type Kept = { candidate: Candidate; frame: HitFrame; summary: CandidateSummary };
  const alerts = new Ring<{ view: AlertView; candidates: Kept[] }>(lim.alerts);
  const kept = new Ring<Kept>(lim.candidates);
  const bins = new InputRateBins({
    stepS: cfg.info.excess.stepS,
    trailingS: cfg.trailingWindowS,
    latenessS: cfg.latenessS,
  });
  const sampler = createOpsSampler(metrics);
  const anomalyPanel = createAnomalyPanel(lim.summariesPerFlush * 5, lim.points);
  const subscribers = new Set<SseSubscriber>();
  let dropped = 0;
  let sent = 0;
  let pending: {
    windows: WindowPoint[];
    input: InputRatePoint[];
    alerts: AlertView[];
    summaries: CandidateSummary[];
  } = { windows: [], input: [], alerts: [], summaries: [] };
  let newest: { candidate: Candidate; frame: HitFrame } | undefined;
  let lastEventAt = -Infinity;
  let latest: CandidateDetail | null = null;
  const timers: NodeJS.Timeout[] = [];
  let sampling = false;

  const windowPoint = (e: WindowEvaluation): WindowPoint => ({
    tS: nsToS(e.windowEndNs),
    observedHz: e.observed / windowS,
    expectedHz: e.expected / windowS,
    bandLoHz: Math.max(0, e.expected - 2 * Math.sqrt(e.expected)) / windowS,
    bandHiHz: (e.expected + 2 * Math.sqrt(e.expected)) / windowS,
    z: e.z,
  });
  const alertView = (a: ExcessAlert): AlertView => ({
    alertId: a.alertId,
    method: a.method,
    windowStartS: nsToS(a.windowStartNs),
    windowEndS: nsToS(a.windowEndNs),
    observed: a.observed,
    expected: a.expected,
    z: a.z,
    p: a.p,
    receivedAtMs: now(),
  });

  const broadcast = (msg: ServerMessage): void => {
    if (subscribers.size === 0) return;
    const data = JSON.stringify(msg);
    for (const s of subscribers) if (s.send(data)) sent++;
  };

  const flush = (): void => {
    const p = pending;
    pending = { windows: [], input: [], alerts: [], summaries: [] };
    if (p.windows.length > 0) broadcast({ type: 'windows', points: p.windows });
    if (p.input.length > 0) broadcast({ type: 'input', points: p.input });
    if (p.alerts.length > 0) broadcast({ type: 'alerts', alerts: p.alerts });
    if (p.summaries.length > 0) broadcast({ type: 'candidates', candidates: p.summaries });
    const anomalies = anomalyPanel.drain();
    if (anomalies !== undefined) broadcast(anomalies);
    const t = now();
    if (newest !== undefined && t - lastEventAt >= lim.eventIntervalMs && subscribers.size > 0) {
      latest = candidateDetail(newest.candidate, newest.frame, detailCfg);
      newest = undefined;
      lastEventAt = t;
      broadcast({ type: 'event', detail: latest });
    }
  };

  const sample = (): void => {
    if (sampling) return;
    sampling = true;
    sampler
      .sample(now())
      .then((point) => {
        if (point === undefined) return;
        ops.push(point);
        broadcast({ type: 'ops', point });
      })
      .catch(() => undefined)
      .finally(() => (sampling = false));
  };

  const inWindow = (a: AlertView, s: CandidateSummary): boolean =>
    s.tS >= a.windowStartS && s.tS < a.windowEndS;

  const tap: PipelineTap = {
    onBatch(b: TapBatch) {
      if (b.reco.length > 0) {
        const points = bins.add(b.reco.map((r) => r.timestampNs));
        input.push(...points);
        pending.input.push(...points);
      }
      for (const { candidate, frame } of b.selected) {
        const summary = candidateSummary(candidate);
        kept.push({ candidate, frame, summary });
        pending.summaries.push(summary);
        newest = { candidate, frame };
      }
      if (b.anomalies !== undefined) anomalyPanel.add(b.anomalies);
      if (pending.summaries.length > lim.summariesPerFlush)
        pending.summaries.splice(0, pending.summaries.length - lim.summariesPerFlush);
      trimPending();
    },
  };

  const report = (r: {
    readonly alerts: readonly ExcessAlert[];
    readonly evaluations: readonly WindowEvaluation[];
  }): void => {
    if (r.evaluations.length > 0) {
      const points = r.evaluations.map(windowPoint);
      windows.push(...points);
      pending.windows.push(...points);
    }
    // An alert comes once its window has closed: the candidates inside it are among the newest kept.
    for (const a of r.alerts) {
      const view = alertView(a);
      const inside = kept
        .filter((k) => inWindow(view, k.summary))
        .sort((x, y) => y.summary.energyGeV - x.summary.energyGeV)
        .slice(0, lim.candidatesPerAlert)
        .map((k) => ({ ...k, summary: { ...k.summary, alertId: k.summary.alertId ?? view.alertId } }));
      alerts.push({ view, candidates: inside });
      pending.alerts.push(view);
    }
    trimPending();
  };

  /** A flush that fell behind (no subscriber yet, or a stalled timer) keeps only what a chart holds. */
  const trimPending = (): void => {
    for (const k of ['windows', 'input', 'alerts'] as const)
      if (pending[k].length > lim.points) pending[k].splice(0, pending[k].length - lim.points);
  };

  const hub: DisplayHub = {
    tap,
    report,
    anomaly: (st) => anomalyPanel.state(st),
    subscribe(res) {
      if (subscribers.size >= lim.maxSubscribers) {
        res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' });
        res.end('too many display subscribers\n');
        return;
      }
      const s = new SseSubscriber(res, lim.maxBufferedBytes, (x) => {
        if (subscribers.delete(x) && x.dropReason === 'overflow') dropped++;
      });
      subscribers.add(s);
      if (s.send(JSON.stringify(hub.snapshot()))) sent++;
    },
    snapshot() {
      return {
        type: 'hello',
        info,
        ops: ops.toArray(),
        windows: windows.toArray(),
        input: input.toArray(),
        alerts: alerts.toArray().map((a) => a.view),
        candidates: kept
          .toArray()
          .slice(-lim.summariesPerFlush)
          .map((k) => k.summary),
        latest,
        ...(anomalyPanel.snapshot() === undefined ? {} : { anomaly: anomalyPanel.snapshot()! }),
      };
    },
    candidate(eventId) {
      const k =
        kept.find((x) => x.summary.eventId === eventId) ??
        alerts
          .toArray()
          .flatMap((a) => a.candidates)
          .find((x) => x.summary.eventId === eventId);
      return k === undefined ? undefined : candidateDetail(k.candidate, k.frame, detailCfg);
    },
    alert(alertId) {
      const a = alerts.find((x) => x.view.alertId === alertId);
      return a === undefined ? undefined : { alert: a.view, candidates: a.candidates.map((k) => k.summary) };
    },
    stats: () => ({ subscribers: subscribers.size, dropped, sent }),
    describe(reco) {
      info = { ...info, backend: reco.backend, model: reco.model };
    },
    start() {
      if (timers.length > 0) return;
      timers.push(setInterval(flush, lim.flushMs), setInterval(sample, 1000));
      for (const t of timers) t.unref();
      sample();
    },
    stop() {
      for (const t of timers.splice(0)) clearInterval(t);
      for (const s of [...subscribers]) s.close('closed');
    },
  };
  return hub;
}
