/**
 * `showertrig train classifier`: trains the event classifier on simulated classes, stores it
 * beside the CNN (classifier.json + CLASSIFIER_CARD.md in the model directory), writes
 * reports/classifier.md with its plots, and optionally exports the feature rows for the Python
 * references (scripts/classifier_reference.py).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifierApp, loadCnnModel, resolveModelDir } from '../app/index.js';
import { loadConfig } from '../config-file/index.js';
import { intFlag, parseFlags, UsageError } from './args.js';

export const CLASSIFIER_USAGE = `usage: showertrig train classifier [--events N] [--eval-events N] [--seed S] [--eval-seed S] [--model DIR]
                        [--no-mlp] [--report DIR] [--export DIR] [--config FILE]
  --events N        simulated events per class for training (default 6000; 10 % of the reconstructed ones validate)
  --eval-events N   fresh events per class (seed --eval-seed) for the ROC, working point and plots (default 6000)
  --model DIR       model directory: reads the CNN there, writes classifier.json + CLASSIFIER_CARD.md (default: config reconstruction.modelDir)
  --report DIR      where classifier.md and its SVGs go (default reports)
  --export DIR      also write the training and evaluation feature rows (CSV) for scripts/classifier_reference.py`;

export async function trainClassifierCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    events: { type: 'string' },
    'eval-events': { type: 'string' },
    seed: { type: 'string' },
    'eval-seed': { type: 'string' },
    model: { type: 'string' },
    report: { type: 'string' },
    export: { type: 'string' },
    config: { type: 'string' },
    'no-mlp': { type: 'boolean', default: false },
  });
  const cfg = loadConfig([values.config]);
  const seed = intFlag(values.seed, 'seed', 3001);
  const evalSeed = intFlag(values['eval-seed'], 'eval-seed', 3002);
  if (seed === evalSeed) throw new UsageError('--eval-seed must differ from --seed');
  const modelDir = resolveModelDir(values.model ?? cfg.reconstruction.modelDir);
  const model = await loadCnnModel(modelDir, cfg.detector, cfg.reconstruction.backend);
  const app = await classifierApp();
  const { classifierCard, reconstructorConfig, trainEventClassifier } = app;
  const t0 = performance.now();
  const r = await trainEventClassifier({
    geometry: cfg.detector,
    simulation: cfg.simulation,
    trigger: cfg.trigger,
    model,
    reconstruction: reconstructorConfig(cfg.reconstruction),
    trainEvents: intFlag(values.events, 'events', 6000, 100),
    evalEvents: intFlag(values['eval-events'], 'eval-events', 6000, 100),
    seed,
    evalSeed,
    signalClass: 'signal',
    ratesHz: cfg.simulation.ratesHz,
    windowS: cfg.trigger.excess.windowS,
    ...(values['no-mlp'] ? { mlp: false as const } : {}),
    energyBinsGeV: energyBins(cfg.simulation.energyRangeGeV),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  model.dispose();
  const command = `showertrig train classifier ${argv.join(' ')}`.trim();
  const seconds = (performance.now() - t0) / 1000;
  writeFileSync(join(modelDir, 'classifier.json'), JSON.stringify(r.file) + '\n');
  writeFileSync(join(modelDir, 'CLASSIFIER_CARD.md'), classifierCard(r, command, seconds));
  const ctx = { command, rates: cfg.simulation.ratesHz, windowS: cfg.trigger.excess.windowS, seconds };
  writeReports(app, r, values.report ?? 'reports', ctx);
  if (values.export !== undefined) writeExport(app, r, values.export);
  process.stdout.write(
    JSON.stringify({
      model: modelDir,
      results: r.results.map((x) => ({
        method: x.method,
        auc: x.auc,
        threshold: x.workingPoint.threshold,
        z: x.workingPoint.z,
        signalEfficiency: x.workingPoint.signalEfficiency,
      })),
    }) + '\n',
  );
  return 0;
}

type ClassifierApp = Awaited<ReturnType<typeof classifierApp>>;
type Trained = Awaited<ReturnType<ClassifierApp['trainEventClassifier']>>;

/** DIR/classifier.md, its SVGs and classifier/results.json (the results without their ROC curves). */
function writeReports(
  app: ClassifierApp,
  r: Trained,
  reportDir: string,
  ctx: Parameters<ClassifierApp['classifierMarkdown']>[1] & { command: string },
): void {
  mkdirSync(join(reportDir, 'classifier'), { recursive: true });
  writeFileSync(join(reportDir, 'classifier.md'), app.classifierMarkdown(r, ctx));
  for (const [name, svg] of Object.entries(app.classifierPlots(r)))
    writeFileSync(join(reportDir, 'classifier', name), svg);
  writeFileSync(
    join(reportDir, 'classifier', 'results.json'),
    JSON.stringify(
      { command: ctx.command, results: r.results.map(({ roc: _roc, ...x }) => x), seconds: r.seconds },
      null,
      2,
    ) + '\n',
  );
}

/** DIR/train.csv and eval.csv: the feature rows for the Python references. */
function writeExport(app: ClassifierApp, r: Trained, dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train.csv'), app.featureRowsCsv(r.samples.train, r.file.featureNames));
  writeFileSync(join(dir, 'eval.csv'), app.featureRowsCsv(r.samples.eval, r.file.featureNames, r.evalScores));
}

/** Eight logarithmic bins of true energy over the simulated range (the signal spectrum falls steeply). */
function energyBins([lo, hi]: readonly [number, number]): number[] {
  return Array.from({ length: 9 }, (_, i) => lo * (hi / lo) ** (i / 8));
}
