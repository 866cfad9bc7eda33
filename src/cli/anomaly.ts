/**
 * `showertrig anomaly <train|calibrate|evaluate|export>`: the model-independent trigger path.
 * train: the autoencoder on ordinary simulated events (no exotic class) plus the rate-budget
 * calibration; calibrate: a new threshold for a stored model; evaluate: per exotic class
 * efficiency at the budget and AUC against the cut path, to reports/; export: the images for
 * the Keras reference (scripts/anomaly_keras_reference.py).
 */
import { anomalyApp } from '../app/index.js';
import { parseInjectFlag, type BackendChoice } from '../config/index.js';
import { loadConfig } from '../config-file/index.js';
import type { ScoreMode } from '../anomaly/index.js';
import { intFlag, numFlag, parseFlags, UsageError, type Command } from './args.js';
import { runAnomalyDrift, runAnomalyEvaluate, runAnomalyExport } from './anomaly-evaluate.js';
import { runAnomalyDq, runAnomalyStudent } from './anomaly-online.js';

const USAGE = `usage: showertrig anomaly train [--events N] [--val-events N] [--epochs E] [--batch B] [--lr X] [--latent L]
                                [--calibration-events N] [--budget-hz HZ] [--out DIR] [--seed S] [--config FILE]
       showertrig anomaly calibrate [--model DIR] [--events N] [--budget-hz HZ] [--seed S] [--config FILE]
       showertrig anomaly evaluate [--model DIR] [--events N] [--background-events N] [--out DIR] [--seed S]
                                   [--cut-model DIR] [--keras FILE.json] [--config FILE]
       showertrig anomaly drift [--model DIR] --inject class:rate:start:duration [--duration S] [--window S] [--out DIR]
       showertrig anomaly student [--model DIR] [--events N] [--calibration-events N] [--val-events N]
                                 [--background-events N]
       showertrig anomaly dq [--model DIR] [--inject class:rate:start:duration] [--duration S]
       showertrig anomaly export [--model DIR] [--events N] [--background-events N] [--train-events N] [--val-events N]
                                 [--calibration-events N] --out DIR
  train:      ordinary mix only (config simulation.ratesHz: signal, neutrino, muon, noise), default
              12000 training + 2000 validation events, 8 epochs, batch 64, lr 0.002, latent 32;
              then the threshold for anomaly.budgetHz on --calibration-events (default 20000) fresh events
  calibrate:  re-calibrates a stored model (new budget, mix or sample) on fresh ordinary events (seed S)
  evaluate:   per exotic class (--events each, default 1000) and ordinary background (default 20000):
              efficiency at the budget, ROC and AUC of the autoencoder and of the cut path; writes
              DIR/anomaly.json, anomaly.md and SVG plots (default reports/)
  drift:      the simulated stream with the injection (e.g. noisy-burst:85:60:60), scored in time order: when the
              per-station KS distance to the calibration reference (window --window s, default 10) first exceeds
              its critical value (alpha 0.001) and which station it names; the rate over threshold vs 3 x budget
  student:    distils the autoencoder into boosted trees (the online scorer, DIR/student.json) on --events ordinary
              events (default 20000, no exotic class) scored by the autoencoder, plus a novelty term (Mahalanobis
              distance of the same features from the ordinary ones; trees do not extrapolate to the tail they never
              saw), the student's own threshold on --calibration-events fresh ones, agreement on --val-events (default
              4000) ordinary and --background-events (default 400) per exotic class (evaluation only, fresh seeds)
  dq:         the online path's data-quality check: the stream with a detector fault (default: each of hot-cluster,
              dead-region, noisy-burst on every event from 20 s to --duration, default 50) through the online
              anomaly stage and its metrics (anomaly.scorer): when the faulty station's drift gauge crosses the
              alert limit, and the other stations' largest drift
  export:     writes the images (float32, NHWC) and labels for the Keras reference
  --events N            train: training events (default 12000); calibrate: calibration events; evaluate,
                        export: events per exotic class
  --val-events N        train, export: validation events (default 2000)
  --epochs E            train: epochs (default 8)
  --batch B             train: events per batch (default 64)
  --lr X                train: learning rate (default 0.002)
  --latent L            train: size of the dense latent code (default 32)
  --calibration-events N  train, export: fresh ordinary events for the threshold (default 20000)
  --budget-hz HZ        train, calibrate: the rate of ordinary events allowed over threshold (default anomaly.budgetHz)
  --out DIR             train: model directory; evaluate, drift: report directory; export: image directory
  --seed S              simulation seed of the command's sample
  --config FILE         JSON config file (rates, detector, anomaly; see config/default.json)
  --score M   train/calibrate: the per-station term and how terms combine, mse[:mean|max],
              relative[:epsilon][:mean|max] or composite[:epsilon[:level]] (default composite:0.6:0.1: per station
              three tests, each over its value at the budget on the calibration sample, the largest kept: the
              squared error over the station's squared log-amplitude + epsilon; the fraction of bins with
              |x - y| > level; the largest single-bin squared error; the score is the largest station term)
  --backend B tfjs backend (default: config reconstruction.backend)`;

/** --score mse[:mean|max] | relative[:epsilon[:mean|max]] | composite[:epsilon[:level]] (default composite:0.6:0.1). */
function parseScore(flag: string | undefined): ScoreMode {
  const parts = (flag ?? 'composite:0.6:0.1').split(':');
  if (parts[0] === 'composite' && parts.length <= 3)
    return {
      kind: 'composite',
      epsilon: numFlag(parts[1], 'score epsilon', 0.6, 0, 1e6),
      level: numFlag(parts[2], 'score level', 0.1, 1e-6, 100),
      combine: 'max',
    };
  const combine =
    parts.at(-1) === 'max' || parts.at(-1) === 'mean' ? (parts.pop() as 'max' | 'mean') : 'mean';
  const [kind, eps] = parts;
  if (kind === 'mse' && eps === undefined) return { kind, combine };
  if (kind === 'relative') return { kind, epsilon: numFlag(eps, 'score epsilon', 1, 0, 1e6), combine };
  throw new UsageError(
    `--score: expected mse[:mean|max], relative[:epsilon][:mean|max] or composite[:epsilon[:level]], got ${JSON.stringify(flag)}`,
  );
}

const FLAGS = {
  events: { type: 'string' },
  'val-events': { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  latent: { type: 'string' },
  'calibration-events': { type: 'string' },
  'budget-hz': { type: 'string' },
  out: { type: 'string' },
  seed: { type: 'string' },
  config: { type: 'string' },
  model: { type: 'string' },
  'background-events': { type: 'string' },
  'train-events': { type: 'string' },
  'cut-model': { type: 'string' },
  keras: { type: 'string' },
  backend: { type: 'string' },
  score: { type: 'string' },
  inject: { type: 'string', multiple: true },
  duration: { type: 'string' },
  window: { type: 'string' },
} as const;

type Values = Record<string, string | string[] | boolean | undefined>;
type App = Awaited<ReturnType<typeof anomalyApp>>;
/** What every action shares (detector, mix, budget, score, progress). */
type Common = Pick<
  Parameters<App['runAnomalyTraining']>[0],
  'geometry' | 'simulation' | 'budgetHz' | 'score' | 'progress'
>;
const flag = (v: Values, k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);

async function runTrain(
  app: App,
  common: Common,
  v: Values,
  o: { seed: number; command: string; out: string },
): Promise<number> {
  const m = await app.runAnomalyTraining({
    ...common,
    ...o,
    trainEvents: intFlag(flag(v, 'events'), 'events', 12_000, 10),
    validationEvents: intFlag(flag(v, 'val-events'), 'val-events', 2000, 10),
    calibrationEvents: intFlag(flag(v, 'calibration-events'), 'calibration-events', 20_000, 0),
    epochs: intFlag(flag(v, 'epochs'), 'epochs', 8, 1, 1000),
    batchSize: intFlag(flag(v, 'batch'), 'batch', 64, 1, 4096),
    learningRate: numFlag(flag(v, 'lr'), 'lr', 0.002, 1e-6, 1),
    latent: intFlag(flag(v, 'latent'), 'latent', 32, 1, 4096),
  });
  process.stdout.write(
    JSON.stringify({
      training: { ...m.meta.training, loss: undefined, valLoss: undefined },
      calibration: m.meta.calibration,
    }) + '\n',
  );
  return 0;
}

export const command: Command = {
  name: 'anomaly',
  summary:
    'the anomaly autoencoder: train, calibrate (rate budget), evaluate on exotic classes, export images',
  usage: USAGE,
  async run(argv) {
    const [action, ...rest] = argv;
    const { values } = parseFlags(rest, FLAGS);
    const cfg = loadConfig(
      [values.config],
      values.inject === undefined ? {} : { simulation: { inject: values.inject.map(parseInjectFlag) } },
    );
    const budgetHz = numFlag(values['budget-hz'], 'budget-hz', cfg.anomaly.budgetHz, 1e-9, 1e6);
    const seed = intFlag(values.seed, 'seed', 1, 0, 2 ** 31);
    const modelDir = values.model ?? cfg.anomaly.modelDir;
    const say = (m: string): void => void process.stderr.write(`${m}\n`);
    const command = `showertrig anomaly ${argv.join(' ')}`;
    await (await anomalyApp()).selectBackend((values.backend ?? cfg.reconstruction.backend) as BackendChoice);
    const app = await anomalyApp();
    const common = {
      geometry: cfg.detector,
      simulation: cfg.simulation,
      budgetHz,
      score: parseScore(values.score),
      progress: say,
    };
    if (action === 'train')
      return runTrain(app, common, values, { seed, command, out: values.out ?? cfg.anomaly.modelDir });
    if (action === 'calibrate') {
      const m = await app.recalibrateAnomalyModel(modelDir, {
        ...common,
        events: intFlag(values.events, 'events', 20_000, 10),
        seed: seed + 1,
        command,
      });
      process.stdout.write(JSON.stringify(m.meta.calibration) + '\n');
      return 0;
    }
    if (action === 'evaluate') return runAnomalyEvaluate(cfg, values, { modelDir, seed, command, say });
    if (action === 'export') {
      if (values.out === undefined) throw new UsageError('anomaly export needs --out DIR');
      return runAnomalyExport(cfg, values, { modelDir, seed, out: values.out, say });
    }
    if (action === 'student')
      return runAnomalyStudent(cfg, values, { modelDir, seed, budgetHz, command, say });
    if (action === 'dq') return runAnomalyDq(cfg, values, { modelDir, say });
    if (action === 'drift')
      return runAnomalyDrift(cfg, values, { modelDir, out: values.out ?? 'reports', command, say });
    throw new UsageError(
      `anomaly: expected train, calibrate, evaluate, drift, student, dq or export, got ${JSON.stringify(action ?? '')}`,
    );
  },
};
