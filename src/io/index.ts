export { openRecordingWriter, DEFAULT_BLOCK_BYTES, type RecordingWriter, type RecordingWriterOptions, type RecordingSummary } from './recording-writer.js';
export { openRecording, readRecording, type Recording, type RecordingInfo } from './recording-reader.js';
export { RecordingError, syncMarkerFromSeed, META_SCHEMA_NAME, type ContainerCodec } from './recording-format.js';
export { modelDirectory, MODEL_JSON, WEIGHTS_BIN } from './model-files.js';
export { createKafkaClient, ensureTopics, fetchLag, topicPartitionCount, KafkaIoError, KAFKA_RETRY } from './kafka-client.js';
export { singleActiveAssigner, chooseActive, SINGLE_ACTIVE_ASSIGNER } from './single-active-assigner.js';
export { createKafkaSource, DEFAULT_KAFKA_SOURCE, type KafkaSource, type KafkaSourceConfig } from './kafka-source.js';
export { createKafkaProducer, createKafkaSink, type KafkaProducerHandle, type KafkaSinkConfig } from './kafka-sink.js';
export { loadConfig, readConfigFile } from './config-file.js';
