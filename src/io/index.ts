export { openRecordingWriter, DEFAULT_BLOCK_BYTES, type RecordingWriter, type RecordingWriterOptions, type RecordingSummary } from './recording-writer.js';
export { openRecording, readRecording, type Recording, type RecordingInfo } from './recording-reader.js';
export { RecordingError, syncMarkerFromSeed, META_SCHEMA_NAME, type ContainerCodec } from './recording-format.js';
export { modelDirectory, MODEL_JSON, WEIGHTS_BIN } from './model-files.js';
export * from './kafka.js';
export { loadConfig, readConfigFile } from './config-file.js';
export { checkKafkaReachable, connectionProblem, KafkaUnreachableError } from './kafka-probe.js';
export { temporarySavedModelStore, liveSavedModelDirs } from './saved-model-store.js';
