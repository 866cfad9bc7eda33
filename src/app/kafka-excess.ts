/**
 * The global excess member of `run --brokers` (roles excess and all): reads every partition of
 * tt.candidates in its own consumer group (kafka.excessGroupId) with the single-active assignment,
 * so exactly one instance counts while the others stand by, and writes tt.alerts and the
 * alert-tagged candidates to tt.flagged (one way: it never writes the topic it reads). Offsets are committed only as far as a successor needs to rebuild the
 * statistics (excess-stage.ts). Which candidates partitions still have work upstream is polled
 * every second: frames the reconstruction group has not committed (its lag on tt.frames), and
 * candidates in tt.candidates beyond what this stage has read. Those never count as idle, so a
 * slow or restarting reconstruction process, or this consumer's own fetch falling behind, holds
 * the watermark instead of making candidates late. What remains a heuristic (as in any
 * idle-source rule): frames produced, reconstructed and written within one poll period to a
 * partition that had been silent for idlePartitionS.
 */
import { interval, map, merge } from 'rxjs';
import { excessGroupOf, type ShowertrigConfig } from '../config/index.js';
import { decodeCandidate } from '../codecs/index.js';
import {
  createKafkaProducer,
  createKafkaSink,
  createKafkaSource,
  DEFAULT_KAFKA_SOURCE,
  linkReady,
  sourceSettings,
} from '../io/index.js';
import {
  createExcessPipeline,
  DEFAULT_MAX_TRACKED_IDS,
  DEFAULT_RETRY,
  type ExcessControl,
} from '../pipeline/index.js';
import { createExcessMetrics, type Logger } from '../telemetry/index.js';
import { linkState, type KafkaMember } from './kafka-reco.js';
import type { KafkaSession } from './kafka-session.js';
import type { ServiceRuntime } from './trigger-runtime.js';

/** How often the upstream lag is polled and idle partitions are re-checked without input, ms. */
const POLL_MS = 1000;

export async function startExcessMember(
  cfg: ShowertrigConfig,
  session: KafkaSession,
  rt: ServiceRuntime,
  logger: Logger,
): Promise<KafkaMember> {
  const k = cfg.kafka;
  const log = logger.child({ component: 'excess' });
  const cluster = session.cluster;
  const candidatePartitions = await cluster.partitionCount(k.topics.candidates);
  const all: ReadonlySet<number> = new Set(Array.from({ length: candidatePartitions }, (_, p) => p));
  const idleMs = cfg.trigger.excess.idlePartitionS * 1000;
  // The latest answer: frames partitions the reco group has not committed yet, and where each candidates partition ends.
  let framesPending: ReadonlySet<number> = all;
  let candidates = new Map<number, { low: bigint; high: bigint; committed: bigint | undefined }>();
  let polledAtMs = Number.NEGATIVE_INFINITY; // when the latest successful poll started
  let polling = false;
  const pollUpstream = (): void => {
    if (polling) return;
    polling = true;
    const started = Date.now();
    Promise.all([
      cluster.lag(k.groupId, k.topics.frames),
      cluster.positions(excessGroupOf(k), k.topics.candidates),
    ])
      .then(([lag, positions]) => {
        const next = new Set<number>();
        for (const [p, v] of lag) if (v > 0) next.add(p % candidatePartitions);
        framesPending = next;
        candidates = positions;
        polledAtMs = started;
      })
      .catch((e: unknown) => log.debug('upstream poll failed; keeping the last answer', { error: String(e) }))
      .finally(() => (polling = false));
  };
  /**
   * A candidates partition has work pending while its frames are not all reconstructed or the topic
   * holds candidates this stage has not read; with no answer fresher than the idle time, all have.
   */
  const pendingUpstream = (position: (partition: number) => bigint | undefined): ReadonlySet<number> => {
    if (Date.now() - polledAtMs > idleMs) return all;
    const out = new Set(framesPending);
    for (const [p, c] of candidates) if (c.high > (position(p) ?? c.committed ?? c.low)) out.add(p);
    return out;
  };
  pollUpstream();
  const lagTimer = setInterval(pollUpstream, POLL_MS);

  const limits = {
    alerts: await cluster.maxMessageBytes(k.topics.alerts),
    flagged: await cluster.maxMessageBytes(k.topics.flagged),
  };
  const producer = createKafkaProducer(cluster);
  const reachable = cluster.reachability();
  await producer.connect();
  const c = rt.codecs;
  const source = createKafkaSource(
    cluster,
    {
      ...DEFAULT_KAFKA_SOURCE,
      ...sourceSettings(k),
      groupId: excessGroupOf(k),
      topic: k.topics.candidates,
      assignment: 'single-active',
      commits: 'external',
    },
    log,
  );
  const excess = createExcessPipeline(
    {
      excess: cfg.trigger.excess,
      idlePartitionMs: cfg.trigger.excess.idlePartitionS * 1000,
      maxTrackedIds: DEFAULT_MAX_TRACKED_IDS,
      commitIntervalMs: DEFAULT_KAFKA_SOURCE.commitIntervalMs,
      retry: DEFAULT_RETRY,
    },
    {
      decode: decodeCandidate,
      sinks: {
        alerts: createKafkaSink(producer, {
          topic: k.topics.alerts,
          encode: (a) => c.alert.encode(a),
          key: (a) => a.alertId,
          maxMessageBytes: limits.alerts,
        }),
        flagged: createKafkaSink(producer, {
          maxMessageBytes: limits.flagged,
          topic: k.topics.flagged,
          encode: (x) => c.candidate.encode(x),
          key: (x) => x.event.eventId,
          partition: (ctx) => ctx.partition,
        }),
      },
      metrics: rt.metrics,
      excessMetrics: createExcessMetrics(rt.metrics.registry),
      logger: log,
      pendingUpstream,
      commit: (offsets, marker) => source.commit(offsets, marker),
      committedMarkers: () => cluster.commitMetadata(excessGroupOf(k), k.topics.candidates),
    },
  );
  const control$ = merge(
    source.assignments$.pipe(map((partitions): ExcessControl => ({ kind: 'assign', partitions }))),
    interval(POLL_MS).pipe(map((): ExcessControl => ({ kind: 'tick' }))),
  );
  let held = 0;
  const assigned = source.assignments$.subscribe((p) => (held = p.length));
  process.stderr.write(
    `showertrig: excess stage on ${k.topics.candidates} as ${excessGroupOf(k)} (one active instance), metrics ${rt.metricsUrl}\n`,
  );
  return {
    reports$: excess.run(source.batches$, control$),
    joined: source.joined,
    healthy: () =>
      reachable.up &&
      linkReady(source.health, k.readinessGraceMs) &&
      linkReady(producer.health, k.readinessGraceMs),
    // Active: this instance holds the candidates partitions and counts; standby: another one does.
    status: () =>
      `excess: ${held > 0 ? `active (${held} tt.candidates partitions)` : 'standby'}, ${linkState({ consumer: source.health, producer: producer.health, brokers: reachable })}`,
    pause: () => source.pause(),
    inFlight: () => source.inFlight(),
    async close() {
      clearInterval(lagTimer);
      assigned.unsubscribe();
      await source.close();
      await producer.disconnect().catch(() => undefined);
    },
  };
}
