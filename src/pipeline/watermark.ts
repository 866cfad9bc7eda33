/**
 * The event-time watermark of a partitioned stream: "every event at or before this time (ns) has
 * arrived". Each input partition is in event-time order (the reconstruction processes write a
 * frames partition's candidates to the same candidates partition, in offset order), so the
 * watermark is the minimum over partitions of the newest timestamp seen there, minus an allowed
 * lateness for what the DAQ itself delivers out of order.
 *
 * A partition that is silent holds the watermark back, which is right while its upstream still
 * has work (a reconstruction process restarting after a crash) and wrong when it simply has no
 * data. A partition counts as idle, and stops holding it back, once it has been silent for
 * idleMs of wall time AND its upstream reports nothing pending (the caller passes the partitions
 * whose frames are not all reconstructed yet). When every partition is idle the watermark is the
 * newest timestamp seen anywhere: the whole stream is in, so no lateness is waited for. The
 * watermark never goes back.
 *
 * The upstream answer is a snapshot taken at some wall time (`asOfMs`, a poll of the brokers): it
 * says nothing of frames produced after it. An idle partition therefore releases the watermark
 * only up to the newest event time observed by then: events observed later may have been produced
 * together with frames of the idle partition that the answer did not see yet (a replay starting on
 * all partitions at once, read first on one), and those must not arrive after their windows closed.
 */
/** The partitions with work pending upstream, and when that answer was taken (absent: now). */
export type UpstreamPending = ReadonlySet<number> & { readonly asOfMs?: number };

export interface WatermarkConfig {
  readonly allowedLatenessNs: bigint;
  /** Wall-clock silence after which a partition with nothing pending upstream stops holding the watermark. */
  readonly idleMs: number;
}

interface PartitionState {
  maxTs: bigint | undefined;
  lastSeenMs: number;
}

export interface WatermarkTracker {
  /** The partitions to wait for (the current assignment); their silence clocks start at nowMs. */
  assign(partitions: readonly number[], nowMs: number): void;
  /** An event of `partition` with event time tsNs arrived at wall time nowMs. */
  observe(partition: number, tsNs: bigint, nowMs: number): void;
  /** The watermark (ns) now, or undefined while some active partition has not delivered anything. */
  advance(nowMs: number, pendingUpstream: UpstreamPending): bigint | undefined;
  /** Partitions idle at the last advance (for the metrics). */
  readonly idle: readonly number[];
  readonly current: bigint | undefined;
}

export function createWatermarkTracker(cfg: WatermarkConfig): WatermarkTracker {
  const parts = new Map<number, PartitionState>();
  let current: bigint | undefined;
  let idle: number[] = [];
  // The newest event time observed anywhere, at each wall time it grew (pruned to what answers still need).
  const grew: { ms: number; maxTs: bigint }[] = [];
  /** The newest event time observed at or before wall time `ms`. */
  const newestAt = (ms: number): bigint | undefined => {
    let i = grew.length - 1;
    while (i >= 0 && grew[i]!.ms > ms) i--;
    if (i > 0) grew.splice(0, i);
    return i >= 0 ? grew[0]!.maxTs : undefined;
  };

  return {
    get idle() {
      return idle;
    },
    get current() {
      return current;
    },
    assign(partitions, nowMs) {
      for (const p of [...parts.keys()]) if (!partitions.includes(p)) parts.delete(p);
      for (const p of partitions) if (!parts.has(p)) parts.set(p, { maxTs: undefined, lastSeenMs: nowMs });
    },
    observe(partition, tsNs, nowMs) {
      let s = parts.get(partition);
      if (s === undefined) parts.set(partition, (s = { maxTs: undefined, lastSeenMs: nowMs }));
      s.lastSeenMs = nowMs;
      if (s.maxTs === undefined || tsNs > s.maxTs) s.maxTs = tsNs;
      const top = grew.at(-1);
      if (top === undefined || tsNs > top.maxTs) grew.push({ ms: nowMs, maxTs: tsNs });
    },
    advance(nowMs, pendingUpstream) {
      let min: bigint | undefined;
      let max: bigint | undefined;
      let waiting = false;
      const nowIdle: number[] = [];
      for (const [p, s] of parts) {
        if (s.maxTs !== undefined && (max === undefined || s.maxTs > max)) max = s.maxTs;
        if (nowMs - s.lastSeenMs >= cfg.idleMs && !pendingUpstream.has(p)) {
          nowIdle.push(p);
          continue;
        }
        if (s.maxTs === undefined) waiting = true;
        else if (min === undefined || s.maxTs < min) min = s.maxTs;
      }
      idle = nowIdle;
      // Idle partitions hold nothing back only up to what was observed when the answer was taken.
      const cap = newestAt(pendingUpstream.asOfMs ?? nowMs);
      const capped = (ts: bigint | undefined): bigint | undefined =>
        nowIdle.length === 0 || ts === undefined ? ts : cap === undefined ? undefined : ts < cap ? ts : cap;
      let next: bigint | undefined;
      if (nowIdle.length === parts.size) next = capped(max);
      else if (!waiting) {
        const m = capped(min);
        if (m !== undefined) next = m - cfg.allowedLatenessNs;
      }
      if (next !== undefined && (current === undefined || next > current)) current = next;
      return current;
    },
  };
}
