/**
 * The state of one link to the brokers (a consumer, a producer) as readiness sees it: up while it
 * works, down from the first failure until it works again. `downSinceMs` drives the outage
 * tolerance (give up and exit after kafka.outageToleranceMs).
 */
export interface LinkHealth {
  readonly up: boolean;
  /** Date.now() of the first failure of the current outage; undefined while up. */
  readonly downSinceMs: number | undefined;
  readonly lastError: string | undefined;
  /** Whether the link has ever worked. */
  readonly wasUp: boolean;
}

export interface MutableLinkHealth extends LinkHealth {
  markUp(): void;
  markDown(error: string): void;
}

export function createLinkHealth(initiallyUp: boolean, now: () => number = Date.now): MutableLinkHealth {
  let up = initiallyUp;
  let wasUp = initiallyUp;
  let downSinceMs: number | undefined = initiallyUp ? undefined : now();
  let lastError: string | undefined;
  return {
    get up() {
      return up;
    },
    get downSinceMs() {
      return downSinceMs;
    },
    get lastError() {
      return lastError;
    },
    get wasUp() {
      return wasUp;
    },
    markUp() {
      up = true;
      wasUp = true;
      downSinceMs = undefined;
    },
    markDown(error) {
      if (up || downSinceMs === undefined) downSinceMs = now();
      up = false;
      lastError = error;
    },
  };
}

/**
 * Whether a link counts as ready: up, or failing for less than `graceMs` after having worked
 * (a leader election or a group re-forming after its coordinator died, while the brokers answer).
 * A link that never worked is not ready.
 */
export function linkReady(h: LinkHealth, graceMs: number, nowMs: number = Date.now()): boolean {
  return h.up || (h.wasUp && h.downSinceMs !== undefined && nowMs - h.downSinceMs < graceMs);
}

/** Capped exponential backoff with ±20 % jitter: attempt 0 → base. */
export function backoffMs(attempt: number, baseMs = 250, maxMs = 5_000): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(d * (0.8 + 0.4 * Math.random()));
}
