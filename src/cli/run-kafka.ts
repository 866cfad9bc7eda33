/**
 * The Kafka side of `run`: a consumer-group member reading tt.frames and writing tt.reco,
 * tt.candidates, tt.alerts and tt.frames.dlq through idempotent producers; consumer lag is
 * polled into the consumer_lag gauge; /readyz turns ready once the consumer joined its group.
 */
import { from, takeUntil } from 'rxjs';
import type { ShowertrigConfig } from '../config/index.js';
import {
  createKafkaClient,
  createKafkaProducer,
  createKafkaSink,
  createKafkaSource,
  DEFAULT_KAFKA_SOURCE,
  ensureTopics,
  fetchLag,
} from '../io/index.js';
import type { PipelineSinks } from '../pipeline/index.js';
import type { Logger } from '../telemetry/index.js';
import { drive } from './live.js';
import type { ratePlotOption } from './rate-plot.js';
import { startTriggerRuntime } from './trigger-runtime.js';

export async function startKafkaTrigger(
  cfg: ShowertrigConfig,
  logger: Logger,
  stop: { stopped: boolean },
  plot?: ReturnType<typeof ratePlotOption>,
): Promise<number> {
  const k = cfg.kafka;
  const kafka = createKafkaClient(k, logger);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, Object.values(k.topics), k.partitions, k.replicationFactor);
  let ready = false;
  const rt = await startTriggerRuntime(cfg, logger, { ready: () => ready });
  const producer = createKafkaProducer(kafka);
  await producer.connect();
  const c = rt.codecs;
  const sinks: PipelineSinks = {
    reco: createKafkaSink(producer.producer, { topic: k.topics.reco, encode: (e) => c.reco.encode(e), key: (e) => e.eventId }),
    candidates: createKafkaSink(producer.producer, { topic: k.topics.candidates, encode: (x) => c.candidate.encode(x), key: (x) => x.event.eventId }),
    alerts: createKafkaSink(producer.producer, { topic: k.topics.alerts, encode: (a) => c.alert.encode(a), key: (a) => a.alertId }),
    deadLetters: createKafkaSink(producer.producer, {
      topic: k.topics.dlq,
      encode: (d) => c.deadLetter.encode(d),
      key: (d) => d.key ?? `${d.topic}/${d.partition}/${d.offset}`,
    }),
  };
  const source = createKafkaSource(
    kafka,
    {
      ...DEFAULT_KAFKA_SOURCE,
      groupId: k.groupId,
      topic: k.topics.frames,
      // One fetch per partition bounds the frames in flight: ~6 KB/frame at 100 GeV.
      maxBytesPerPartition: Math.max(64 * 1024, Math.floor((k.maxInFlightFrames * 1024) / DEFAULT_KAFKA_SOURCE.concurrentPartitions)),
    },
    logger,
  );
  void source.joined.then(() => (ready = true));
  const lagTimer = setInterval(() => {
    fetchLag(admin, k.groupId, k.topics.frames)
      .then((lag) => {
        for (const [p, v] of lag) rt.metrics.consumerLag.set({ partition: String(p) }, v);
      })
      .catch((e: unknown) => logger.debug('lag poll failed', { error: String(e) }));
  }, 5000);
  process.stderr.write(`showertrig: consuming ${k.topics.frames} as ${k.groupId} from ${k.brokers.join(',')}, metrics ${rt.metricsUrl}\n`);
  let finish: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (finish = r));
  const reports$ = rt.pipeline(sinks).run(source.batches$).pipe(takeUntil(from(stopped)));
  try {
    return await drive(reports$, rt, stop, logger, () => finish(), plot);
  } finally {
    clearInterval(lagTimer);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
