/**
 * The global excess member of `run --brokers` (roles excess and all): the excess stage of
 * excess-runtime.ts (the same component the embedded mode runs) on Kafka input and outputs. It
 * reads every partition of tt.candidates in its own consumer group (kafka.excessGroupId) with the
 * single-active assignment, so exactly one instance counts while the others stand by, and writes
 * tt.alerts and the alert-tagged candidates to tt.flagged (one way: it never writes the topic it
 * reads). Offsets are committed only as far as a successor needs to rebuild the statistics
 * (excess-stage.ts), with the resume point as commit metadata. With kafka.delivery exactly-once
 * the producer is transactional (id kafka.transactionalId + ".excess", kept by a restarted
 * instance, which fences its predecessor and aborts what it left open): the alerts, the flagged
 * candidates and those offsets commit in one transaction, and tt.candidates is read
 * read_committed (as every source reads). A step that wrote commits before its batch is
 * acknowledged, so a rebalance (which waits for the fetch handler) cannot move the partitions
 * between an alert and its commit; what stays open is kafkajs' lack of group-generation fencing on
 * transactional offset commits (kafka-transaction.ts): a tick's commit racing a rebalance of a live,
 * partitioned-away instance is not fenced, a SIGKILLed or restarted one is.
 *
 * Why the reconstruction group's lag is polled (every POLL_MS): a candidates partition can be
 * silent because its frames partitions have nothing to say (then it must stop holding the
 * watermark after idlePartitionS) or because their reconstruction is behind, restarting or
 * rebalancing (then it must hold it, or the candidates arrive after their bins closed and go
 * uncounted). Only the reconstruction side knows which, and its group's committed offsets against
 * the frames' end offsets say it without any cooperation from the reconstruction members; the
 * candidates written but not yet read by this stage (positions of its own group) are the second
 * half. The in-band alternative, a watermark record each reconstruction member writes into its
 * candidates partition after every batch, would make the watermark exact without the idle rule,
 * but it puts control records into tt.candidates, which other consumers read as candidates, and
 * needs per-frames-partition bookkeeping where several share a candidates partition; so the poll
 * stays (one ListOffsets and two OffsetFetch requests per second). What remains a heuristic (as in
 * any idle-source rule): frames produced, reconstructed and written within one poll period to a
 * partition that had been silent for idlePartitionS.
 */
import { interval, map, merge } from 'rxjs';
import { excessGroupOf, type KafkaConfig, type ShowertrigConfig } from '../config/index.js';
import { decodeCandidate } from '../codecs/index.js';
import {
  createKafkaProducer,
  createKafkaSink,
  createKafkaSource,
  DEFAULT_KAFKA_SOURCE,
  linkReady,
  notCommitting,
  sourceSettings,
  type KafkaCluster,
  type KafkaProducerHandle,
  type KafkaSource,
} from '../io/index.js';
import type { ExcessControl, ExcessPipelineDeps } from '../pipeline/index.js';
import type { Logger } from '../telemetry/index.js';
import { runExcess } from './excess-runtime.js';
import { deliveryOptions, linkState, type KafkaMember } from './kafka-reco.js';
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
  const upstream = await watchUpstream(cluster, k, cfg.trigger.excess.idlePartitionS * 1000, log);
  // Exactly-once: a transactional producer whose id (kafka.transactionalId + ".excess") a restarted instance keeps.
  const producer = createKafkaProducer(cluster, deliveryOptions(k, 'excess'));
  const reachable = cluster.reachability();
  const sinks = await excessSinks(cluster, k, producer, rt.codecs);
  await producer.connect();
  const group = excessGroupOf(k);
  const source = createKafkaSource(
    cluster,
    {
      ...DEFAULT_KAFKA_SOURCE,
      ...sourceSettings(k),
      groupId: group,
      topic: k.topics.candidates,
      assignment: 'single-active',
      commits: 'external',
    },
    log,
  );
  const control$ = merge(
    source.assignments$.pipe(map((partitions): ExcessControl => ({ kind: 'assign', partitions }))),
    interval(POLL_MS).pipe(map((): ExcessControl => ({ kind: 'tick' }))),
  );
  const reports$ = runExcess(
    cfg,
    rt,
    {
      input$: source.batches$,
      control$,
      decode: decodeCandidate,
      sinks,
      pendingUpstream: upstream.pending,
      commit: committer(producer, source, group, k.topics.candidates),
      committedMarkers: () => cluster.commitMetadata(group, k.topics.candidates),
      flushAtEnd: false,
    },
    log,
  );
  let held = 0;
  const assigned = source.assignments$.subscribe((p) => (held = p.length));
  process.stderr.write(
    `showertrig: excess stage on ${k.topics.candidates} as ${group} (one active instance), metrics ${rt.metricsUrl}\n`,
  );
  return {
    reports$,
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
      upstream.close();
      assigned.unsubscribe();
      await source.close();
      // Exactly-once: nothing left open for the brokers to abort after the timeout.
      await producer.transactions?.abort().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
    },
  };
}

/**
 * How the stage commits its replay offsets and resume point: at least once through the consumer;
 * exactly-once in the producer's transaction, together with the alerts and flagged candidates sent
 * since the last commit (excess-pipeline.ts commits at once after every step that wrote).
 */
function committer(
  producer: KafkaProducerHandle,
  source: KafkaSource,
  group: string,
  topic: string,
): NonNullable<ExcessPipelineDeps['commit']> {
  const t = producer.transactions;
  return t === undefined
    ? (offsets, marker) => source.commit(offsets, marker)
    : async (offsets, marker) => {
        // Fail-stop, as the reconstruction side's commits: a member the group may have dropped must not commit.
        const why = await source.membershipUnsafe();
        if (why !== undefined) throw notCommitting('the excess transaction', why);
        return t.commit(group, topic, offsets, marker);
      };
}

/** tt.alerts, and tt.flagged with each tagged candidate in the partition it was read from. */
async function excessSinks(
  cluster: KafkaCluster,
  k: KafkaConfig,
  producer: KafkaProducerHandle,
  c: ServiceRuntime['codecs'],
): Promise<ExcessPipelineDeps['sinks']> {
  return {
    alerts: createKafkaSink(producer, {
      topic: k.topics.alerts,
      encode: (a) => c.alert.encode(a),
      key: (a) => a.alertId,
      maxMessageBytes: await cluster.maxMessageBytes(k.topics.alerts),
    }),
    flagged: createKafkaSink(producer, {
      topic: k.topics.flagged,
      encode: (x) => c.candidate.encode(x),
      key: (x) => x.event.eventId,
      partition: (ctx) => ctx.partition,
      maxMessageBytes: await cluster.maxMessageBytes(k.topics.flagged),
    }),
  };
}

interface Upstream {
  /** The candidates partitions with work pending upstream (see the header). */
  readonly pending: NonNullable<ExcessPipelineDeps['pendingUpstream']>;
  close(): void;
}

/**
 * Polls, every POLL_MS, the frames partitions the reconstruction group has not committed and where
 * each candidates partition ends. A candidates partition has work pending while its frames are not
 * all reconstructed or the topic holds candidates this stage has not read; with no answer fresher
 * than the idle time, all have.
 */
async function watchUpstream(
  cluster: KafkaCluster,
  k: KafkaConfig,
  idleMs: number,
  log: Logger,
): Promise<Upstream> {
  const n = await cluster.partitionCount(k.topics.candidates);
  const all: ReadonlySet<number> = new Set(Array.from({ length: n }, (_, p) => p));
  let framesPending: ReadonlySet<number> = all;
  let candidates = new Map<number, { low: bigint; high: bigint; committed: bigint | undefined }>();
  let polledAtMs = Number.NEGATIVE_INFINITY; // when the latest successful poll started
  let polling = false;
  const poll = (): void => {
    if (polling) return;
    polling = true;
    const started = Date.now();
    Promise.all([
      cluster.lag(k.groupId, k.topics.frames),
      cluster.positions(excessGroupOf(k), k.topics.candidates),
    ])
      .then(([lag, positions]) => {
        const next = new Set<number>();
        for (const [p, v] of lag) if (v > 0) next.add(p % n);
        framesPending = next;
        candidates = positions;
        polledAtMs = started;
      })
      .catch((e: unknown) => log.debug('upstream poll failed; keeping the last answer', { error: String(e) }))
      .finally(() => (polling = false));
  };
  poll();
  const timer = setInterval(poll, POLL_MS);
  return {
    pending: (position) => {
      if (Date.now() - polledAtMs > idleMs) return all;
      const out = new Set(framesPending);
      for (const [p, c] of candidates) if (c.high > (position(p) ?? c.committed ?? c.low)) out.add(p);
      // The answer knows nothing of frames produced after its poll started (watermark.ts).
      return Object.assign(out, { asOfMs: polledAtMs });
    },
    close: () => clearInterval(timer),
  };
}
