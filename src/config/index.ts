export { ConfigError } from './errors.js';
export { loadConfig, parseConfig, mergeRaw, type ShowertrigConfig } from './load.js';
export { parseDetector } from './detector.js';
export {
  parseSimulation,
  parseExcessFlag,
  DEFAULT_SIMULATION,
  type SimulationConfig,
  type ExcessInjection,
} from './simulation.js';
export {
  parseReconstruction,
  DEFAULT_RECONSTRUCTION,
  BACKENDS,
  type BackendChoice,
  type ReconstructionConfig,
} from './reconstruction.js';
export { parseTrigger, type TriggerConfig, type SelectionConfig, type ExcessConfig } from './trigger.js';
export { parseKafka, DEFAULT_TOPICS, type KafkaConfig, type TopicNames } from './kafka.js';
export { parseService, type ServiceConfig } from './service.js';
