/**
 * The live status line and end-of-run summary of the trigger commands, fed by the pipeline's
 * per-batch reports, plus counting sinks for the embedded mode (they keep totals and the latest
 * alerts only, so memory stays flat however long it runs).
 */
import { lastValueFrom, tap, type Observable } from 'rxjs';
import type { AnomalyEvent, Candidate, DeadLetter, ExcessAlert, RecoEvent } from '../domain/index.js';
import type { ExcessConfig } from '../config/index.js';
import type { BatchReport, PipelineSinks, Sink } from '../pipeline/index.js';
import type { Logger, Metrics } from '../telemetry/index.js';
import type { RatePlotOption } from './rate-plot.js';

export interface RunTotals {
  messages: number;
  reco: number;
  selected: number;
  deadLetters: number;
  /** Candidates read by the global excess stage (roles excess and all with Kafka). */
  candidates: number;
  alerts: ExcessAlert[];
  /** Excess-window tests so far: 0 while the monitor still fills its first window (+ trailing background). */
  evaluations: number;
  readonly t0Ms: number;
}

export function newTotals(): RunTotals {
  return {
    messages: 0,
    reco: 0,
    selected: 0,
    deadLetters: 0,
    candidates: 0,
    alerts: [],
    evaluations: 0,
    t0Ms: performance.now(),
  };
}

export function addReport(t: RunTotals, r: BatchReport): void {
  t.messages += r.messages;
  t.reco += r.reco;
  t.selected += r.selected;
  t.deadLetters += r.deadLetters;
  t.candidates += r.candidates ?? 0;
  t.alerts.push(...r.alerts);
  t.evaluations += r.evaluations.length;
}

/** The excess settings the live line needs to say what it waits for. */
export type ExcessWarmup = Pick<
  ExcessConfig,
  'windowS' | 'trailingWindowS' | 'minTrailingS' | 'backgroundRateHz'
>;

/** Trailing background the first test needs, s (the span then grows to trailingWindowS). */
function firstTrailingS(e: ExcessWarmup): number {
  return Math.min(e.minTrailingS, e.trailingWindowS);
}

/**
 * Event time the excess monitor needs before its first test: the window, plus the first part of
 * the trailing background when the background is estimated rather than configured.
 */
export function excessWarmupS(e: ExcessWarmup): number {
  return e.backgroundRateHz === undefined ? e.windowS + firstTrailingS(e) : e.windowS;
}

/** What the live line and --plot say before the first window test. */
export function waitingText(e: ExcessWarmup): string {
  return e.backgroundRateHz === undefined
    ? `waiting for the first ${e.windowS} s window and its first ${firstTrailingS(e)} s of trailing background (${excessWarmupS(e)} s of event time)`
    : `waiting for the first ${e.windowS} s window`;
}

async function gaugeValue(m: Metrics, name: 'excessSignificance' | 'selectedRate'): Promise<number> {
  const v = (await m[name].get()).values[0]?.value;
  return v ?? 0;
}

/** The live line; `excess` given (this process runs the excess monitor) it says when the monitor still waits. */
export async function liveLine(t: RunTotals, m: Metrics, excess?: ExcessWarmup): Promise<string> {
  const s = (performance.now() - t.t0Ms) / 1000;
  const z = await gaugeValue(m, 'excessSignificance');
  const rate = await gaugeValue(m, 'selectedRate');
  const head = `${s.toFixed(0)}s  frames ${t.messages} (${(t.messages / Math.max(s, 1e-9)).toFixed(0)}/s)  reco ${t.reco}  `;
  if (t.evaluations === 0 && excess !== undefined)
    return `${head}selected ${t.selected}  Z ${waitingText(excess)}  dlq ${t.deadLetters}`;
  return `${head}selected ${t.selected} (${rate.toFixed(2)} Hz)  Z ${z.toFixed(2)}  alerts ${t.alerts.length}  dlq ${t.deadLetters}`;
}

export function summary(t: RunTotals, backend: string): string {
  const s = (performance.now() - t.t0Ms) / 1000;
  const lines = [
    `processed ${t.messages} frames in ${s.toFixed(1)} s (${(t.messages / Math.max(s, 1e-9)).toFixed(0)} frames/s, backend ${backend})`,
    `reconstructed ${t.reco}, selected ${t.selected}, dead-lettered ${t.deadLetters}, alerts ${t.alerts.length}`,
  ];
  if (t.candidates > 0) lines.push(`excess stage: read ${t.candidates} candidates`);
  for (const a of t.alerts) {
    const w0 = new Date(Number(a.windowStartNs / 1_000_000n)).toISOString();
    lines.push(
      `  alert ${a.alertId} [${a.method}] window from ${w0}: observed ${a.observed}, expected ${a.expected.toFixed(2)}, Z ${a.z.toFixed(2)}, p ${a.p.toExponential(2)}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Sinks that accept and drop (the reports carry the counts); the embedded mode's outputs are the summary and /metrics. */
export function countingSinks(): PipelineSinks {
  const drop = <T>(): Sink<T> => ({ write: async () => undefined });
  return {
    reco: drop<RecoEvent>(),
    candidates: drop<Candidate>(),
    alerts: drop<ExcessAlert>(),
    deadLetters: drop<DeadLetter>(),
    anomalies: drop<AnomalyEvent>(),
  };
}

/** Runs a pipeline's report stream to its end with a live line each second; Ctrl-C/SIGTERM call onStop (or set stop). */
export async function drive(
  reports$: Observable<BatchReport>,
  rt: {
    metrics: Metrics;
    backend: string;
    close(): Promise<void>;
    readonly display?: { report(r: BatchReport): void };
  },
  stop: { stopped: boolean },
  logger: Logger,
  onStop?: () => void,
  plot?: RatePlotOption,
  excess?: ExcessWarmup,
): Promise<number> {
  const totals = newTotals();
  const onSignal = (): void => {
    stop.stopped = true;
    onStop?.();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const timer = setInterval(() => {
    void liveLine(totals, rt.metrics, excess).then((l) => process.stderr.write(`${l}\n`));
  }, 1000);
  try {
    await lastValueFrom(
      reports$.pipe(
        tap((r) => {
          addReport(totals, r);
          rt.display?.report(r);
          plot?.chart.add(r.evaluations, r.alerts);
        }),
      ),
      { defaultValue: undefined },
    );
  } catch (e) {
    logger.error('pipeline failed', { error: e instanceof Error ? e.message : String(e) });
    throw e;
  } finally {
    clearInterval(timer);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await rt.close();
  }
  process.stdout.write(summary(totals, rt.backend));
  if (plot !== undefined) {
    const paths = plot.chart.write(plot.dir);
    for (const path of paths) process.stdout.write(`wrote ${path}\n`);
    if (paths.length === 0) {
      const why =
        excess === undefined
          ? 'no excess window was evaluated'
          : `the excess monitor was still ${waitingText(excess)}`;
      process.stdout.write(`no plot written to ${plot.dir}: the run ended while ${why}\n`);
    }
  }
  return 0;
}
