/**
 * Timing of one bench-reco row: a warm-up, then a timed pass over fresh copies of the events, per
 * event or per batch (alone, or several stages interleaved batch by batch), and the row's
 * markdown. The rows and their order are bench-reco-steps.ts'.
 */
import { type HitFrame, type Hits } from '../domain/index.js';
import { markdownTable } from '../report/index.js';
import { quantile } from '../numerics/index.js';

export interface Row {
  stage: string;
  batch: number;
  events_per_second: number;
  /** Per call: one event for per-event stages, one batch for batched ones. */
  latency_p50_ms: number;
  latency_p99_ms: number;
  per_event_us: number;
}

export function summary(r: Row): string {
  return `${r.stage} batch ${r.batch}: ${r.events_per_second.toFixed(0)} events/s, p50 ${r.latency_p50_ms.toFixed(3)} ms, p99 ${r.latency_p99_ms.toFixed(3)} ms`;
}

/**
 * A new Hits object over the same arrays: what is remembered per Hits object (the station index of
 * the robust centre and the feature row) is not carried from one pass to the next, as a stream
 * never sees one frame twice. Every timed pass runs on fresh copies.
 */
export const freshHits = (h: Hits): Hits => ({ ...h });
export const freshFrame = (f: HitFrame): HitFrame => ({ ...f, hits: freshHits(f.hits) });

/**
 * One warm-up pass over the first 200 of `warm`, then one timed pass over all `items` (fresh copies
 * where the caller wants them); latency per item.
 */
export function perItem<T>(stage: string, warm: readonly T[], items: readonly T[], f: (x: T) => void): Row {
  for (let i = 0; i < Math.min(200, warm.length); i++) f(warm[i]!);
  const lat = new Float64Array(items.length);
  const t0 = performance.now();
  for (let i = 0; i < items.length; i++) {
    const a = performance.now();
    f(items[i]!);
    lat[i] = performance.now() - a;
  }
  return row(stage, 1, items.length, performance.now() - t0, lat);
}

/** Warm-up with two batches, then every full batch of the events (fresh copies) timed; latency per batch. */
export async function batched<T>(
  stage: string,
  all: readonly T[],
  fresh: (x: T) => T,
  b: number,
  f: (x: readonly T[]) => Promise<unknown>,
): Promise<Row> {
  const nb = Math.max(1, Math.floor(all.length / b));
  for (let k = 0; k < Math.min(2, nb); k++) await f(all.slice(k * b, (k + 1) * b));
  const items = all.map(fresh);
  const lat = new Float64Array(nb);
  const t0 = performance.now();
  for (let k = 0; k < nb; k++) {
    const chunk = items.slice(k * b, (k + 1) * b);
    const a = performance.now();
    await f(chunk);
    lat[k] = performance.now() - a;
  }
  // Fewer events than one batch: the one batch holds them all, and the row says so.
  return row(stage, Math.min(b, items.length), Math.min(items.length, nb * b), performance.now() - t0, lat);
}

/** Like batched, for several stages at once: batch k of every stage in turn (order rotating with k). */
export async function interleaved<T>(
  stages: readonly { stage: string; f: (x: readonly T[]) => Promise<unknown> }[],
  all: readonly T[],
  fresh: (x: T) => T,
  b: number,
): Promise<Row[]> {
  const nb = Math.max(1, Math.floor(all.length / b));
  for (const s of stages) for (let k = 0; k < Math.min(2, nb); k++) await s.f(all.slice(k * b, (k + 1) * b));
  const lat = stages.map(() => new Float64Array(nb));
  const total = stages.map(() => 0);
  for (let k = 0; k < nb; k++) {
    for (let j = 0; j < stages.length; j++) {
      const i = (j + k) % stages.length;
      const chunk = all.slice(k * b, (k + 1) * b).map(fresh);
      const a = performance.now();
      await stages[i]!.f(chunk);
      lat[i]![k] = performance.now() - a;
      total[i]! += lat[i]![k]!;
    }
  }
  return stages.map((s, i) =>
    row(s.stage, Math.min(b, all.length), Math.min(all.length, nb * b), total[i]!, lat[i]!),
  );
}

function row(stage: string, batch: number, events: number, totalMs: number, lat: Float64Array): Row {
  const sorted = lat.slice().sort();
  return {
    stage,
    batch,
    events_per_second: events / (totalMs / 1000),
    latency_p50_ms: quantile(sorted, 0.5),
    latency_p99_ms: quantile(sorted, 0.99),
    per_event_us: (totalMs * 1000) / events,
  };
}

export function recoMarkdown(
  r: {
    events: number;
    seed: number;
    hits_per_event: number;
    signal_spectrum: string;
    node: string;
    rows: Row[];
    memory: Record<string, number>;
  },
  argv: readonly string[],
): string {
  return [
    '# Reconstruction benchmark',
    '',
    `- command: \`showertrig bench-reco ${argv.join(' ')}\``,
    `- ${r.events} signal events (seed ${r.seed}, signal spectrum ${r.signal_spectrum}: simulation.signalSpectrum), ${r.hits_per_event.toFixed(0)} hits/event; node ${r.node}; one thread unless a row names worker threads`,
    `- latency is per call: one event for batch 1 stages, one batch otherwise`,
    `- memory at the end: RSS ${r.memory['rss_mb']!.toFixed(0)} MiB, heap ${r.memory['heap_used_mb']!.toFixed(0)} MiB, external ${r.memory['external_mb']!.toFixed(0)} MiB`,
    '',
    markdownTable(
      ['stage', 'batch', 'events/s', 'µs/event', 'p50 ms', 'p99 ms'],
      r.rows.map((x) => [
        x.stage,
        x.batch,
        Math.round(x.events_per_second),
        x.per_event_us,
        x.latency_p50_ms,
        x.latency_p99_ms,
      ]),
      3,
    ),
  ].join('\n');
}
