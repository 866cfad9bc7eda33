/**
 * The Kafka part of io's public API (re-exported by index.ts): a cluster handle, sources and sinks.
 * Only src/io/kafka-*.ts import kafkajs (depcruise rule kafkajs-only-in-io-kafka), and no type
 * exported here mentions a kafkajs declaration (src/io/public-api.test.ts).
 */
export {
  createKafkaCluster,
  isFatalKafkaError,
  isRetriableKafkaError,
  KafkaIoError,
  BROKER_DEFAULT_MAX_MESSAGE_BYTES,
  type KafkaCluster,
} from './kafka-client.js';
export {
  createKafkaSource,
  sourceSettings,
  DEFAULT_KAFKA_SOURCE,
  type KafkaSource,
  type KafkaSourceConfig,
} from './kafka-source.js';
export {
  createKafkaProducer,
  createKafkaSink,
  maxRecordBytes,
  recordBytes,
  splitBySize,
  RecordTooLargeError,
  type KafkaProducerHandle,
  type KafkaProducerOptions,
  type KafkaSinkConfig,
} from './kafka-sink.js';
export { isFencedError, type TransactionCommits } from './kafka-transaction.js';
export { notCommitting } from './kafka-membership.js';
export { backoffMs, linkReady, type LinkHealth } from './link-health.js';
export { chooseActive, SINGLE_ACTIVE_ASSIGNER } from './single-active-assigner.js';
