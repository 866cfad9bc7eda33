/**
 * The one place operations are retried: only errors that say so (ShowertrigError.retriable),
 * with capped exponential backoff. Everything else fails at once.
 */
import { ShowertrigError } from '../domain/index.js';

export interface RetryPolicy {
  /** Total attempts including the first (1 = no retry). */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 2000 };

export function isRetriable(e: unknown): boolean {
  return e instanceof ShowertrigError && e.retriable;
}

export async function withRetry<T>(
  op: () => Promise<T>,
  policy: RetryPolicy,
  onRetry: (e: unknown, attempt: number) => void = () => undefined,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (attempt >= policy.maxAttempts || !isRetriable(e)) throw e;
      onRetry(e, attempt);
      await sleep(Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
    }
  }
}
