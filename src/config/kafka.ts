/** config `kafka`: brokers, topics, consumer group, wire codec, flow control. */
import { z } from 'zod';
import { num, oneOf, parseWith, section, str, strList } from './kit.js';

/** The wire codecs (src/codecs CODEC_NAMES; a test checks they agree). Consumers accept both. */
export const WIRE_CODECS = ['avro', 'msgpack'] as const;

export const DEFAULT_TOPICS = {
  frames: 'tt.frames',
  reco: 'tt.reco',
  candidates: 'tt.candidates',
  alerts: 'tt.alerts',
  dlq: 'tt.frames.dlq',
} as const;

export const kafkaSchema = section(
  {
    brokers: strList(['127.0.0.1:9092'], 'bootstrap brokers, host:port (the --brokers flag sets it)'),
    clientId: str('showertrig', 'Kafka client id'),
    groupId: str('showertrig-trigger', 'consumer group of the reconstruction (`run --brokers`, roles reco and all); processes with one group share the partitions'),
    excessGroupId: z
      .string({ error: 'a non-empty string' })
      .min(1, { error: 'a non-empty string' })
      .optional()
      .describe('consumer group of the global excess stage (roles excess and all): one member is active, the others stand by; default: groupId + "-excess"'),
    topics: section(
      {
        frames: str(DEFAULT_TOPICS.frames, 'hit frames in (simulate, replay publish here; run consumes)'),
        reco: str(DEFAULT_TOPICS.reco, 'every reconstructed event, keyed by event id'),
        candidates: str(DEFAULT_TOPICS.candidates, 'selected shower candidates'),
        alerts: str(DEFAULT_TOPICS.alerts, 'excess alerts'),
        dlq: str(DEFAULT_TOPICS.dlq, 'dead letters: frames that cannot be decoded or are corrupt, with the reason and original bytes'),
      },
      'topic names',
    ).prefault({}),
    partitions: num(4, { min: 1, max: 10000, integer: true }, 'partitions of the topics this tool creates (the unit of scale)'),
    replicationFactor: num(1, { min: 1, max: 100, integer: true }, 'replication factor of the topics this tool creates'),
    maxInFlightFrames: num(2048, { min: 1, max: 1e7, integer: true }, 'upper bound on frames decoded but not yet acknowledged, per process (memory follows this, not the backlog)'),
    reachTimeoutMs: num(10_000, { min: 100, max: 600_000, integer: true }, 'at start, how long a command waits for a broker to answer before it stops with "cannot reach Kafka at H:P", ms'),
    codec: oneOf(WIRE_CODECS, 'avro', 'wire codec producers write (frames, reco, candidates, alerts); consumers read either, the message header says which'),
  },
  'Kafka connection, topics and flow control',
);

export type KafkaConfig = Readonly<z.output<typeof kafkaSchema>>;
export type TopicNames = KafkaConfig['topics'];

/** The excess stage's consumer group: kafka.excessGroupId, or the reconstruction group + "-excess". */
export function excessGroupOf(k: KafkaConfig): string {
  return k.excessGroupId ?? `${k.groupId}-excess`;
}

export function parseKafka(raw: unknown, path = 'kafka'): KafkaConfig {
  return parseWith(kafkaSchema, raw, path);
}
