/**
 * The reconstruction member of `run --brokers` (roles reco and all): a consumer-group member
 * reading its share of tt.frames and writing tt.reco, tt.candidates and tt.frames.dlq through an
 * idempotent producer. It runs no excess monitor: the selected candidates of frames partition p go
 * to candidates partition p (mod the candidates topic's partitions), in offset order, so every
 * candidates partition stays in event-time order for the global excess stage (kafka-excess.ts).
 *
 * Every output fits its topic's max.message.bytes (read from the brokers): sends are split, and
 * dead letters of oversized inputs keep a truncated payload with its length and hash (headers).
 * consumer_lag is polled every LAG_POLL_MS and cleared (unknown) while the member is not healthy
 * (consumer not fetching or producer not delivering) or a poll fails, never left frozen.
 */
import type { Observable } from 'rxjs';
import { hostname } from 'node:os';
import { transactionalIdOf, type KafkaConfig, type ShowertrigConfig } from '../config/index.js';
import {
  createKafkaProducer,
  createKafkaSink,
  createKafkaSource,
  DEFAULT_KAFKA_SOURCE,
  linkReady,
  maxRecordBytes,
  sourceSettings,
  type KafkaProducerHandle,
  type KafkaProducerOptions,
  type LinkHealth,
} from '../io/index.js';
import { deadLetterHeaders, deadLetterKey, type BatchReport, type PipelineSinks } from '../pipeline/index.js';
import type { Logger, Metrics } from '../telemetry/index.js';
import type { KafkaSession } from './kafka-session.js';
import type { TriggerRuntime } from './trigger-runtime.js';

const LAG_POLL_MS = 5_000;

export interface KafkaMember {
  readonly reports$: Observable<BatchReport>;
  /** Resolves once the member joined its consumer group. */
  readonly joined: Promise<void>;
  /** Its consumer fetches and its producer delivers (readiness). */
  healthy(): boolean;
  /** One line for /readyz: the member's role and state, and why it is down. */
  status(): string;
  /** Stops fetching (a clean stop drains what is in flight). */
  pause(): void;
  /** Input batches handed to the pipeline and not yet acknowledged. */
  inFlight(): number;
  /** Commits what was acknowledged, disconnects. */
  close(): Promise<void>;
}

export async function startRecoMember(
  cfg: ShowertrigConfig,
  session: KafkaSession,
  rt: TriggerRuntime,
  logger: Logger,
): Promise<KafkaMember> {
  const k = cfg.kafka;
  const cluster = session.cluster;
  const candidatePartitions = await cluster.partitionCount(k.topics.candidates);
  const framePartitions = await cluster.partitionCount(k.topics.frames);
  if (framePartitions > candidatePartitions) {
    logger.warn(
      'tt.candidates has fewer partitions than tt.frames: several frames partitions share one candidates partition, so event time there is only roughly ordered (raise trigger.excess.allowedLatenessS)',
      {
        frames: framePartitions,
        candidates: candidatePartitions,
      },
    );
  }
  const limits = {
    reco: await cluster.maxMessageBytes(k.topics.reco),
    candidates: await cluster.maxMessageBytes(k.topics.candidates),
    alerts: await cluster.maxMessageBytes(k.topics.alerts),
    dlq: await cluster.maxMessageBytes(k.topics.dlq),
    anomalies: cfg.anomaly.enabled ? await cluster.maxMessageBytes(k.topics.anomalies) : Infinity,
  };
  const producer = createKafkaProducer(cluster, deliveryOptions(k, 'reco'));
  const reachable = cluster.reachability();
  await producer.connect();
  const sinks = recoSinks(k, producer, rt.codecs, limits, candidatePartitions, cfg.anomaly.enabled);
  const source = createKafkaSource(
    cluster,
    {
      ...DEFAULT_KAFKA_SOURCE,
      ...sourceSettings(k),
      groupId: k.groupId,
      topic: k.topics.frames,
      // One fetch per partition bounds the frames in flight: ~6 KB/frame at 100 GeV. Exactly-once:
      // a fetch round is one transaction, 16 micro-batches' worth (1 KiB per frame), so each
      // commit's fixed cost is shared by more frames. It stays safe through rebalances because a
      // member commits before it rejoins, keeps heartbeating meanwhile, is fenced when the group may
      // have dropped it (kafka-membership.ts), and a commit counts only once the group coordinator
      // serves its offsets (kafka-transaction.ts): without that last wait, 16 micro-batches' worth
      // let a member that took a partition over read the old offsets (395 of 1200 events twice).
      maxBytesPerPartition:
        k.delivery === 'exactly-once'
          ? Math.max(16 * 1024, Math.floor((16 * cfg.reconstruction.batchSize * 1024) / framePartitions))
          : Math.max(
              64 * 1024,
              Math.floor((k.maxInFlightFrames * 1024) / DEFAULT_KAFKA_SOURCE.concurrentPartitions),
            ),
      // Pipelined: the next fetch starts once a batch is reconstructed, while its outputs are
      // written, with commits on an interval instead of after every batch (kafka-source.ts header).
      maxInFlightMessages: k.maxInFlightFrames,
      // Every partition's batch of a fetch is handed over at once, so the pipeline reconstructs
      // them in one call (up to batchSize frames) instead of one call per partition.
      concurrentPartitions: Math.max(DEFAULT_KAFKA_SOURCE.concurrentPartitions, framePartitions),
      ...transactionalCommits(producer, k.groupId, k.topics.frames),
    },
    logger,
  );
  // Brokers that stop answering: not ready at once; a link failing while they answer: after the grace.
  const healthy = (): boolean =>
    reachable.up &&
    linkReady(source.health, k.readinessGraceMs) &&
    linkReady(producer.health, k.readinessGraceMs);
  const lagTimer = pollLag(() => cluster.lag(k.groupId, k.topics.frames), healthy, rt.metrics, logger);
  process.stderr.write(
    `showertrig: reconstructing ${k.topics.frames} as ${k.groupId} from ${k.brokers.join(',')}, metrics ${rt.metricsUrl}\n`,
  );
  return {
    reports$: rt.pipeline(sinks, { maxDeadLetterBytes: maxRecordBytes(limits.dlq) }).run(source.batches$),
    joined: source.joined,
    healthy,
    status: () =>
      `reco: ${linkState({ consumer: source.health, producer: producer.health, brokers: reachable })}`,
    pause: () => source.pause(),
    inFlight: () => source.inFlight(),
    async close() {
      clearInterval(lagTimer);
      rt.metrics.consumerLag.reset();
      await source.close();
      // Exactly-once: nothing left open for the brokers to abort after the timeout.
      await producer.transactions?.abort().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
    },
  };
}

/** "working", or which links are down and why. */
export function linkState(links: Record<string, LinkHealth>): string {
  const down = Object.entries(links).filter(([, h]) => !h.up);
  return down.length === 0
    ? 'working'
    : `down: ${down.map(([name, h]) => `${name} (${h.lastError ?? 'not yet up'})`).join('; ')}`;
}

/** Polls the lag every LAG_POLL_MS into consumer_lag; clears it (unknown) at once when not healthy or a poll fails. */
function pollLag(
  lag: () => Promise<Map<number, number>>,
  healthy: () => boolean,
  metrics: Metrics,
  logger: Logger,
): NodeJS.Timeout {
  let lastPoll = 0;
  let polling = false;
  return setInterval(() => {
    if (!healthy()) {
      metrics.consumerLag.reset();
      return;
    }
    if (polling || Date.now() - lastPoll < LAG_POLL_MS) return;
    polling = true;
    lastPoll = Date.now();
    lag()
      .then((l) => {
        metrics.consumerLag.reset();
        if (healthy()) for (const [p, v] of l) metrics.consumerLag.set({ partition: String(p) }, v);
      })
      .catch((e: unknown) => {
        metrics.consumerLag.reset();
        logger.debug('lag poll failed', { error: String(e) });
      })
      .finally(() => (polling = false));
  }, 250);
}

/** kafka.delivery exactly-once: the producer options of a member role (its transactional id); none at least once. */
export function deliveryOptions(k: KafkaConfig, role: string): Partial<KafkaProducerOptions> {
  return k.delivery === 'exactly-once'
    ? {
        transactionalId: transactionalIdOf(k, role, hostname()),
        transactionTimeoutMs: k.transactionTimeoutMs,
      }
    : {};
}

/** A transactional producer's commit of `groupId`'s offsets of `topic`, for the source; none at least once. */
export function transactionalCommits(
  producer: KafkaProducerHandle,
  groupId: string,
  topic: string,
): { transactional?: { commit(offsets: ReadonlyMap<number, string>): Promise<void> } } {
  const t = producer.transactions;
  return t === undefined ? {} : { transactional: { commit: (offsets) => t.commit(groupId, topic, offsets) } };
}

/** The reconstruction member's sinks: tt.reco, tt.candidates (into the input's partition), tt.alerts, dead letters. */
function recoSinks(
  k: KafkaConfig,
  producer: KafkaProducerHandle,
  c: TriggerRuntime['codecs'],
  limits: Record<'reco' | 'candidates' | 'alerts' | 'dlq' | 'anomalies', number>,
  candidatePartitions: number,
  anomalies: boolean,
): PipelineSinks {
  return {
    reco: createKafkaSink(producer, {
      topic: k.topics.reco,
      encode: (e) => c.reco.encode(e),
      key: (e) => e.eventId,
      maxMessageBytes: limits.reco,
    }),
    candidates: createKafkaSink(producer, {
      topic: k.topics.candidates,
      encode: (x) => c.candidate.encode(x),
      key: (x) => x.event.eventId,
      partition: (ctx) => (ctx.partition === undefined ? undefined : ctx.partition % candidatePartitions),
      maxMessageBytes: limits.candidates,
    }),
    alerts: createKafkaSink(producer, {
      topic: k.topics.alerts,
      encode: (a) => c.alert.encode(a),
      key: (a) => a.alertId,
      maxMessageBytes: limits.alerts,
    }),
    deadLetters: createKafkaSink(producer, {
      topic: k.topics.dlq,
      encode: (d) => c.deadLetter.encode(d),
      key: deadLetterKey,
      headers: deadLetterHeaders,
      maxMessageBytes: limits.dlq,
    }),
    ...(anomalies
      ? {
          anomalies: createKafkaSink(producer, {
            topic: k.topics.anomalies,
            encode: (a) => c.anomaly.encode(a),
            key: (a) => a.eventId,
            maxMessageBytes: limits.anomalies,
          }),
        }
      : {}),
  };
}
