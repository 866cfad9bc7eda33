/**
 * In-process frame sources: the seeded simulator as a frame generator, and for the embedded modes: frames are encoded to wire bytes (so the
 * embedded pipeline exercises the same decode/validate path as Kafka) and emitted paced by their
 * timestamps (speed × real time, or as fast as the pipeline acknowledges). At most maxInFlight
 * frames are unacknowledged at once: memory is bounded by configuration, not by backlog.
 */
import { Observable } from 'rxjs';
import type { ShowertrigConfig } from '../config/index.js';
import type { HitFrame } from '../domain/index.js';
import { createSimulator } from '../sim/index.js';
import type { InputMessage } from '../pipeline/index.js';

export interface PacedSourceOptions {
  /** Simulated (or recorded) seconds per wall second; Infinity = as fast as possible. */
  readonly speed: number;
  readonly maxInFlight: number;
  readonly encode: (f: HitFrame) => Uint8Array;
  /** Polled between frames; true stops the source (completes). */
  readonly stopped: () => boolean;
}

export function pacedFrames(
  frames: AsyncIterable<HitFrame> | Iterable<HitFrame>,
  opts: PacedSourceOptions,
): Observable<InputMessage> {
  return new Observable<InputMessage>((sub) => {
    let inFlight = 0;
    let wake: (() => void) | undefined;
    let closed = false;
    const release = (): void => {
      inFlight--;
      const w = wake;
      wake = undefined;
      w?.();
    };
    const loop = async (): Promise<void> => {
      const t0Wall = performance.now();
      let t0Ns: bigint | undefined;
      let lastYield = t0Wall;
      for await (const f of frames as AsyncIterable<HitFrame>) {
        if (closed || opts.stopped()) break;
        t0Ns ??= f.timestampNs;
        if (Number.isFinite(opts.speed)) {
          const dueMs = Number(f.timestampNs - t0Ns) / 1e6 / opts.speed;
          const waitMs = dueMs - (performance.now() - t0Wall);
          if (waitMs > 1) await sleep(waitMs);
        }
        while (inFlight >= opts.maxInFlight && !closed) await new Promise<void>((r) => (wake = r));
        if (closed) break;
        inFlight++;
        let done = false;
        sub.next({
          key: f.eventId,
          value: opts.encode(f),
          receivedAtNs: BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)),
          ack: () => {
            if (!done) {
              done = true;
              release();
            }
          },
        });
        const now = performance.now();
        if (now - lastYield > 20) {
          lastYield = now;
          await new Promise((r) => setImmediate(r));
        }
      }
      sub.complete();
    };
    loop().catch((e: unknown) => sub.error(e));
    return () => {
      closed = true;
      wake?.();
    };
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Simulated time 0 when neither --start-ns nor the config gives one: fixed, so files are reproducible. */
export const DEFAULT_START_NS = 1_700_000_000_000_000_000n;

export interface SourceOptions {
  readonly runId: string;
  /** Timestamp of simulated time 0, ns since the epoch (kept exact: added as bigint). */
  readonly startNs: bigint;
  /** Stop after this many events (Infinity: never). */
  readonly events: number;
}

/** The event source: simulated frames in arrival order, deterministic for a config (seed included). */
export function* simulatedFrames(cfg: ShowertrigConfig, opts: SourceOptions): Generator<HitFrame> {
  const sim = createSimulator(cfg.detector, { ...cfg.simulation, startTimeNs: 0 }, opts.runId);
  for (let i = 0; i < opts.events; i++) {
    const f = sim.next();
    yield { ...f, timestampNs: f.timestampNs + opts.startNs };
  }
}
