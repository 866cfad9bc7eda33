/**
 * The application layer: what the commands compose (the CLI parses flags, calls these, prints).
 * Importing this barrel loads no TensorFlow: the modules that reconstruct import it on first use.
 */
export { loadCnnModel, resolveModelDir } from './model.js';
export { startServiceRuntime, startTriggerRuntime, type RuntimeOptions, type ServiceRuntime, type TriggerRuntime } from './trigger-runtime.js';
export { runFramesEmbedded, runSimulatorEmbedded, type EmbeddedOptions } from './embedded.js';
export { runKafkaTrigger, isRole, ROLES, type Role } from './run-kafka.js';
export { countingSinks, drive, liveLine, summary, newTotals, addReport, type RunTotals } from './live.js';
export { RatePlot, ratePlotOption, type RatePlotOption } from './rate-plot.js';
export { DEFAULT_START_NS, pacedFrames, simulatedFrames, type PacedSourceOptions, type SourceOptions } from './sources.js';
export { armShutdownGrace } from './shutdown.js';
export { runSoak, type SoakOptions, type SoakResult } from './soak/soak.js';
