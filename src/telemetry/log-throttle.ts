/**
 * At most one log line per interval for a warning that can repeat many times a second (late
 * candidates under a lagging partition): the occurrences in between are summed into the next line,
 * so nothing is lost from the count, and the log stays readable. Metrics count every occurrence.
 */
export interface LogThrottle {
  /**
   * Notes n occurrences at time nowMs. Returns the total since the last line (these included)
   * when a line is due now, else undefined (the occurrences wait for the next line).
   */
  note(n: number, nowMs: number): number | undefined;
}

export function createLogThrottle(intervalMs: number): LogThrottle {
  let pending = 0;
  let lastMs = -Infinity;
  return {
    note(n, nowMs) {
      pending += n;
      if (nowMs - lastMs < intervalMs) return undefined;
      lastMs = nowMs;
      const total = pending;
      pending = 0;
      return total;
    },
  };
}
