/**
 * Publishing hit frames to tt.frames: the Kafka side of `replay --brokers` and `simulate --brokers`.
 * Frames are paced by their timestamps (speed × real time, or as fast as the brokers acknowledge),
 * encoded with the configured codec (kafka.codec), keyed by event id, and written through the io sink (sends split by
 * the topic's max.message.bytes, acks from all in-sync replicas, a broker outage ridden through
 * with backoff up to kafka.outageToleranceMs). A frame counts as sent only once the brokers
 * acknowledged it; at most MAX_IN_FLIGHT frames are unacknowledged, so memory does not grow with
 * the stream. At the end the topic's end offsets must have grown by at least the frames
 * acknowledged (other writers can only add): anything less is reported as lost, never exit 0.
 */
import { bufferTime, concatMap, filter, lastValueFrom } from 'rxjs';
import { createCodecs } from '../codecs/index.js';
import type { ShowertrigConfig } from '../config/index.js';
import type { HitFrame } from '../domain/index.js';
import {
  checkKafkaReachable,
  createKafkaCluster,
  createKafkaProducer,
  createKafkaSink,
  KafkaIoError,
  type KafkaProducerHandle,
} from '../io/index.js';
import { keyOf, type InputMessage } from '../pipeline/index.js';
import type { Logger } from '../telemetry/index.js';
import { pacedFrames } from './sources.js';

const MAX_IN_FLIGHT = 2000;

export interface PublishOptions {
  /** Stream seconds per wall second; Infinity = as fast as acknowledged. */
  readonly speed: number;
  /** Polled between frames: true ends the stream after the frames already handed over. */
  readonly stopped: () => boolean;
  /** Called after each acknowledged batch with the running total (progress lines). */
  readonly onSent?: (sent: number) => void;
}

export interface PublishResult {
  readonly sent: number;
  readonly seconds: number;
  readonly topic: string;
}

export async function publishFrames(
  cfg: ShowertrigConfig,
  logger: Logger,
  frames: Iterable<HitFrame> | AsyncIterable<HitFrame>,
  opts: PublishOptions,
): Promise<PublishResult> {
  const topic = cfg.kafka.topics.frames;
  await checkKafkaReachable(cfg.kafka);
  const cluster = createKafkaCluster(cfg.kafka, logger);
  let producer: KafkaProducerHandle | undefined;
  const codecs = createCodecs(cfg.kafka.codec);
  let sent = 0;
  const t0 = performance.now();
  try {
    await cluster.ensureTopics([topic], cfg.kafka.partitions, cfg.kafka.replicationFactor);
    const maxMessageBytes = await cluster.maxMessageBytes(topic);
    const endBefore = await cluster.endOffsetSum(topic);
    producer = createKafkaProducer(cluster);
    await producer.connect();
    const sink = createKafkaSink<InputMessage>(producer, {
      topic,
      key: (m) => keyOf(m) ?? '',
      encode: (m) => Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength),
      maxMessageBytes,
    });
    const paced = pacedFrames(frames, {
      speed: opts.speed,
      maxInFlight: MAX_IN_FLIGHT,
      encode: (f) => codecs.frame.encode(f),
      stopped: opts.stopped,
    });
    await lastValueFrom(
      paced.pipe(
        bufferTime(50, null, 500),
        filter((b) => b.length > 0),
        concatMap(async (msgs) => {
          await sink.write(msgs);
          for (const m of msgs) void m.ack?.();
          sent += msgs.length;
          opts.onSent?.(sent);
        }),
      ),
      { defaultValue: undefined },
    );
    const written = (await cluster.endOffsetSum(topic)) - endBefore;
    if (written < BigInt(sent)) {
      throw new KafkaIoError(
        `${topic} grew by ${written} records while ${sent} were acknowledged: ${BigInt(sent) - written} lost`,
        { context: { topic, sent, written: Number(written) } },
      );
    }
  } finally {
    await producer?.disconnect().catch(() => undefined);
    await cluster.close();
  }
  return { sent, seconds: (performance.now() - t0) / 1000, topic };
}
