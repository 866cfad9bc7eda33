/**
 * Once a second, the display's "ops" point from the process' own Prometheus metrics: input and
 * selected rates from counter increments, end-to-end latency p50/p99 from the histogram's bucket
 * increments over the last interval, summed consumer lag, in-flight messages, dead letters.
 */
import type { Metrics } from '../telemetry/index.js';
import type { OpsPoint } from './protocol.js';
import { bucketQuantile } from '../numerics/index.js';

type Values = { value: number; labels: Record<string, string | number | undefined>; metricName?: string }[];

const sum = (vs: Values): number => vs.reduce((s, v) => s + v.value, 0);

function buckets(vs: Values): { le: number; count: number }[] {
  return vs
    .filter((v) => v.metricName?.endsWith('_bucket') === true)
    .map((v) => ({ le: v.labels['le'] === '+Inf' ? Infinity : Number(v.labels['le']), count: v.value }))
    .sort((a, b) => a.le - b.le);
}

export interface OpsSampler {
  sample(nowMs: number): Promise<OpsPoint | undefined>;
}

export function createOpsSampler(m: Metrics): OpsSampler {
  let prev:
    { tMs: number; frames: number; selected: number; latency: { le: number; count: number }[] } | undefined;
  return {
    async sample(nowMs) {
      const frames = sum((await m.framesReceived.get()).values);
      const selected = sum((await m.eventsSelected.get()).values);
      const latency = buckets((await m.endToEndLatencySeconds.get()).values);
      const lagValues = (await m.consumerLag.get()).values;
      const inFlight = sum((await m.inFlightMessages.get()).values);
      const deadLettersTotal = sum((await m.deadLetters.get()).values);
      const p = prev;
      prev = { tMs: nowMs, frames, selected, latency };
      if (p === undefined) return undefined;
      const dt = (nowMs - p.tMs) / 1000;
      if (!(dt > 0)) return undefined;
      const delta = latency.map((b, i) => ({ le: b.le, count: b.count - (p.latency[i]?.count ?? 0) }));
      return {
        tMs: nowMs,
        inputHz: (frames - p.frames) / dt,
        selectedHz: (selected - p.selected) / dt,
        latencyP50S: bucketQuantile(0.5, delta),
        latencyP99S: bucketQuantile(0.99, delta),
        lag: lagValues.length === 0 ? null : sum(lagValues),
        inFlight,
        deadLettersTotal,
      };
    },
  };
}
