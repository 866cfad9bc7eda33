/**
 * The live status line and end-of-run summary of the trigger commands, fed by the pipeline's
 * per-batch reports, plus counting sinks for the embedded mode (they keep totals and the latest
 * alerts only, so memory stays flat however long it runs).
 */
import { lastValueFrom, tap, type Observable } from 'rxjs';
import type { Candidate, DeadLetter, ExcessAlert, RecoEvent } from '../domain/index.js';
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
  readonly t0Ms: number;
}

export function newTotals(): RunTotals {
  return { messages: 0, reco: 0, selected: 0, deadLetters: 0, candidates: 0, alerts: [], t0Ms: performance.now() };
}

export function addReport(t: RunTotals, r: BatchReport): void {
  t.messages += r.messages;
  t.reco += r.reco;
  t.selected += r.selected;
  t.deadLetters += r.deadLetters;
  t.candidates += r.candidates ?? 0;
  t.alerts.push(...r.alerts);
}

async function gaugeValue(m: Metrics, name: 'excessSignificance' | 'selectedRate'): Promise<number> {
  const v = (await m[name].get()).values[0]?.value;
  return v ?? 0;
}

export async function liveLine(t: RunTotals, m: Metrics): Promise<string> {
  const s = (performance.now() - t.t0Ms) / 1000;
  const z = await gaugeValue(m, 'excessSignificance');
  const rate = await gaugeValue(m, 'selectedRate');
  return (
    `${s.toFixed(0)}s  frames ${t.messages} (${(t.messages / Math.max(s, 1e-9)).toFixed(0)}/s)  reco ${t.reco}  ` +
    `selected ${t.selected} (${rate.toFixed(2)} Hz)  Z ${z.toFixed(2)}  alerts ${t.alerts.length}  dlq ${t.deadLetters}`
  );
}

export function summary(t: RunTotals, backend: string): string {
  const s = (performance.now() - t.t0Ms) / 1000;
  const lines = [
    `processed ${t.messages} frames in ${s.toFixed(1)} s (${(t.messages / Math.max(s, 1e-9)).toFixed(0)} frames/s, backend ${backend})`,
    `reconstructed ${t.reco}, selected ${t.selected}, dead-lettered ${t.deadLetters}, alerts ${t.alerts.length}`,
  ];
  if (t.candidates > 0) lines.push(`excess stage: read ${t.candidates} candidates from every partition`);
  for (const a of t.alerts) {
    const w0 = new Date(Number(a.windowStartNs / 1_000_000n)).toISOString();
    lines.push(`  alert ${a.alertId} [${a.method}] window from ${w0}: observed ${a.observed}, expected ${a.expected.toFixed(2)}, Z ${a.z.toFixed(2)}, p ${a.p.toExponential(2)}`);
  }
  return lines.join('\n') + '\n';
}

/** Sinks that accept and drop (the reports carry the counts); the embedded mode's outputs are the summary and /metrics. */
export function countingSinks(): PipelineSinks {
  const drop = <T>(): Sink<T> => ({ write: async () => undefined });
  return { reco: drop<RecoEvent>(), candidates: drop<Candidate>(), alerts: drop<ExcessAlert>(), deadLetters: drop<DeadLetter>() };
}

/** Runs a pipeline's report stream to its end with a live line each second; Ctrl-C/SIGTERM call onStop (or set stop). */
export async function drive(
  reports$: Observable<BatchReport>,
  rt: { metrics: Metrics; backend: string; close(): Promise<void> },
  stop: { stopped: boolean },
  logger: Logger,
  onStop?: () => void,
  plot?: RatePlotOption,
): Promise<number> {
  const totals = newTotals();
  const onSignal = (): void => {
    stop.stopped = true;
    onStop?.();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const timer = setInterval(() => {
    void liveLine(totals, rt.metrics).then((l) => process.stderr.write(`${l}\n`));
  }, 1000);
  try {
    await lastValueFrom(
      reports$.pipe(
        tap((r) => {
          addReport(totals, r);
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
  if (plot !== undefined) for (const path of plot.chart.write(plot.dir)) process.stdout.write(`wrote ${path}\n`);
  return 0;
}
