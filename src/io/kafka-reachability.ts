/**
 * Whether any broker of a cluster answers (readiness tells a cluster that is gone from a leader
 * election with it). Every broker of the bootstrap list is asked on its own, in parallel, every
 * `pollMs`, each request cut off after `perBrokerTimeoutMs`: a request to a broker that was just
 * killed may stall (no answer, no error) for the whole request timeout, and one stalled request
 * must not make the cluster look unreachable while the other brokers answer. The cluster is down
 * only when no broker has answered for `deadlineMs`. No kafkajs here: `ask(broker)` is the I/O.
 */
import { createLinkHealth, type LinkHealth } from './link-health.js';

export interface ReachabilityOptions {
  readonly brokers: readonly string[];
  /** One request answered by this broker itself (resolves when it answered). */
  readonly ask: (broker: string) => Promise<void>;
  readonly pollMs: number;
  readonly perBrokerTimeoutMs: number;
  readonly deadlineMs: number;
  readonly now?: () => number;
}

export interface Reachability {
  readonly health: LinkHealth;
  /** One round: asks every broker not still waiting on its last request (the timer calls it). */
  check(): void;
  stop(): void;
}

export function createReachability(o: ReachabilityOptions): Reachability {
  const now = o.now ?? Date.now;
  const health = createLinkHealth(true, now);
  const asking = new Set<string>();
  let lastAnswerMs = now();
  const askOne = (broker: string): void => {
    if (asking.has(broker)) return;
    asking.add(broker);
    let timer: NodeJS.Timeout | undefined;
    Promise.race([
      o.ask(broker),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer')), o.perBrokerTimeoutMs);
      }),
    ])
      .then(
        () => {
          lastAnswerMs = now();
          health.markUp();
        },
        () => undefined,
      )
      .finally(() => {
        clearTimeout(timer);
        asking.delete(broker);
      });
  };
  const check = (): void => {
    const silentMs = now() - lastAnswerMs;
    if (silentMs > o.deadlineMs && health.up)
      health.markDown(`no broker of ${o.brokers.join(',')} answered for ${silentMs} ms`);
    for (const b of o.brokers) askOne(b);
  };
  const timer = setInterval(check, o.pollMs);
  timer.unref();
  return { health, check, stop: () => clearInterval(timer) };
}
