/**
 * The application layer: what the commands compose (the CLI parses flags, calls these, prints).
 *
 * Importing this barrel loads neither TensorFlow nor kafkajs nor prom-client: the modules that
 * reconstruct, talk to Kafka or serve metrics are imported on the first call of the async wrappers
 * below, so `simulate`, `inspect` and every `--help` start without them (src/cli/startup.test.ts).
 * A static export added here must keep that true.
 */
export { resolveModelDir, loadCnnModel, loadEventClassifier } from './model.js';
export { isRole, ROLES, type Role } from './roles.js';
export { countingSinks, drive, liveLine, summary, newTotals, addReport, type RunTotals } from './live.js';
export { RatePlot, ratePlotOption, type RatePlotOption } from './rate-plot.js';
export {
  DEFAULT_START_NS,
  pacedFrames,
  simulatedFrames,
  type PacedSourceOptions,
  type SourceOptions,
} from './sources.js';
export { armShutdownGrace } from './shutdown.js';
export { modelCard, fluctuationText, type ModelCardInput } from './model-card.js';
export type { PaperBaselineOptions, PaperBaselineResult } from './tuning/paper-baseline.js';
export { featureCsv } from './evaluation/export.js';
export { formatSummary, summariseRecording, type RecordingSummaryReport } from './inspect.js';
export {
  signalStream,
  misalignStation,
  SEED_OFFSETS,
  type SignalEvent,
  type HitsTransform,
} from './evaluation/samples.js';
export type { RuntimeOptions, ServiceRuntime, TriggerRuntime } from './trigger-runtime.js';
export type { EmbeddedOptions, EmbeddedSinks } from './embedded.js';
export type { SoakOptions, SoakResult } from './soak/soak.js';
export type { PublishOptions, PublishResult } from './publish.js';
export type { RecordOptions, RecordResult } from './record.js';
export type { RobustnessVariant } from './evaluation/robustness.js';
export type { FloorOptions } from './evaluation/floor.js';
export { simulatedSource, type EvaluationSource } from './evaluation/samples.js';
export {
  recordingSource,
  type RecordingSource,
  type RecordingSourceStats,
} from './evaluation/recording-source.js';
export type { TrainingOptions, TrainingHooks, TrainingResult } from './training.js';
export type { EvaluationOptions, EvaluationOutcome } from './evaluation/run.js';
export type { FeatureBaselines, FeatureSample, BaselineName } from './evaluation/baselines.js';

type Mod<T> = () => Promise<T>;
type Anomaly = typeof import('./anomaly/index.js');
export type { KerasReference } from './anomaly/report.js';

/** `lazy(load, 'f')` is `f` of the module `load` imports, imported on the first call. */
function lazy<M, K extends keyof M>(
  load: Mod<M>,
  name: K,
): M[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never {
  return (async (...a: unknown[]) => ((await load())[name] as (...a: unknown[]) => unknown)(...a)) as never;
}

/** Starts the service (metrics, display, health) and the trigger pipeline with its model (TensorFlow, prom-client). */
export const startTriggerRuntime = lazy(() => import('./trigger-runtime.js'), 'startTriggerRuntime');
/** The service part alone: what the excess-only role needs. */
export const startServiceRuntime = lazy(() => import('./trigger-runtime.js'), 'startServiceRuntime');
/** `run`/`replay --embedded`: frames straight through the pipeline in this process. */
export const runFramesEmbedded = lazy(() => import('./embedded.js'), 'runFramesEmbedded');
export const runSimulatorEmbedded = lazy(() => import('./embedded.js'), 'runSimulatorEmbedded');
/** The embedded trigger's report stream (pipeline → excess stage in process) over any input. */
export const embeddedTrigger = lazy(() => import('./embedded.js'), 'embeddedTrigger');
/** `run --brokers`: the consumer-group member(s) of one role (kafkajs). */
export const runKafkaTrigger = lazy(() => import('./run-kafka.js'), 'runKafkaTrigger');
/** Publishes hit frames to the frames topic (kafkajs): `simulate --brokers`, `replay --brokers`. */
export const publishFrames = lazy(() => import('./publish.js'), 'publishFrames');
/** Records a topic of hit frames to a recording (kafkajs). */
export const recordTopic = lazy(() => import('./record.js'), 'recordTopic');
/** The reliability soak against a broker of its own. */
export const runSoak = lazy(() => import('./soak/soak.js'), 'runSoak');
/** The robustness variants of the evaluation (the hot-pixel one uses the reconstruction's mask). */
export const robustnessVariants = lazy(() => import('./evaluation/robustness.js'), 'robustnessVariants');
/** Trains the CNN; loads TensorFlow on first call. */
export const runTraining = lazy(() => import('./training.js'), 'runTraining');
/** Fits and stores a model's energy calibration; loads TensorFlow on first call. */
export const calibrateModelDirectory = lazy(() => import('./training.js'), 'calibrateModelDirectory');
/** The evaluation procedure; loads TensorFlow on first call. */
export const runEvaluation = lazy(() => import('./evaluation/run.js'), 'runEvaluation');
/** The information floors of an evaluation; loaded on first call. */
export const informationFloor = lazy(() => import('./evaluation/floor.js'), 'informationFloor');
/** The method paper's Gaussian-fit baseline on its sample (the detector tuning's yardstick); loads the trees on first call. */
export const paperBaseline = lazy(() => import('./tuning/paper-baseline.js'), 'paperBaseline');
export type {
  ClassSamples,
  ClassifierTrainingOptions,
  ClassifierTrainingResult,
  MethodResult,
  Method,
  ReportContext,
} from './classifier/index.js';

/** The event classifier's training, samples and report (src/app/classifier); loads TensorFlow on first call. */
export async function classifierApp(): Promise<typeof import('./classifier/index.js')> {
  return import('./classifier/index.js');
}
export * from './fom/index.js';

/** The anomaly path's commands (src/app/anomaly): train, re-calibrate, evaluate; loads TensorFlow on first use. */
export async function anomalyApp(): Promise<Anomaly> {
  return import('./anomaly/index.js');
}
