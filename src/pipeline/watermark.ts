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
 */
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
  advance(nowMs: number, pendingUpstream: ReadonlySet<number>): bigint | undefined;
  /** Partitions idle at the last advance (for the metrics). */
  readonly idle: readonly number[];
  readonly current: bigint | undefined;
}

export function createWatermarkTracker(cfg: WatermarkConfig): WatermarkTracker {
  const parts = new Map<number, PartitionState>();
  let current: bigint | undefined;
  let idle: number[] = [];

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
      let next: bigint | undefined;
      if (nowIdle.length === parts.size) next = max;
      else if (!waiting && min !== undefined) next = min - cfg.allowedLatenessNs;
      if (next !== undefined && (current === undefined || next > current)) current = next;
      return current;
    },
  };
}
