/**
 * Reusable RxJS operators for the stage wiring: micro-batching, ordered bounded concurrency and
 * grouping what queues behind a running call.
 * None buffers without bound on its own: microBatch holds at most maxSize items, orderedMap at
 * most `concurrency` started tasks (items arriving while all slots are busy wait in arrival order;
 * the source's ack-based flow control bounds those), groupWhileBusy what arrives during one call.
 */
import { ContractError } from '../domain/index.js';
import {
  Observable,
  asyncScheduler,
  concatMap,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';

/**
 * Groups items into arrays, flushing when maxSize items are buffered or maxWaitMs after the
 * first item of the current group (bufferTime with a size cap, but never an empty array). The
 * remainder is flushed when the source completes. Items for which `alone` returns true (e.g. an
 * input that is already a batch) flush the current group and are emitted as a group of their own.
 */
export function microBatch<T>(
  maxSize: number,
  maxWaitMs: number,
  alone: (item: T) => boolean = () => false,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<T, T[]> {
  if (!Number.isInteger(maxSize) || maxSize < 1)
    throw new ContractError(`microBatch: maxSize must be an integer >= 1, got ${maxSize}`);
  if (!(maxWaitMs >= 0)) throw new ContractError(`microBatch: maxWaitMs must be >= 0, got ${maxWaitMs}`);
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let buffer: T[] = [];
      let timer: Subscription | undefined;
      const flush = (): void => {
        timer?.unsubscribe();
        timer = undefined;
        if (buffer.length === 0) return;
        const out = buffer;
        buffer = [];
        subscriber.next(out);
      };
      const sub = source.subscribe({
        next: (v) => {
          if (alone(v)) {
            flush();
            subscriber.next([v]);
            return;
          }
          buffer.push(v);
          if (buffer.length >= maxSize) flush();
          else if (timer === undefined) timer = scheduler.schedule(flush, maxWaitMs);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        timer?.unsubscribe();
        sub.unsubscribe();
      };
    });
}

/**
 * Maps each item through an async function with at most `concurrency` calls started and not yet
 * emitted, and emits the results in input order. The first rejection errors the stream.
 */
export function orderedMap<T, R>(
  fn: (item: T, index: number) => Promise<R>,
  concurrency: number,
): OperatorFunction<T, R> {
  return orderedGroupMap((group: T[], i) => fn(group[0]!, i), concurrency);
}

/** How orderedGroupMap merges waiting items: by `size` (e.g. messages per batch), up to `max` per call. */
export interface MergeRule<T> {
  readonly size: (item: T) => number;
  readonly max: number;
  /** Start a call as soon as a slot frees, without waiting a macrotask for items that arrive together. */
  readonly immediate?: boolean;
}

/**
 * orderedMap over groups: each call gets the items waiting when a slot frees, merged in order up to
 * merge.max by merge.size (always at least one item); without `merge`, one item per call. With
 * `merge` (unless merge.immediate), a call starts one macrotask after a slot freed (setImmediate),
 * so items that arrive together (the batches of one Kafka fetch, one per partition) go into one
 * call instead of a call each. At most `concurrency` calls are started and not yet emitted; results
 * come in input order.
 */
export function orderedGroupMap<T, R>(
  fn: (group: T[], index: number) => Promise<R>,
  concurrency: number,
  merge?: MergeRule<T>,
): OperatorFunction<T, R> {
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new ContractError(`orderedMap: concurrency must be an integer >= 1, got ${concurrency}`);
  return (source) =>
    new Observable<R>((subscriber) => {
      const waiting: T[] = [];
      const slots: { done: boolean; value?: R }[] = [];
      let index = 0;
      let sourceDone = false;
      let failed = false;
      let deferred: NodeJS.Immediate | undefined;

      const take = (): T[] => {
        if (merge === undefined) return [waiting.shift()!];
        let used = merge.size(waiting[0]!);
        let n = 1;
        while (n < waiting.length && used + merge.size(waiting[n]!) <= merge.max)
          used += merge.size(waiting[n++]!);
        return waiting.splice(0, n);
      };
      const startWaiting = (): void => {
        deferred = undefined;
        while (!failed && slots.length < concurrency && waiting.length > 0) start(take());
        if (!failed && sourceDone && waiting.length === 0 && slots.length === 0) subscriber.complete();
      };
      const pump = (): void => {
        while (!failed && slots[0]?.done) subscriber.next(slots.shift()!.value as R);
        if (merge === undefined || merge.immediate === true) startWaiting();
        else if (deferred === undefined && !failed) deferred = setImmediate(startWaiting);
      };
      const start = (group: T[]): void => {
        const slot: { done: boolean; value?: R } = { done: false };
        slots.push(slot);
        const i = index++;
        Promise.resolve()
          .then(() => fn(group, i))
          .then(
            (v) => {
              slot.done = true;
              slot.value = v;
              pump();
            },
            (e: unknown) => {
              if (failed) return;
              failed = true;
              subscriber.error(e);
            },
          );
      };
      const sub = source.subscribe({
        next: (v) => {
          waiting.push(v);
          pump();
        },
        error: (e: unknown) => {
          failed = true;
          subscriber.error(e);
        },
        complete: () => {
          sourceDone = true;
          pump();
        },
      });
      return () => {
        failed = true;
        if (deferred !== undefined) clearImmediate(deferred);
        sub.unsubscribe();
      };
    });
}

/**
 * Calls `fn` on groups of items, one call at a time, in order: an item that arrives while no call
 * runs is passed on at once (a group of one, no lingering); items that arrive while a call runs
 * queue and go together into the next call. Emits each call's results in order. The first rejection
 * errors the stream; completion waits for the queue to drain. The queue holds what arrives during
 * one call (the source's flow control bounds it).
 */
export function groupWhileBusy<T, R>(fn: (group: T[]) => Promise<readonly R[]>): OperatorFunction<T, R> {
  return (source) =>
    source.pipe(
      orderedGroupMap(fn, 1, { size: () => 1, max: Infinity, immediate: true }),
      concatMap((results) => results),
    );
}
