/**
 * Whether an exactly-once commit may still go out: what one consumer knows of its place in its
 * group, from the answers to its heartbeats.
 *
 * kafkajs 2.2.4 sends its transactional offset commits without the group generation (KIP-447), so
 * the group coordinator accepts a commit from a member it has already dropped. If the member's
 * partitions have moved on meanwhile, their new owner has read the old offsets and redone the
 * batch: the outputs appear twice. A member is dropped in two ways, and this fence tracks both:
 *
 * - its session expires: no heartbeat reached the coordinator for sessionTimeoutMs. A heartbeat
 *   answered either OK or REBALANCE_IN_PROGRESS renewed the session;
 * - a rebalance it does not rejoin in time: the coordinator waits rebalanceTimeoutMs from the
 *   rebalance's start, and the rebalance began after the last heartbeat answered OK.
 *
 * A commit is refused once half of either timeout has passed (the other half covers the commit
 * itself), and after an answer that says the member is gone (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
 * FENCED_INSTANCE_ID) until the consumer joins again. No I/O: the clock is passed in.
 */
import { KafkaIoError } from './kafka-errors.js';

/** The fail-stop error of a commit the fence refused: `what` names the transaction, `why` is the fence's answer. */
export function notCommitting(what: string, why: string): KafkaIoError {
  return new KafkaIoError(`not committing ${what}: ${why}`, { retriable: false });
}
export interface MembershipTimeouts {
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
}

export interface MembershipFence {
  /** The consumer joined the group (a new generation). */
  joined(): void;
  /** A heartbeat was answered OK. */
  heartbeatOk(): void;
  /** A heartbeat failed with `e`. */
  heartbeatFailed(e: unknown): void;
  /** Why a commit now could land after the group gave this member's partitions away; undefined when it cannot. */
  unsafe(): string | undefined;
}

/** Answers that renew the session although the heartbeat failed. */
const RENEWING = new Set(['REBALANCE_IN_PROGRESS']);
/** Answers that say the coordinator no longer counts this member. */
const GONE = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'FENCED_INSTANCE_ID']);

function errorType(e: unknown): string | undefined {
  for (let x: unknown = e, depth = 0; typeof x === 'object' && x !== null && depth < 6; depth++) {
    const err = x as { type?: unknown; cause?: unknown; originalError?: unknown };
    if (typeof err.type === 'string') return err.type;
    x = err.cause ?? err.originalError;
  }
  return undefined;
}

export function createMembershipFence(t: MembershipTimeouts, now: () => number = Date.now): MembershipFence {
  let okAt = now();
  let aliveAt = okAt;
  let rebalancing = false;
  let gone: string | undefined;

  return {
    joined() {
      okAt = aliveAt = now();
      rebalancing = false;
      gone = undefined;
    },
    heartbeatOk() {
      if (gone !== undefined) return;
      okAt = aliveAt = now();
      rebalancing = false;
    },
    heartbeatFailed(e) {
      const type = errorType(e);
      if (type !== undefined && GONE.has(type)) gone ??= type;
      else if (type !== undefined && RENEWING.has(type)) {
        aliveAt = now();
        rebalancing = true;
      }
    },
    unsafe() {
      if (gone !== undefined)
        return `the group coordinator answered ${gone}: this member's partitions may have moved`;
      const t0 = now();
      const silent = t0 - aliveAt;
      if (silent > t.sessionTimeoutMs / 2)
        return `no heartbeat answered for ${silent} ms (session timeout ${t.sessionTimeoutMs} ms)`;
      const waited = t0 - okAt;
      if (rebalancing && waited > t.rebalanceTimeoutMs / 2)
        return `a rebalance has waited for this member up to ${waited} ms (rebalance timeout ${t.rebalanceTimeoutMs} ms)`;
      return undefined;
    },
  };
}
