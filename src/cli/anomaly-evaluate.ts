/**
 * The file side of `showertrig anomaly evaluate` and `anomaly export`: runs the measurement
 * (src/app/anomaly) and writes the report, the plots, the JSON row and the images for the
 * Keras reference.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { anomalyApp, loadCnnModel, loadEventClassifier, type KerasReference } from '../app/index.js';
import type { ShowertrigConfig } from '../config/index.js';
import { EXOTIC_CLASSES } from '../domain/index.js';
import { scatterChart } from '../report/index.js';
import { intFlag } from './args.js';

type Values = Record<string, string | string[] | boolean | undefined>;
const str = (v: Values, k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);

export async function runAnomalyEvaluate(
  cfg: ShowertrigConfig,
  v: Values,
  o: { modelDir: string; seed: number; command: string; say: (m: string) => void },
): Promise<number> {
  const app = await anomalyApp();
  const model = await app.loadAnomalyModel(o.modelDir);
  const recoDir = str(v, 'cut-model') ?? cfg.reconstruction.modelDir;
  const cnn = await loadCnnModel(recoDir, cfg.detector, cfg.reconstruction.backend);
  // The classifier path: the model directory's event classifier at its configured working point.
  const sel = cfg.trigger.selection;
  const classifier = await loadEventClassifier(recoDir, sel.classifier, sel.classifierThreshold);
  if (classifier === undefined)
    o.say(`no classifier.json in ${recoDir}: the classifier path is not measured`);
  const ev = await app.evaluateAnomaly({
    cfg,
    model,
    cnn,
    ...(classifier === undefined ? {} : { classifier }),
    seed: o.seed,
    progress: o.say,
    events: intFlag(str(v, 'events'), 'events', 1000, 10),
    backgroundEvents: intFlag(str(v, 'background-events'), 'background-events', 20_000, 100),
  });
  const kerasPath = str(v, 'keras');
  const keras =
    kerasPath !== undefined && existsSync(kerasPath)
      ? (JSON.parse(readFileSync(kerasPath, 'utf8')) as KerasReference)
      : undefined;
  const out = str(v, 'out') ?? 'reports';
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'anomaly.md'), app.anomalyMarkdown(ev, model.meta, o.command, keras));
  for (const [name, svg] of Object.entries(app.anomalyPlots(ev))) writeFileSync(join(out, name), svg);
  const json = {
    ...ev,
    backgroundScores: undefined,
    classScores: undefined,
    classes: ev.classes.map((c) => ({ ...c, roc: undefined })),
    keras,
  };
  writeFileSync(join(out, 'anomaly.json'), JSON.stringify(json, null, 2) + '\n');
  process.stdout.write(JSON.stringify(json) + '\n');
  return 0;
}

/**
 * Images for the Keras reference: DIR/<name>.f32 (float32 little-endian, N × H × W × C) for the
 * training and validation samples (the same seeds as `anomaly train`), the calibration sample,
 * the ordinary test sample and every exotic class (the same seeds as `anomaly evaluate`), and
 * DIR/meta.json with the spec, the counts and the budget pass fraction.
 */
export async function runAnomalyExport(
  cfg: ShowertrigConfig,
  v: Values,
  o: { modelDir: string; seed: number; out: string; say: (m: string) => void },
): Promise<number> {
  const app = await anomalyApp();
  const model = await app.loadAnomalyModel(o.modelDir);
  const { spec, training } = model.meta;
  const g = cfg.detector;
  const sim = cfg.simulation;
  const S = app.ANOMALY_SEEDS;
  const events = intFlag(str(v, 'events'), 'events', 1000, 10);
  const bg = intFlag(str(v, 'background-events'), 'background-events', 20_000, 100);
  const trainEvents = intFlag(str(v, 'train-events'), 'train-events', training.trainEvents, 10);
  const trainSeed = 1; // `anomaly train`'s default --seed
  const samples: [string, number, number, (typeof EXOTIC_CLASSES)[number] | undefined][] = [
    ['train', trainEvents, trainSeed + S.train, undefined],
    [
      'validation',
      intFlag(str(v, 'val-events'), 'val-events', training.validationEvents, 10),
      trainSeed + S.validation,
      undefined,
    ],
    [
      'calibration',
      intFlag(str(v, 'calibration-events'), 'calibration-events', model.meta.calibration?.n ?? 20_000, 10),
      trainSeed + S.calibration,
      undefined,
    ],
    ['background', bg, o.seed + S.test, undefined],
    ...EXOTIC_CLASSES.map(
      (c, i) => [c, events, o.seed + S.exotic + 1009 * i, c] as [string, number, number, typeof c],
    ),
  ];
  mkdirSync(o.out, { recursive: true });
  const counts: Record<string, number> = {};
  for (const [name, n, seed, cls] of samples) {
    o.say(`export ${name}: ${n} events`);
    const s = app.anomalySample(g, sim, spec, n, seed, cls, false);
    writeFileSync(
      join(o.out, `${name}.f32`),
      new Uint8Array(s.images.buffer, s.images.byteOffset, s.images.byteLength),
    );
    counts[name] = n;
  }
  const cal = model.meta.calibration;
  writeFileSync(
    join(o.out, 'meta.json'),
    JSON.stringify(
      { spec, counts, exotic: EXOTIC_CLASSES, passFraction: cal?.passFraction, training },
      null,
      2,
    ) + '\n',
  );
  return 0;
}

/**
 * `anomaly drift`: the simulated stream with the configured injection (a fault, typically),
 * scored in time order; writes DIR/anomaly-drift-<class>.json and .svg (KS distance per station
 * against its critical value, and the rate over threshold against 3 x the budget).
 */
export async function runAnomalyDrift(
  cfg: ShowertrigConfig,
  v: Values,
  o: { modelDir: string; out: string; command: string; say: (m: string) => void },
): Promise<number> {
  const app = await anomalyApp();
  const model = await app.loadAnomalyModel(o.modelDir);
  const durationS = intFlag(str(v, 'duration'), 'duration', 180, 10);
  const windowS = intFlag(str(v, 'window'), 'window', 10, 1);
  const run = app.measureDrift(cfg, model, durationS, windowS, 1);
  const name = run.injection?.exotic ?? 'none';
  mkdirSync(o.out, { recursive: true });
  const budget = model.meta.calibration!.budgetHz;
  const colours = ['#1f77b4', '#d62728', '#2ca02c'];
  const series = [0, 1, 2].map((k) => ({
    label: `station ${k} KS distance`,
    colour: colours[k]!,
    points: run.points.map((p) => ({ x: p.tS, y: p.state.perStation[k]! })),
  }));
  const svg = scatterChart(
    {
      title: `Score drift with ${name} injected at ${run.injection?.startS ?? '-'} s (window ${windowS} s)`,
      xLabel: 'event time, s',
      yLabel: 'KS distance / rate over threshold (Hz)',
    },
    [
      ...series,
      {
        label: 'critical distance (alpha 0.001)',
        colour: '#000000',
        points: run.points.map((p) => ({ x: p.tS, y: p.state.critical })),
      },
      {
        label: 'anomaly rate, Hz',
        colour: '#ff7f0e',
        points: run.points.map((p) => ({ x: p.tS, y: p.anomalyRateHz })),
      },
      {
        label: '3 x budget, Hz',
        colour: '#7f7f7f',
        points: run.points.map((p) => ({ x: p.tS, y: 3 * budget })),
      },
    ],
  );
  writeFileSync(join(o.out, `anomaly-drift-${name}.svg`), svg);
  const summary = { ...run, points: undefined, command: o.command, windowS, durationS, budgetHz: budget };
  writeFileSync(
    join(o.out, `anomaly-drift-${name}.json`),
    JSON.stringify({ ...summary, points: run.points }, null, 1) + '\n',
  );
  process.stdout.write(JSON.stringify(summary) + '\n');
  return 0;
}
