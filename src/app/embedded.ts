/**
 * The trigger without a broker: frames (the seeded simulator, or a recording) run straight through
 * the pipeline in-process, in order, and its candidates straight into the excess stage, the same
 * component the Kafka excess role runs (excess-runtime.ts; role all in one process). The main job
 * (`run` without --brokers) and `replay --embedded` are this with different frames.
 */
import { finalize, merge, of, type Observable } from 'rxjs';
import type { ShowertrigConfig } from '../config/index.js';
import type { Candidate, HitFrame } from '../domain/index.js';
import type { BatchReport, PipelineInput, PipelineSinks, Sink } from '../pipeline/index.js';
import type { Logger } from '../telemetry/index.js';
import { candidateChannel, runExcess } from './excess-runtime.js';
import { countingSinks, drive } from './live.js';
import type { RatePlotOption } from './rate-plot.js';
import { DEFAULT_START_NS, pacedFrames, simulatedFrames } from './sources.js';
import { startTriggerRuntime, type TriggerRuntime } from './trigger-runtime.js';

/** The embedded trigger's outputs: the pipeline's (its candidates go to the excess stage) and the excess stage's flagged candidates. */
export type EmbeddedSinks = Omit<PipelineSinks, 'candidates'> & { readonly flagged: Sink<Candidate> };

/**
 * The reconstruction pipeline over input$ feeding the excess stage in process; one report stream
 * that completes once the input is done and the excess stage has closed its last bins.
 */
export function embeddedTrigger(
  cfg: ShowertrigConfig,
  rt: TriggerRuntime,
  input$: Observable<PipelineInput>,
  logger: Logger,
  sinks: EmbeddedSinks = { ...countingSinks(), flagged: countingSinks().candidates },
): Observable<BatchReport> {
  const channel = candidateChannel();
  const { flagged, ...pipelineSinks } = sinks;
  const excess$ = runExcess(
    cfg,
    rt,
    {
      input$: channel.batches$,
      control$: of({ kind: 'assign', partitions: [0] }),
      sinks: { alerts: sinks.alerts, flagged },
      pendingUpstream: () => channel.pending(),
      flushAtEnd: true,
    },
    logger.child({ component: 'excess' }),
  );
  const reco$ = rt
    .pipeline({ ...pipelineSinks, candidates: channel.sink }, { writeRejectedCandidates: true })
    .run(input$)
    .pipe(finalize(() => channel.end()));
  return merge(excess$, reco$);
}

export interface EmbeddedOptions {
  /** Stream seconds per wall second; Infinity = as fast as the pipeline acknowledges. */
  readonly speed: number;
  readonly stop: { stopped: boolean };
  readonly plot?: RatePlotOption;
  /** Printed on stderr once the runtime is up, before the first frame. */
  readonly banner?: (backend: string, metricsUrl: string) => string;
  /** Shown on the live display, e.g. "replay --embedded". */
  readonly mode?: string;
}

/** Runs frames through the in-process pipeline with a live line and a summary; resolves with the exit code. */
export async function runFramesEmbedded(
  cfg: ShowertrigConfig,
  logger: Logger,
  frames: Iterable<HitFrame> | AsyncIterable<HitFrame>,
  opts: EmbeddedOptions,
): Promise<number> {
  const rt = await startTriggerRuntime(cfg, logger, { mode: opts.mode ?? 'run (embedded)' });
  if (opts.banner !== undefined) process.stderr.write(opts.banner(rt.backend, rt.metricsUrl));
  process.stderr.write(`showertrig: live display ${rt.displayUrl}\n`);
  const input$ = pacedFrames(frames, {
    speed: opts.speed,
    maxInFlight: cfg.kafka.maxInFlightFrames,
    encode: (f) => rt.codecs.frame.encode(f),
    stopped: () => opts.stop.stopped,
  });
  return drive(
    embeddedTrigger(cfg, rt, input$, logger),
    rt,
    opts.stop,
    logger,
    undefined,
    opts.plot,
    cfg.trigger.excess,
  );
}

/** The main job: the simulator (config seed and excess) for durationS simulated seconds (Infinity: until stopped). */
export function runSimulatorEmbedded(
  cfg: ShowertrigConfig,
  logger: Logger,
  durationS: number,
  opts: EmbeddedOptions,
): Promise<number> {
  const endNs = Number.isFinite(durationS)
    ? DEFAULT_START_NS + BigInt(Math.round(durationS * 1e9))
    : undefined;
  const frames = untilNs(
    simulatedFrames(cfg, {
      runId: `embedded-${cfg.simulation.seed}`,
      startNs: DEFAULT_START_NS,
      events: Infinity,
    }),
    endNs,
  );
  return runFramesEmbedded(cfg, logger, frames, {
    banner: (backend, url) =>
      `showertrig: embedded trigger (simulator → pipeline), backend ${backend}, metrics ${url}\n`,
    ...opts,
  });
}

/** Frames up to (excluding) simulated time endNs. */
function* untilNs(frames: Iterable<HitFrame>, endNs: bigint | undefined): Generator<HitFrame> {
  for (const f of frames) {
    if (endNs !== undefined && f.timestampNs >= endNs) return;
    yield f;
  }
}
