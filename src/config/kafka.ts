import { noUnknownKeys, num, section, str, strList } from './fields.js';

export interface TopicNames {
  readonly frames: string;
  readonly reco: string;
  readonly candidates: string;
  readonly alerts: string;
  readonly dlq: string;
}

export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topics: TopicNames;
  /** Partitions for topics this tool creates. */
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Upper bound on frames being processed (decoded, not yet acknowledged) per process. */
  readonly maxInFlightFrames: number;
}

export const DEFAULT_TOPICS: TopicNames = {
  frames: 'tt.frames',
  reco: 'tt.reco',
  candidates: 'tt.candidates',
  alerts: 'tt.alerts',
  dlq: 'tt.frames.dlq',
};

export function parseKafka(raw: unknown, path = 'kafka'): KafkaConfig {
  const r = section(raw, path);
  noUnknownKeys(r, path, ['brokers', 'clientId', 'groupId', 'topics', 'partitions', 'replicationFactor', 'maxInFlightFrames']);
  const tp = `${path}.topics`;
  const t = section(r['topics'], tp);
  noUnknownKeys(t, tp, Object.keys(DEFAULT_TOPICS));
  return {
    brokers: strList(r, path, 'brokers', ['127.0.0.1:9092']),
    clientId: str(r, path, 'clientId', 'showertrig'),
    groupId: str(r, path, 'groupId', 'showertrig-trigger'),
    topics: {
      frames: str(t, tp, 'frames', DEFAULT_TOPICS.frames),
      reco: str(t, tp, 'reco', DEFAULT_TOPICS.reco),
      candidates: str(t, tp, 'candidates', DEFAULT_TOPICS.candidates),
      alerts: str(t, tp, 'alerts', DEFAULT_TOPICS.alerts),
      dlq: str(t, tp, 'dlq', DEFAULT_TOPICS.dlq),
    },
    partitions: num(r, path, 'partitions', 4, { min: 1, max: 10000, integer: true }),
    replicationFactor: num(r, path, 'replicationFactor', 1, { min: 1, max: 100, integer: true }),
    maxInFlightFrames: num(r, path, 'maxInFlightFrames', 2048, { min: 1, max: 1e7, integer: true }),
  };
}
