/**
 * Kafka (cluster handle, sources, sinks, reachability) and model files (tfjs model directories,
 * temporary SavedModels). Configuration files live in src/config-file, recordings in src/recording:
 * importing this barrel loads kafkajs and TensorFlow.
 */
export { modelDirectory, MODEL_JSON, WEIGHTS_BIN } from './model-files.js';
export * from './kafka.js';
export { checkKafkaReachable, connectionProblem, KafkaUnreachableError } from './kafka-probe.js';
export { temporarySavedModelStore, liveSavedModelDirs } from './saved-model-store.js';
/**
 * Moved to src/config-file and src/recording; re-exported until every branch imports them from
 * there (then delete these two lines).
 */
export { loadConfig, readConfigFile } from '../config-file/index.js';
export * from '../recording/index.js';
