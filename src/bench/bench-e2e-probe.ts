/**
 * What bench-e2e reads from its processor children besides the broker timestamps: CPU time (the
 * cost per event, robust to a shared machine where wall-clock rates are not) and the in-process
 * part of the latency (the processor's end_to_end_latency_seconds histogram: frame fetched →
 * outputs acknowledged), which splits the end-to-end latency into broker/fetch time and processing,
 * and the mean frames per reconstruction call (how the batching adapted to the load).
 */
import { readFileSync } from 'node:fs';
import { bucketQuantile } from '../numerics/index.js';

/** utime + stime of a process so far, seconds (/proc/PID/stat fields 14 and 15, in USER_HZ = 1/100 s on Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** The /metrics URL a processor printed ("… metrics http://H:P/metrics"). */
export function metricsUrlOf(log: string): string | undefined {
  return /metrics (http:\/\/\S+\/metrics)/.exec(log)?.[1];
}

/** One scrape of a processor's /metrics: what bench-e2e compares before and after the measured phase. */
export interface ProbeScrape {
  /** Cumulative bucket counts of showertrig_end_to_end_latency_seconds, by upper bound (s). */
  readonly latency: Map<number, number>;
  /** showertrig_inference_batch_size: frames reconstructed and reconstruction calls so far. */
  readonly frames: number;
  readonly calls: number;
}

export async function scrapeProbe(url: string): Promise<ProbeScrape> {
  return parseProbe(await (await fetch(url)).text());
}

/** The probe's figures in a Prometheus text exposition (NaN counts when the batch-size histogram is absent). */
export function parseProbe(text: string): ProbeScrape {
  const latency = new Map<number, number>();
  for (const m of text.matchAll(/^showertrig_end_to_end_latency_seconds_bucket\{le="([^"]+)"\} (\d+)/gm))
    latency.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
  const one = (name: string): number =>
    Number(
      new RegExp(`^showertrig_inference_batch_size_${name}(?:\\{\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN,
    );
  return { latency, frames: one('sum'), calls: one('count') };
}

/** Mean frames per reconstruction call between two scrapes (summed over processors); null when unknown. */
export function meanBatch(before: readonly ProbeScrape[], after: readonly ProbeScrape[]): number | null {
  let frames = 0;
  let calls = 0;
  after.forEach((a, i) => {
    frames += a.frames - (before[i]?.frames ?? 0);
    calls += a.calls - (before[i]?.calls ?? 0);
  });
  return calls > 0 && Number.isFinite(frames) ? frames / calls : null;
}

/**
 * The q-quantile of the observations between two scrapes (summed over processors), as the upper
 * bound of the bucket it falls in, ms (Infinity beyond the last bound; null without observations).
 */
export function bucketQuantileMs(
  before: Map<number, number>[],
  after: Map<number, number>[],
  q: number,
): number | null {
  const diff = new Map<number, number>();
  after.forEach((a, i) => {
    for (const [le, n] of a) diff.set(le, (diff.get(le) ?? 0) + n - (before[i]?.get(le) ?? 0));
  });
  const buckets = [...diff].map(([le, count]) => ({ le, count })).sort((x, y) => x.le - y.le);
  const s = bucketQuantile(q, buckets);
  return s === null ? null : s * 1000;
}
