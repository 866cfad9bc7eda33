/**
 * Bounded waits on the Kafka client. kafkajs retries a request (and re-authenticates a
 * connection) for up to its retry budget, tens of seconds; during a stop that would outlast the
 * shutdown grace and turn a clean stop (work committed) into a forced exit. Every wait that a stop
 * depends on goes through here, so a stuck connection costs at most its deadline.
 */

/** Time a stop gives one final commit or one disconnect. */
export const STOP_STEP_MS = 3_000;

/** The promise's value, or a rejection with "no answer in N ms" after ms. */
export function withDeadline<T>(p: Promise<T>, ms: number, what = 'no answer'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(
        () => reject(new Error(`${what}: no answer in ${Math.max(0, ms)} ms`)),
        Math.max(0, ms),
      )),
  );
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Waits for a disconnect at most STOP_STEP_MS; a failure or a timeout is passed to `warn` and swallowed (the socket is left to the process exit). */
export async function boundedDisconnect(
  disconnect: () => Promise<void>,
  warn: (message: string) => void,
  what: string,
  ms = STOP_STEP_MS,
): Promise<void> {
  await withDeadline(disconnect(), ms, `${what} disconnect`).catch((e: unknown) =>
    warn(e instanceof Error ? e.message : String(e)),
  );
}
