/**
 * The display hub's two small owners — the SSE subscribers with their counts (SseFanout) and the
 * updates waiting for the next flush (PendingUpdates) — and the conversions of trigger outputs into
 * what the browser draws.
 */
import type { ServerResponse } from 'node:http';
import type { ExcessAlert } from '../domain/index.js';
import type { WindowEvaluation } from '../trigger/index.js';
import type { AlertView, CandidateSummary, InputRatePoint, ServerMessage, WindowPoint } from './protocol.js';
import { SseSubscriber } from './sse.js';

const nsToS = (ns: bigint): number => Number(ns / 1_000_000n) / 1000;

export function windowPoint(e: WindowEvaluation, windowS: number): WindowPoint {
  return {
    tS: nsToS(e.windowEndNs),
    observedHz: e.observed / windowS,
    expectedHz: e.expected / windowS,
    bandLoHz: Math.max(0, e.expected - 2 * Math.sqrt(e.expected)) / windowS,
    bandHiHz: (e.expected + 2 * Math.sqrt(e.expected)) / windowS,
    z: e.z,
  };
}

export function alertView(a: ExcessAlert, receivedAtMs: number): AlertView {
  return {
    alertId: a.alertId,
    method: a.method,
    windowStartS: nsToS(a.windowStartNs),
    windowEndS: nsToS(a.windowEndNs),
    observed: a.observed,
    expected: a.expected,
    z: a.z,
    p: a.p,
    receivedAtMs,
  };
}

/** The SSE subscribers, at most maxSubscribers, and how many messages were sent and subscribers dropped. */
export class SseFanout {
  private readonly subscribers = new Set<SseSubscriber>();
  dropped = 0;
  sent = 0;

  constructor(
    private readonly maxSubscribers: number,
    private readonly maxBufferedBytes: number,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  broadcast(msg: ServerMessage): void {
    if (this.subscribers.size === 0) return;
    const data = JSON.stringify(msg);
    for (const s of this.subscribers) if (s.send(data)) this.sent++;
  }

  /** Takes over `res` as an SSE stream and sends it `hello` first; 503 when full. */
  add(res: ServerResponse, hello: () => ServerMessage): void {
    if (this.subscribers.size >= this.maxSubscribers) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' });
      res.end('too many display subscribers\n');
      return;
    }
    const s = new SseSubscriber(res, this.maxBufferedBytes, (x) => {
      if (this.subscribers.delete(x) && x.dropReason === 'overflow') this.dropped++;
    });
    this.subscribers.add(s);
    if (s.send(JSON.stringify(hello()))) this.sent++;
  }

  closeAll(): void {
    for (const s of [...this.subscribers]) s.close('closed');
  }
}

/** What arrived since the last flush, bounded: a chart's points per series, summariesPerFlush summaries. */
export class PendingUpdates {
  windows: WindowPoint[] = [];
  input: InputRatePoint[] = [];
  alerts: AlertView[] = [];
  summaries: CandidateSummary[] = [];

  constructor(
    private readonly points: number,
    private readonly summariesPerFlush: number,
  ) {}

  /** The updates, as the messages to broadcast; empties the buffer. */
  take(): ServerMessage[] {
    const out: ServerMessage[] = [];
    if (this.windows.length > 0) out.push({ type: 'windows', points: this.windows });
    if (this.input.length > 0) out.push({ type: 'input', points: this.input });
    if (this.alerts.length > 0) out.push({ type: 'alerts', alerts: this.alerts });
    if (this.summaries.length > 0) out.push({ type: 'candidates', candidates: this.summaries });
    this.windows = [];
    this.input = [];
    this.alerts = [];
    this.summaries = [];
    return out;
  }

  /** Keeps the newest summariesPerFlush summaries. */
  trimSummaries(): void {
    if (this.summaries.length > this.summariesPerFlush)
      this.summaries.splice(0, this.summaries.length - this.summariesPerFlush);
  }

  /** A flush that fell behind (no subscriber yet, or a stalled timer) keeps only what a chart holds. */
  trim(): void {
    for (const k of ['windows', 'input', 'alerts'] as const)
      if (this[k].length > this.points) this[k].splice(0, this[k].length - this.points);
  }
}
