/**
 * In-memory source and sink for the pipeline's tests: the whole pipeline runs without a broker
 * (the embedded mode feeds it through app/sources.ts instead). The source honours the ack handshake: it holds back batches while maxUnacked
 * messages are unacknowledged, which bounds the pipeline's memory exactly like the Kafka source.
 */
import { ContractError } from '../../src/domain/index.js';
import { Observable } from 'rxjs';
import type { InputBatch, InputMessage, Sink } from '../../src/pipeline/index.js';

export interface MemorySourceConfig {
  /** Messages per emitted batch. */
  readonly batchSize: number;
  /** Emit no further batch while this many messages are unacknowledged (>= batchSize). */
  readonly maxUnacked: number;
}

export interface MemorySource {
  /** Cold: each subscription replays the messages from the start. */
  readonly batches$: Observable<InputBatch>;
  /** Messages acknowledged so far (all subscriptions). */
  readonly acked: number;
  /** The largest number of unacknowledged messages seen at any time. */
  readonly maxObservedUnacked: number;
}

export function createMemorySource(
  messages: readonly Omit<InputMessage, 'ack'>[],
  config: MemorySourceConfig,
): MemorySource {
  if (!Number.isInteger(config.batchSize) || config.batchSize < 1)
    throw new ContractError(`memory source: batchSize must be an integer >= 1`);
  if (config.maxUnacked < config.batchSize)
    throw new ContractError(
      `memory source: maxUnacked (${config.maxUnacked}) must be >= batchSize (${config.batchSize})`,
    );
  let acked = 0;
  let maxObservedUnacked = 0;
  const batches$ = new Observable<InputBatch>((subscriber) => {
    let next = 0;
    let unacked = 0;
    let closed = false;
    const pump = (): void => {
      while (
        !closed &&
        next < messages.length &&
        unacked + Math.min(config.batchSize, messages.length - next) <= config.maxUnacked
      ) {
        const slice = messages.slice(next, next + config.batchSize);
        next += slice.length;
        unacked += slice.length;
        maxObservedUnacked = Math.max(maxObservedUnacked, unacked);
        let done = false;
        subscriber.next({
          messages: slice,
          ack: () => {
            if (done) return; // idempotent
            done = true;
            unacked -= slice.length;
            acked += slice.length;
            queueMicrotask(pump);
          },
        });
      }
      if (!closed && next >= messages.length) {
        closed = true;
        subscriber.complete();
      }
    };
    pump();
    return () => {
      closed = true;
    };
  });
  return {
    batches$,
    get acked() {
      return acked;
    },
    get maxObservedUnacked() {
      return maxObservedUnacked;
    },
  };
}

export interface MemorySink<T> extends Sink<T> {
  /** Every item written, in write order (duplicates included). */
  readonly items: T[];
  /** The latest item per key (idempotent upsert), when a key function was given. */
  readonly byKey: Map<string, T>;
  readonly writes: number;
  /** Makes the next n writes reject with this error (fault injection for tests). */
  failNext(n: number, error: Error): void;
}

export interface MemorySinkOptions<T> {
  readonly key?: (item: T) => string;
  /** Resolve each write after this many ms (simulates broker acknowledgement latency). */
  readonly delayMs?: number;
}

export function createMemorySink<T>(opts: MemorySinkOptions<T> = {}): MemorySink<T> {
  const items: T[] = [];
  const byKey = new Map<string, T>();
  let writes = 0;
  let failures = 0;
  let failure: Error | undefined;
  return {
    items,
    byKey,
    get writes() {
      return writes;
    },
    failNext(n, error) {
      failures = n;
      failure = error;
    },
    async write(batch) {
      if (opts.delayMs !== undefined) await new Promise((r) => setTimeout(r, opts.delayMs));
      if (failures > 0 && failure) {
        failures--;
        throw failure;
      }
      writes++;
      for (const it of batch) {
        items.push(it);
        if (opts.key) byKey.set(opts.key(it), it);
      }
    },
  };
}
