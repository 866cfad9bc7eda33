export { ConfigError } from './errors.js';
export { parseConfig, mergeRaw, configDefaults, configJsonSchema, type ShowertrigConfig } from './schema.js';
export { configDocs, generatedConfigFiles } from './docs.js';
export { rangeText, type NumberRule } from './kit.js';
export {
  parseSimulation,
  parseExcessFlag,
  excessFlagRaw,
  DEFAULT_SIMULATION,
  DEFAULT_RESPONSE,
  type SimulationConfig,
  type ResponseConfig,
  type ExcessInjection,
} from './simulation.js';
export {
  parseReconstruction,
  DEFAULT_RECONSTRUCTION,
  BACKENDS,
  reconstructionThreads,
  type BackendChoice,
  type ReconstructionConfig,
} from './reconstruction.js';
export { physicsSchema, type PhysicsConfig } from './physics.js';
export { parseAnomaly, type AnomalyConfig } from './anomaly.js';
export { parseInjectFlag, injectionsSchema, type Injection } from './inject.js';
export { parseTrigger, type TriggerConfig, type SelectionConfig, type ExcessConfig } from './trigger.js';
export {
  excessGroupOf,
  kafkaFromEnv,
  DEFAULT_TOPICS,
  WIRE_CODECS,
  SASL_MECHANISMS,
  DELIVERY_MODES,
  transactionalIdOf,
  Secret,
  type DeliveryMode,
  type KafkaConfig,
  type KafkaSaslConfig,
  type KafkaSslConfig,
  type SaslMechanism,
  type TopicNames,
} from './kafka.js';
export { DEFAULT_VALIDATION, type ValidationConfig } from './validation.js';
export { LOG_LEVELS, type ServiceConfig } from './service.js';
