/**
 * The reconstruction member of `run --brokers` (roles reco and all): a consumer-group member
 * reading its share of tt.frames and writing tt.reco, tt.candidates and tt.frames.dlq through an
 * idempotent producer. It runs no excess monitor: the selected candidates of frames partition p go
 * to candidates partition p (mod the candidates topic's partitions), in offset order, so every
 * candidates partition stays in event-time order for the global excess stage (kafka-excess.ts).
 */
import type { Observable } from 'rxjs';
import type { ShowertrigConfig } from '../config/index.js';
import { createKafkaProducer, createKafkaSink, createKafkaSource, DEFAULT_KAFKA_SOURCE, fetchLag, topicPartitionCount } from '../io/index.js';
import type { BatchReport, PipelineSinks } from '../pipeline/index.js';
import type { Logger } from '../telemetry/index.js';
import type { KafkaSession } from './kafka-session.js';
import type { TriggerRuntime } from './trigger-runtime.js';

export interface KafkaMember {
  readonly reports$: Observable<BatchReport>;
  /** Resolves once the member joined its consumer group. */
  readonly joined: Promise<void>;
  close(): Promise<void>;
}

export async function startRecoMember(cfg: ShowertrigConfig, session: KafkaSession, rt: TriggerRuntime, logger: Logger): Promise<KafkaMember> {
  const k = cfg.kafka;
  const candidatePartitions = await topicPartitionCount(session.admin, k.topics.candidates);
  const framePartitions = await topicPartitionCount(session.admin, k.topics.frames);
  if (framePartitions > candidatePartitions) {
    logger.warn('tt.candidates has fewer partitions than tt.frames: several frames partitions share one candidates partition, so event time there is only roughly ordered (raise trigger.excess.allowedLatenessS)', {
      frames: framePartitions,
      candidates: candidatePartitions,
    });
  }
  const producer = createKafkaProducer(session.kafka);
  await producer.connect();
  const c = rt.codecs;
  const sinks: PipelineSinks = {
    reco: createKafkaSink(producer.producer, { topic: k.topics.reco, encode: (e) => c.reco.encode(e), key: (e) => e.eventId }),
    candidates: createKafkaSink(producer.producer, {
      topic: k.topics.candidates,
      encode: (x) => c.candidate.encode(x),
      key: (x) => x.event.eventId,
      partition: (ctx) => (ctx.partition === undefined ? undefined : ctx.partition % candidatePartitions),
    }),
    alerts: createKafkaSink(producer.producer, { topic: k.topics.alerts, encode: (a) => c.alert.encode(a), key: (a) => a.alertId }),
    deadLetters: createKafkaSink(producer.producer, {
      topic: k.topics.dlq,
      encode: (d) => c.deadLetter.encode(d),
      key: (d) => d.key ?? `${d.topic}/${d.partition}/${d.offset}`,
    }),
  };
  const source = createKafkaSource(
    session.kafka,
    {
      ...DEFAULT_KAFKA_SOURCE,
      groupId: k.groupId,
      topic: k.topics.frames,
      // One fetch per partition bounds the frames in flight: ~6 KB/frame at 100 GeV.
      maxBytesPerPartition: Math.max(64 * 1024, Math.floor((k.maxInFlightFrames * 1024) / DEFAULT_KAFKA_SOURCE.concurrentPartitions)),
    },
    logger,
  );
  const lagTimer = setInterval(() => {
    fetchLag(session.admin, k.groupId, k.topics.frames)
      .then((lag) => {
        for (const [p, v] of lag) rt.metrics.consumerLag.set({ partition: String(p) }, v);
      })
      .catch((e: unknown) => logger.debug('lag poll failed', { error: String(e) }));
  }, 5000);
  process.stderr.write(`showertrig: reconstructing ${k.topics.frames} as ${k.groupId} from ${k.brokers.join(',')}, metrics ${rt.metricsUrl}\n`);
  return {
    reports$: rt.pipeline(sinks, { excess: 'downstream' }).run(source.batches$),
    joined: source.joined,
    async close() {
      clearInterval(lagTimer);
      await producer.disconnect().catch(() => undefined);
    },
  };
}
