/**
 * `showertrig train`: parses flags, runs the training (src/app/training.ts), writes the model card
 * and appends the measured row to the CNN results table.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { calibrateModelDirectory, modelCard, runTraining } from '../app/index.js';
import type { BackendChoice, SimulationConfig } from '../config/index.js';
import type { DetectorGeometry } from '../domain/index.js';
import { loadConfig } from '../config-file/index.js';
import {
  DEFAULT_INPUT_SPEC,
  DEFAULT_TRAIN,
  DEFAULT_WINDOW_CM,
  FEATURE_SETS,
  inputSpecFor,
  paretoMarkdown,
  reconstructorConfig,
  selectBackend,
  type CnnVariantResult,
  type EpochReport,
  type FeatureSet,
  type InputSpec,
  type NetArchitecture,
  type TrainConfig,
} from '../reconstruction/index.js';
import { intFlag, numFlag, parseFlags, UsageError, type Command } from './args.js';
import { CLASSIFIER_USAGE, trainClassifierCommand } from './train-classifier.js';

const USAGE = `usage: showertrig train [--events N] [--epochs E] [--seed S] [--out DIR] [--size 24] [--width 8]
                        [--window-cm 6] [--features none|moments|moments+signal] [--batch 64] [--lr 0.002]
                        [--patience 6] [--l2 0.01] [--l2-halving 10] [--backend wasm] [--eval-events 20000] [--eval-seed S]
                        [--calibration-events N] [--calibrate-only] [--stack-trees N]
                        [--results FILE.json] [--config FILE]
  --events N        simulated signal events for training + validation (default 40000; 10 % validation)
  --epochs E        training epochs at most (default 20; early stopping may end sooner)
  --seed S          training simulation seed (default 1001)
  --eval-seed S     seed of the fresh evaluation events (default 1; must differ from --seed)
  --out DIR         model directory: model.json + weights.bin (best validation checkpoint) + MODEL_CARD.md
                    (default models/cnn-<size>-w<width>)
  --size, --width   input bins per side (default 24), filters of the first CoordConv block (default 8)
  --window-cm W     side of the input window around the track, cm (default 6)
  --coarse-only     the coarse window alone; by default (the shipped model) each station's native pixels in a
                    size × size-pixel window around the same centre (the shower core) are more channels
  --features SET    baseline features as a second input (default moments+signal; none = image only)
  --batch B         events per training batch (default ${DEFAULT_TRAIN.batchSize})
  --lr R            initial learning rate (default ${DEFAULT_TRAIN.learningRate}; decays by ${Math.round((1 - DEFAULT_TRAIN.lrDecayPerEpoch) * 100)} % per epoch)
  --patience P      stop after P epochs without a better validation loss (default ${DEFAULT_TRAIN.patience})
  --l2, --l2-halving  initial L2 penalty (default ${DEFAULT_TRAIN.l2Initial}) and the epochs after which it halves (default ${DEFAULT_TRAIN.l2HalvingEpochs})
  --backend B       tfjs backend: auto, tensorflow-gpu, tensorflow, wasm, cpu (default: config reconstruction.backend)
  --calibration-events N  events (seed + 1) for the energy calibration stored in the model, fitted on those the
                    reconstruction accepts (default 30000: fits on 10000 leave the sparse low-energy bins of a
                    flat spectrum biased by 3.5–7 % somewhere in 2–10 GeV; 0 = none)
  --stack-trees N   train boosted trees on N events of seed + 2 and give the net their ln E and d as two
                    more features (stacking; default 0 = off)
  --calibrate-only  only (re)fit the energy calibration of the model in --out
  --eval-events N   fresh events for the final measurement (default 20000; 0 = skip)
  --results FILE    append this model's measured row to FILE (json) and rewrite FILE with .md
  --config FILE     JSON config file (detector and simulation; see config/default.json)

${CLASSIFIER_USAGE}`;

const fmt = (r: EpochReport): string =>
  `epoch ${r.epoch}: loss ${r.trainLoss.toFixed(4)} val ${r.valLoss.toFixed(4)} | val σ(ΔE/E) ${r.val.sigmaERel.toFixed(3)} σ(d) ${r.val.sigmaDCm.toFixed(3)} cm | ` +
  `lr ${r.learningRate.toExponential(2)} l2 ${r.l2.toExponential(2)} | ${r.eventsPerSecond.toFixed(0)} ev/s ${r.epochSeconds.toFixed(0)} s ETA ${(r.etaSeconds / 60).toFixed(1)} min${r.improved ? ' *' : ''}\n`;

const FLAGS = {
  events: { type: 'string' },
  epochs: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  size: { type: 'string' },
  width: { type: 'string' },
  'window-cm': { type: 'string' },
  batch: { type: 'string' },
  'coarse-only': { type: 'boolean', default: false },
  lr: { type: 'string' },
  patience: { type: 'string' },
  backend: { type: 'string' },
  'eval-events': { type: 'string' },
  'eval-seed': { type: 'string' },
  results: { type: 'string' },
  config: { type: 'string' },
  features: { type: 'string' },
  l2: { type: 'string' },
  'l2-halving': { type: 'string' },
  'calibration-events': { type: 'string' },
  'stack-trees': { type: 'string' },
  'calibrate-only': { type: 'boolean', default: false },
} as const;

export const command: Command = {
  name: 'train',
  summary: 'train the CNN energy/vertex regressor on simulated events',
  usage: USAGE,
  async run(argv) {
    if (argv[0] === 'classifier') return trainClassifierCommand(argv.slice(1));
    const { values } = parseFlags(argv, FLAGS);
    // the CNN learns the whole energy range: a flat signal spectrum unless the config file says otherwise
    const cfg = loadConfig([values.config], {}, { simulation: { signalSpectrum: 'flat' } });
    const g = cfg.detector;
    const nEvents = intFlag(values.events, 'events', 40_000, 20);
    const seed = intFlag(values.seed, 'seed', 1001);
    const evalSeed = intFlag(values['eval-seed'], 'eval-seed', 1);
    if (evalSeed === seed)
      throw new UsageError('--eval-seed must differ from --seed (evaluation events must be fresh)');
    const nEval = intFlag(values['eval-events'], 'eval-events', 20_000);
    const size = intFlag(values.size, 'size', DEFAULT_INPUT_SPEC.size, 8, 256);
    const width = intFlag(values.width, 'width', 8, 1, 256);
    const windowCm = numFlag(values['window-cm'], 'window-cm', DEFAULT_WINDOW_CM, 0.5, 90);
    const featureFlag = values.features ?? 'moments+signal';
    if (featureFlag !== 'none' && !FEATURE_SETS.includes(featureFlag as FeatureSet))
      throw new UsageError(`--features must be none or one of ${FEATURE_SETS.join(', ')}`);
    const out = values.out ?? `models/cnn-${size}-w${width}`;
    const calibrationEvents = intFlag(values['calibration-events'], 'calibration-events', 30_000, 0);
    if (values['calibrate-only']) return calibrateOnly(out, cfg, values.backend, calibrationEvents, seed + 1);
    const train = trainConfigOf(values, seed);
    const backend = await selectBackend((values.backend ?? cfg.reconstruction.backend) as BackendChoice);
    process.stderr.write(
      `backend ${backend.backend}${backend.wasm ? ` (simd ${backend.wasm.simd}, threads ${backend.wasm.threadCount})` : ''}\n`,
    );
    const spec = { ...inputSpecFor(g, size, windowCm), ...(values['coarse-only'] ? {} : { core: true }) };
    const architecture = { width, blocks: 3, denseUnits: 64 };
    const name = out.split('/').filter(Boolean).pop() ?? 'cnn';
    const result = await runTraining(
      {
        geometry: g,
        simulation: cfg.simulation,
        name,
        out,
        events: nEvents,
        seed,
        validationFraction: 0.1,
        spec,
        architecture,
        ...(featureFlag === 'none' ? {} : { features: featureFlag as FeatureSet }),
        train,
        evalEvents: nEval,
        evalSeed,
        calibrationEvents,
        stackedTreeEvents: intFlag(values['stack-trees'], 'stack-trees', 0, 0),
        reconstruction: reconstructorConfig(cfg.reconstruction),
      },
      { log: (line) => process.stderr.write(`${line}\n`), onEpoch: (r) => process.stderr.write(fmt(r)) },
    );
    const row = writeOutputs({
      argv,
      out,
      name,
      size,
      width,
      spec,
      geometry: g,
      architecture,
      train,
      events: nEvents,
      seed,
      evalEvents: nEval,
      evalSeed,
      backend: backend.backend,
      simulation: cfg.simulation,
      result,
      results: values.results,
    });
    process.stdout.write(
      JSON.stringify({ model: out, bestEpoch: result.best.epoch, val: result.best.val, eval: row ?? null }) +
        '\n',
    );
    return 0;
  },
};

/** Appends (or replaces, by name) the variant's row in the results file and rewrites its markdown table. */
function appendResult(file: string, row: CnnVariantResult): void {
  const rows = (
    existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CnnVariantResult[]) : []
  ).filter((r) => r.name !== row.name);
  rows.push(row);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(rows, null, 2) + '\n');
  writeFileSync(file.replace(/\.json$/, '.md'), paretoMarkdown(rows));
}

/** What a finished training run writes: the evaluation line, the model card, the results row. */
interface Finished {
  readonly argv: readonly string[];
  readonly out: string;
  readonly name: string;
  readonly size: number;
  readonly width: number;
  readonly spec: InputSpec;
  readonly geometry: DetectorGeometry;
  readonly architecture: NetArchitecture;
  readonly train: TrainConfig;
  readonly events: number;
  readonly seed: number;
  readonly evalEvents: number;
  readonly evalSeed: number;
  readonly backend: string;
  readonly simulation: SimulationConfig;
  readonly result: Awaited<ReturnType<typeof runTraining>>;
  readonly results: string | undefined;
}

function writeOutputs(f: Finished): CnnVariantResult | undefined {
  const { argv, out, name, size, width, spec, architecture, train, seed, evalSeed, result } = f;
  const g = f.geometry;
  const nEvents = f.events;
  const nEval = f.evalEvents;
  const e = result.evaluation;
  if (e !== undefined) {
    process.stderr.write(
      `evaluation on ${nEval} fresh events (seed ${evalSeed}; identical frames shared with training: ${e.identicalToTraining}): ` +
        `σ(ΔE/E) ${e.sigmaERel.toFixed(4)} σ(d) ${e.sigmaDCm.toFixed(4)} cm; inference batch 64: ${e.inferenceMsPerEvent.toFixed(4)} ms/event (${e.inferenceEventsPerSecond.toFixed(0)} events/s)\n`,
    );
  }
  const parameters = countParams(out);
  const command = `showertrig train ${argv.join(' ')}`.trim();
  writeFileSync(
    join(out, 'MODEL_CARD.md'),
    modelCard({
      name,
      command,
      spec,
      pixelPitchMm: g.pixelPitchMm,
      architecture,
      train,
      events: nEvents,
      seed,
      evalEvents: nEval,
      evalSeed,
      backend: f.backend,
      parameters,
      simulation: f.simulation,
      result,
    }),
  );
  const row: CnnVariantResult | undefined = e && {
    name,
    size,
    width,
    windowCm: (spec.size * spec.pixelsPerBin * g.pixelPitchMm) / 10,
    parameters,
    trainEvents: nEvents,
    trainSeed: seed,
    epochs: result.reports.length,
    trainSeconds: result.trainSeconds,
    backend: f.backend,
    evalEvents: nEval,
    evalSeed,
    sigmaERel: e.sigmaERel,
    sigmaDCm: e.sigmaDCm,
    meanERel: e.meanERel,
    meanDCm: e.meanDCm,
    inferenceEventsPerSecond: e.inferenceEventsPerSecond,
    inferenceMsPerEvent: e.inferenceMsPerEvent,
    measuredAt: new Date().toISOString(),
  };
  if (f.results !== undefined && row !== undefined) appendResult(f.results, row);
  return row;
}

/** The training hyper-parameters from the flags (defaults: DEFAULT_TRAIN). */
function trainConfigOf(
  values: ReturnType<typeof parseFlags<typeof FLAGS>>['values'],
  seed: number,
): TrainConfig {
  return {
    ...DEFAULT_TRAIN,
    seed,
    epochs: intFlag(values.epochs, 'epochs', 20, 1),
    batchSize: intFlag(values.batch, 'batch', 64, 1, 4096),
    learningRate: numFlag(values.lr, 'lr', DEFAULT_TRAIN.learningRate, 1e-6, 1),
    patience: intFlag(values.patience, 'patience', DEFAULT_TRAIN.patience, 1),
    l2Initial: numFlag(values.l2, 'l2', DEFAULT_TRAIN.l2Initial, 0, 1),
    l2HalvingEpochs: intFlag(values['l2-halving'], 'l2-halving', DEFAULT_TRAIN.l2HalvingEpochs, 1),
  };
}

/** `--calibrate-only`: refits the energy calibration stored in the model in `out`. */
async function calibrateOnly(
  out: string,
  cfg: ReturnType<typeof loadConfig>,
  backend: string | undefined,
  calibrationEvents: number,
  calibrationSeed: number,
): Promise<number> {
  await selectBackend((backend ?? cfg.reconstruction.backend) as BackendChoice);
  const c = await calibrateModelDirectory(
    out,
    cfg.detector,
    cfg.simulation,
    calibrationEvents,
    calibrationSeed,
    reconstructorConfig(cfg.reconstruction),
  );
  process.stdout.write(
    JSON.stringify({ model: out, calibrationEvents, calibrationSeed, calibration: c }) + '\n',
  );
  return 0;
}

function countParams(dir: string): number {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
    weightsManifest: { weights: { name: string; shape: number[] }[] }[];
  };
  // Trainable and batch-norm moving statistics alike: everything stored in weights.bin.
  return json.weightsManifest
    .flatMap((g) => g.weights)
    .reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
}
