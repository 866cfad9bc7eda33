/** The Kafka cluster handle one `run --brokers` process shares between its members. */
import type { ShowertrigConfig } from '../config/index.js';
import { createKafkaCluster, type KafkaCluster } from '../io/index.js';
import type { Logger } from '../telemetry/index.js';

export interface KafkaSession {
  readonly cluster: KafkaCluster;
  close(): Promise<void>;
}

/**
 * Creates the topics that do not exist yet (retried, with a wait for their leaders, within
 * kafka.outageToleranceMs). The caller has waited for a broker to answer (run-kafka.ts).
 */
export async function openKafkaSession(cfg: ShowertrigConfig, logger: Logger): Promise<KafkaSession> {
  const k = cfg.kafka;
  const cluster = createKafkaCluster(k, logger);
  try {
    await cluster.ensureTopics(Object.values(k.topics), k.partitions, k.replicationFactor);
  } catch (e) {
    await cluster.close();
    throw e;
  }
  return { cluster, close: () => cluster.close() };
}
