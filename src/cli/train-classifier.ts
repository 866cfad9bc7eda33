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
  const {
    classifierCard,
    classifierMarkdown,
    classifierPlots,
    featureRowsCsv,
    reconstructorConfig,
    trainEventClassifier,
  } = await classifierApp();
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
  const reportDir = values.report ?? 'reports';
  mkdirSync(join(reportDir, 'classifier'), { recursive: true });
  const ctx = { command, rates: cfg.simulation.ratesHz, windowS: cfg.trigger.excess.windowS, seconds };
  writeFileSync(join(reportDir, 'classifier.md'), classifierMarkdown(r, ctx));
  for (const [name, svg] of Object.entries(classifierPlots(r)))
    writeFileSync(join(reportDir, 'classifier', name), svg);
  writeFileSync(
    join(reportDir, 'classifier', 'results.json'),
    JSON.stringify(
      { command, results: r.results.map(({ roc: _roc, ...x }) => x), seconds: r.seconds },
      null,
      2,
    ) + '\n',
  );
  if (values.export !== undefined) {
    mkdirSync(values.export, { recursive: true });
    writeFileSync(join(values.export, 'train.csv'), featureRowsCsv(r.samples.train, r.file.featureNames));
    writeFileSync(
      join(values.export, 'eval.csv'),
      featureRowsCsv(r.samples.eval, r.file.featureNames, r.evalScores),
    );
  }
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

/** Eight logarithmic bins of true energy over the simulated range (the signal spectrum falls steeply). */
function energyBins([lo, hi]: readonly [number, number]): number[] {
  return Array.from({ length: 9 }, (_, i) => lo * (hi / lo) ** (i / 8));
}
