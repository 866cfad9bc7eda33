/**
 * A fix for a timer loop in kafkajs 2.2.4 (the latest release; tulios/kafkajs#1556 and #1704, fix
 * proposed in #1667, unmerged). RequestQueue.scheduleCheckPendingRequests arms a timer even when
 * no request waits, with a negative delay (run after 1 ms) when the connection is not throttled,
 * and that timer calls it again. Once a connection has had one answer, it wakes the event loop
 * about every millisecond for as long as it lives, doing nothing. Measured here: an idle
 * `run --brokers` processor used 10 % of a core in this loop (1,458 epoll wake-ups/s), and the
 * loop kept running under load, beside the real work.
 *
 * The replacement arms the timer only while requests wait in the queue, with upstream's delay
 * (until the client-side throttle ends, else CHECK_PENDING_MS). Nothing else needs the timer: a
 * request pushed later schedules its own check (push), and each answer or timeout checks the queue
 * (fulfillRequest, the socket request's timeout).
 *
 * Applied to the kafkajs that `import 'kafkajs'` resolves, once, and only where the method still
 * has the bug (its source arms the timer without looking at the queue): a kafkajs release that
 * fixes it is left alone.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Logger } from '../telemetry/index.js';

/** kafkajs' CHECK_PENDING_REQUESTS_INTERVAL: how soon a queued request is retried when not throttled. */
const CHECK_PENDING_MS = 10;

interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** 'not applied': kafkajs' private file could not be reached or patched; kafkajs runs unpatched. */
export type KafkajsFixState = 'applied' | 'not needed' | 'not applied';

/** kafkajs' RequestQueue class (CommonJS, no exports map): the one the 'kafkajs' import uses. */
export function kafkajsRequestQueue(): { prototype: RequestQueueLike } {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('kafkajs'));
  return require(join(root, 'src', 'network', 'requestQueue', 'index.js')) as { prototype: RequestQueueLike };
}

/** The buggy method arms its timer without looking at the queue first. */
export function hasIdleTimerLoop(method: () => void): boolean {
  const src = method.toString();
  return src.includes('this.throttledUntil - Date.now()') && !/pending\.length\s*===\s*0/.test(src);
}

/**
 * The fix as a function with its own once-only state: `load` finds the RequestQueue class. It
 * never throws: a kafkajs whose private layout changed is left unpatched ('not applied'), and the
 * commands run as they would without the fix. The first call that passes a logger logs the state,
 * once (info when applied or not needed, warn when not applied).
 */
export function createKafkajsFixer(
  load: () => { prototype: RequestQueueLike } = kafkajsRequestQueue,
): (logger?: Pick<Logger, 'info' | 'warn'>) => KafkajsFixState {
  let state: KafkajsFixState | undefined;
  let why = '';
  let logged = false;
  const apply = (): KafkajsFixState => {
    try {
      const proto = load().prototype;
      if (typeof proto?.scheduleCheckPendingRequests !== 'function')
        throw new Error('RequestQueue.scheduleCheckPendingRequests not found');
      if (!hasIdleTimerLoop(proto.scheduleCheckPendingRequests)) return 'not needed';
      proto.scheduleCheckPendingRequests = fixedScheduleCheckPendingRequests;
      return 'applied';
    } catch (e) {
      why = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      return 'not applied';
    }
  };
  return (logger) => {
    state ??= apply();
    if (logger !== undefined && !logged) {
      logged = true;
      if (state === 'not applied')
        logger.warn(
          `kafkajs request-queue timer fix not applied (${why}): idle Kafka connections wake the process about every millisecond`,
        );
      else logger.info(`kafkajs request-queue timer fix: ${state}`);
    }
    return state;
  };
}

function fixedScheduleCheckPendingRequests(this: RequestQueueLike): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_MS,
  );
}

/** Applies the fix to the kafkajs that `import 'kafkajs'` resolves: idempotent, never throws; logs its state once (the first call given a logger). */
export const applyKafkajsFixes = createKafkajsFixer();
