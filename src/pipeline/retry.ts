/**
 * The one place operations are retried: only errors that say so (ShowertrigError.retriable),
 * with capped exponential backoff. Everything else fails at once. A policy bounds the attempts,
 * the time since the first attempt (maxElapsedMs: Kafka start-up steps retry for as long as the
 * outage tolerance), or both.
 */
import { ShowertrigError } from '../domain/index.js';

export interface RetryPolicy {
  /** Total attempts including the first (1 = no retry). */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** No new attempt starts this long after the first one started (default: unbounded). */
  readonly maxElapsedMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 2000 };

export function isRetriable(e: unknown): boolean {
  return e instanceof ShowertrigError && e.retriable;
}

/** Retries a start-up step for as long as the outage tolerance: unbounded attempts, 0.25 → 5 s apart. */
export function untilElapsed(maxElapsedMs: number): RetryPolicy {
  return { maxAttempts: Infinity, baseDelayMs: 250, maxDelayMs: 5_000, maxElapsedMs };
}

export async function withRetry<T>(
  op: () => Promise<T>,
  policy: RetryPolicy,
  onRetry: (e: unknown, attempt: number) => void = () => undefined,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => number = Date.now,
): Promise<T> {
  const t0 = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (attempt >= policy.maxAttempts || !isRetriable(e)) throw e;
      const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
      if (policy.maxElapsedMs !== undefined && now() + delay - t0 > policy.maxElapsedMs) throw e;
      onRetry(e, attempt);
      await sleep(delay);
    }
  }
}
