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
import { alertView, PendingUpdates, SseFanout, windowPoint } from './hub-parts.js';

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

type Kept = { candidate: Candidate; frame: HitFrame; summary: CandidateSummary };

/** The hub: the kept series, candidates and alerts, the pending updates and the subscribers. */
class Hub implements DisplayHub {
  private readonly lim: DisplayLimits;
  private info: DisplayInfo;
  private readonly detailCfg: EventDetailConfig;
  private readonly ops: Ring<OpsPoint>;
  private readonly windows: Ring<WindowPoint>;
  private readonly input: Ring<InputRatePoint>;
  private readonly alerts: Ring<{ view: AlertView; candidates: Kept[] }>;
  private readonly kept: Ring<Kept>;
  private readonly bins: InputRateBins;
  private readonly sampler: ReturnType<typeof createOpsSampler>;
  private readonly fanout: SseFanout;
  private readonly pending: PendingUpdates;
  private newest: { candidate: Candidate; frame: HitFrame } | undefined;
  private lastEventAt = -Infinity;
  private latest: CandidateDetail | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private sampling = false;
  private readonly anomalyPanel: AnomalyPanel;

  readonly tap: PipelineTap = { onBatch: (b) => this.onBatch(b) };
  readonly anomaly: AnomalyPanel['state'] = (st) => this.anomalyPanel.state(st);

  constructor(
    private readonly cfg: DisplayHubConfig,
    metrics: Metrics,
    private readonly now: () => number,
  ) {
    const lim = (this.lim = { ...DEFAULT_DISPLAY_LIMITS, ...cfg.limits });
    this.info = { ...cfg.info, startedAtMs: now() };
    this.detailCfg = { ...cfg.detail, maxHitsPerStation: lim.maxHitsPerStation };
    this.ops = new Ring(lim.points);
    this.windows = new Ring(lim.points);
    this.input = new Ring(lim.points);
    this.alerts = new Ring(lim.alerts);
    this.kept = new Ring(lim.candidates);
    this.bins = new InputRateBins({
      stepS: cfg.info.excess.stepS,
      trailingS: cfg.trailingWindowS,
      latenessS: cfg.latenessS,
    });
    this.sampler = createOpsSampler(metrics);
    this.fanout = new SseFanout(lim.maxSubscribers, lim.maxBufferedBytes);
    this.pending = new PendingUpdates(lim.points, lim.summariesPerFlush);
    this.anomalyPanel = createAnomalyPanel(lim.summariesPerFlush * 5, lim.points);
  }

  private onBatch(b: TapBatch): void {
    const pending = this.pending;
    if (b.reco.length > 0) {
      const points = this.bins.add(b.reco.map((r) => r.timestampNs));
      this.input.push(...points);
      pending.input.push(...points);
    }
    for (const { candidate, frame } of b.selected) {
      const summary = candidateSummary(candidate);
      this.kept.push({ candidate, frame, summary });
      pending.summaries.push(summary);
      this.newest = { candidate, frame };
    }
    if (b.anomalies !== undefined) this.anomalyPanel.add(b.anomalies);
    pending.trimSummaries();
    pending.trim();
  }

  report(r: {
    readonly alerts: readonly ExcessAlert[];
    readonly evaluations: readonly WindowEvaluation[];
  }): void {
    const windowS = this.cfg.info.excess.windowS;
    if (r.evaluations.length > 0) {
      const points = r.evaluations.map((e) => windowPoint(e, windowS));
      this.windows.push(...points);
      this.pending.windows.push(...points);
    }
    // An alert comes once its window has closed: the candidates inside it are among the newest kept.
    for (const a of r.alerts) {
      const view = alertView(a, this.now());
      const inWindow = (s: CandidateSummary): boolean => s.tS >= view.windowStartS && s.tS < view.windowEndS;
      const inside = this.kept
        .filter((k) => inWindow(k.summary))
        .sort((x, y) => y.summary.energyGeV - x.summary.energyGeV)
        .slice(0, this.lim.candidatesPerAlert)
        .map((k) => ({ ...k, summary: { ...k.summary, alertId: k.summary.alertId ?? view.alertId } }));
      this.alerts.push({ view, candidates: inside });
      this.pending.alerts.push(view);
    }
    this.pending.trim();
  }

  /** Every flushMs: what arrived, then the newest candidate's full event at most every eventIntervalMs. */
  private flush(): void {
    for (const msg of this.pending.take()) this.fanout.broadcast(msg);
    const anomalies = this.anomalyPanel.drain();
    if (anomalies !== undefined) this.fanout.broadcast(anomalies);
    const t = this.now();
    if (
      this.newest !== undefined &&
      t - this.lastEventAt >= this.lim.eventIntervalMs &&
      this.fanout.size > 0
    ) {
      this.latest = candidateDetail(this.newest.candidate, this.newest.frame, this.detailCfg);
      this.newest = undefined;
      this.lastEventAt = t;
      this.fanout.broadcast({ type: 'event', detail: this.latest });
    }
  }

  /** Every second: one metrics sample (none while the previous one is still running). */
  private sample(): void {
    if (this.sampling) return;
    this.sampling = true;
    this.sampler
      .sample(this.now())
      .then((point) => {
        if (point === undefined) return;
        this.ops.push(point);
        this.fanout.broadcast({ type: 'ops', point });
      })
      .catch(() => undefined)
      .finally(() => (this.sampling = false));
  }

  subscribe(res: ServerResponse): void {
    this.fanout.add(res, () => this.snapshot());
  }

  snapshot(): Extract<ServerMessage, { type: 'hello' }> {
    return {
      type: 'hello',
      info: this.info,
      ops: this.ops.toArray(),
      windows: this.windows.toArray(),
      input: this.input.toArray(),
      alerts: this.alerts.toArray().map((a) => a.view),
      candidates: this.kept
        .toArray()
        .slice(-this.lim.summariesPerFlush)
        .map((k) => k.summary),
      latest: this.latest,
      ...(this.anomalyPanel.snapshot() === undefined ? {} : { anomaly: this.anomalyPanel.snapshot()! }),
    };
  }

  candidate(eventId: string): CandidateDetail | undefined {
    const k =
      this.kept.find((x) => x.summary.eventId === eventId) ??
      this.alerts
        .toArray()
        .flatMap((a) => a.candidates)
        .find((x) => x.summary.eventId === eventId);
    return k === undefined ? undefined : candidateDetail(k.candidate, k.frame, this.detailCfg);
  }

  alert(alertId: string): AlertDetail | undefined {
    const a = this.alerts.find((x) => x.view.alertId === alertId);
    return a === undefined ? undefined : { alert: a.view, candidates: a.candidates.map((k) => k.summary) };
  }

  stats(): { subscribers: number; dropped: number; sent: number } {
    return { subscribers: this.fanout.size, dropped: this.fanout.dropped, sent: this.fanout.sent };
  }

  describe(reco: { readonly backend: string; readonly model: string }): void {
    this.info = { ...this.info, backend: reco.backend, model: reco.model };
  }

  start(): void {
    if (this.timers.length > 0) return;
    this.timers.push(
      setInterval(() => this.flush(), this.lim.flushMs),
      setInterval(() => this.sample(), 1000),
    );
    for (const t of this.timers) t.unref();
    this.sample();
  }

  stop(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.fanout.closeAll();
  }
}

export function createDisplayHub(
  cfg: DisplayHubConfig,
  metrics: Metrics,
  now: () => number = Date.now,
): DisplayHub {
  return new Hub(cfg, metrics, now);
}
