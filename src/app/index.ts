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
export { modelCard, fluctuationText, type ModelCardInput } from './model-card.js';
export { paperBaseline, PAPER_E_BINS, type PaperBaselineOptions, type PaperBaselineResult } from './tuning/paper-baseline.js';
export { featureCsv } from './evaluation/export.js';
export type { FloorOptions } from './evaluation/floor.js';
export { robustnessVariants, HOT_PIXEL_FRACTION, type RobustnessVariant } from './evaluation/robustness.js';
export { simulateSignal, signalStream, simulatedSource, misalignStation, SEED_OFFSETS, type SignalEvent, type HitsTransform, type EvaluationSource } from './evaluation/samples.js';
export { recordingSource, type RecordingSource, type RecordingSourceStats } from './evaluation/recording-source.js';
export type { TrainingOptions, TrainingHooks, TrainingResult } from './training.js';
export type { EvaluationOptions, EvaluationOutcome } from './evaluation/run.js';
export type { FeatureBaselines, FeatureSample, BaselineName } from './evaluation/baselines.js';

type Training = typeof import('./training.js');
type Evaluation = typeof import('./evaluation/run.js');
type Floor = typeof import('./evaluation/floor.js');

/** Trains the CNN (src/app/training.ts); loads TensorFlow on first call. */
export async function runTraining(...a: Parameters<Training['runTraining']>): ReturnType<Training['runTraining']> {
  return (await import('./training.js')).runTraining(...a);
}

/** Fits and stores a model's energy calibration (src/app/training.ts); loads TensorFlow on first call. */
export async function calibrateModelDirectory(...a: Parameters<Training['calibrateModelDirectory']>): ReturnType<Training['calibrateModelDirectory']> {
  return (await import('./training.js')).calibrateModelDirectory(...a);
}

/** The evaluation procedure (src/app/evaluation/run.ts); loads TensorFlow on first call. */
export async function runEvaluation(...a: Parameters<Evaluation['runEvaluation']>): ReturnType<Evaluation['runEvaluation']> {
  return (await import('./evaluation/run.js')).runEvaluation(...a);
}

/** The information floors of an evaluation (src/app/evaluation/floor.ts); loaded on first call. */
export async function informationFloor(...a: Parameters<Floor['informationFloor']>): Promise<ReturnType<Floor['informationFloor']>> {
  return (await import('./evaluation/floor.js')).informationFloor(...a);
}
