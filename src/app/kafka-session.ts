/** The Kafka client and admin connection one `run --brokers` process shares between its members. */
import type { ShowertrigConfig } from '../config/index.js';
import { checkKafkaReachable, createKafkaClient, ensureTopics } from '../io/index.js';
import type { Logger } from '../telemetry/index.js';

export interface KafkaSession {
  readonly kafka: ReturnType<typeof createKafkaClient>;
  readonly admin: ReturnType<ReturnType<typeof createKafkaClient>['admin']>;
  close(): Promise<void>;
}

/** Connects (or stops with "cannot reach Kafka" after kafka.reachTimeoutMs), and creates the topics that do not exist yet. */
export async function openKafkaSession(cfg: ShowertrigConfig, logger: Logger): Promise<KafkaSession> {
  const k = cfg.kafka;
  await checkKafkaReachable(k);
  const kafka = createKafkaClient(k, logger);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, Object.values(k.topics), k.partitions, k.replicationFactor);
  return { kafka, admin, close: () => admin.disconnect().catch(() => undefined) };
}
