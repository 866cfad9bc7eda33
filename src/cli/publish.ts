/**
 * Publishing hit frames to tt.frames: the Kafka side of `replay --brokers` and `simulate --brokers`.
 * Frames are paced by their timestamps (speed × real time, or as fast as the brokers acknowledge),
 * encoded with the configured codec (kafka.codec), keyed by event id, and sent in small batches with acks from all
 * in-sync replicas. A frame counts as sent only once the brokers acknowledged it; at most
 * MAX_IN_FLIGHT frames are unacknowledged, so memory does not grow with the stream.
 */
import { bufferTime, concatMap, filter, lastValueFrom } from 'rxjs';
import { createCodecs } from '../codecs/index.js';
import type { ShowertrigConfig } from '../config/index.js';
import type { HitFrame } from '../domain/index.js';
import { checkKafkaReachable, createKafkaClient, createKafkaProducer, ensureTopics } from '../io/index.js';
import type { Logger } from '../telemetry/index.js';
import { pacedFrames } from '../app/index.js';

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
  const kafka = createKafkaClient(cfg.kafka, logger);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [topic], cfg.kafka.partitions, cfg.kafka.replicationFactor);
  } finally {
    await admin.disconnect();
  }
  const producer = createKafkaProducer(kafka);
  await producer.connect();
  const codecs = createCodecs(cfg.kafka.codec);
  let sent = 0;
  const t0 = performance.now();
  try {
    const paced = pacedFrames(frames, { speed: opts.speed, maxInFlight: MAX_IN_FLIGHT, encode: (f) => codecs.frame.encode(f), stopped: opts.stopped });
    await lastValueFrom(
      paced.pipe(
        bufferTime(50, null, 500),
        filter((b) => b.length > 0),
        concatMap(async (msgs) => {
          const messages = msgs.map((m) => ({ key: String(m.key), value: Buffer.from(m.value) }));
          await producer.producer.send({ topic, acks: -1, messages });
          for (const m of msgs) void m.ack?.();
          sent += msgs.length;
          opts.onSent?.(sent);
        }),
      ),
      { defaultValue: undefined },
    );
  } finally {
    await producer.disconnect();
  }
  return { sent, seconds: (performance.now() - t0) / 1000, topic };
}
