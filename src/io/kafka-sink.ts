/**
 * Kafka producer sink: idempotent producer, acks from all in-sync replicas; write() resolves only
 * when the brokers acknowledged every message. Messages are keyed by event id, so consumers of the
 * output topics can deduplicate a redelivery (and compacted topics keep the latest).
 */
import { CompressionTypes, Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { Sink, WriteContext } from '../pipeline/index.js';
import { toKafkaIoError } from './kafka-client.js';

export interface KafkaProducerHandle {
  readonly producer: Producer;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

export function createKafkaProducer(kafka: Kafka): KafkaProducerHandle {
  // Idempotence needs unbounded retries (a bounded count could reorder or drop); sends wait instead.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 5,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 5_000 },
  });
  return { producer, connect: () => producer.connect(), disconnect: () => producer.disconnect() };
}

export interface KafkaSinkConfig<T> {
  readonly topic: string;
  readonly encode: (item: T) => Buffer;
  readonly key: (item: T) => string;
  /** Explicit partition for a write (e.g. the input's, from the write context); undefined: by key. */
  readonly partition?: (ctx: WriteContext) => number | undefined;
}

export function createKafkaSink<T>(producer: Producer, cfg: KafkaSinkConfig<T>): Sink<T> {
  return {
    async write(items, ctx = {}) {
      if (items.length === 0) return;
      const partition = cfg.partition?.(ctx);
      try {
        await producer.send({
          topic: cfg.topic,
          acks: -1,
          compression: CompressionTypes.None,
          messages: items.map((it) => ({ key: cfg.key(it), value: cfg.encode(it), ...(partition === undefined ? {} : { partition }) })),
        });
      } catch (e) {
        throw toKafkaIoError(`producing to ${cfg.topic}`, e);
      }
    },
  };
}
