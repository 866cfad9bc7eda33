/**
 * `showertrig evaluate`: parses flags, runs the evaluation (src/app/evaluation) with the
 * configured CNN, prints the summary and writes the report, the robustness table and the rows for
 * the scikit-learn reference where asked.
 */
import {
  fluctuationText,
  informationFloor,
  loadCnnModel,
  recordingSource,
  robustnessVariants,
  runEvaluation,
  type EvaluationOutcome,
} from '../app/index.js';
import { loadConfig } from '../config-file/index.js';
import { reconstructorConfig } from '../reconstruction/index.js';
import { SIGMA_METHOD } from '../report/index.js';
import { EVENT_CLASSES, type EventClass } from '../domain/index.js';
import { intFlag, parseFlags, UsageError, type Command } from './args.js';
import {
  humanSummary,
  robustnessMarkdown,
  writeEvaluationReports,
  writeFeatureExport,
  type RobustnessRow,
} from './evaluate-output.js';

const USAGE = `usage: showertrig evaluate [FILE.avro] [--classes C,...] [--events N] [--seed S] [--train-events N] [--calibration-events N] [--batch B]
                           [--model DIR] [--backend auto|wasm|cpu|...] [--config FILE] [--json] [--out DIR]
                           [--export DIR] [--robustness] [--robustness-events N]
  FILE.avro               score the frames of this recording that carry truth (simulate --out, record) instead of
                          fresh simulated events: the same report, plots and JSON, on the recording's events
  --classes C,...         with FILE: the truth classes to score (default signal; the others are counted and skipped)
  --events N              fresh signal events to evaluate (default 20000); with FILE: at most N of its events (default all)
  --seed S                evaluation seed (default 1); the baselines train on seed + 1000003 and are
                          calibrated on seed + 2000003
  --train-events N        events for the feature baselines (default 40000)
  --calibration-events N  events for the baselines' energy calibration (default 10000)
  --batch B               reconstruction batch size (default: config reconstruction.batchSize)
  --model DIR             CNN model directory (default: config reconstruction.modelDir)
  --backend B             tfjs backend: auto, tensorflow-gpu, tensorflow, wasm, cpu (default: config reconstruction.backend)
  --config FILE           JSON config file (detector, simulation, reconstruction; see config/default.json)
  --json                  print the result as JSON on stdout
  --out DIR               write DIR/evaluation.json, evaluation.md and SVG plots (and robustness.md/json)
  --export DIR            write DIR/train.csv, calibration.csv, test.csv: the baselines' feature rows and truth,
                          and the CNN's predictions on the scored events (scripts/sklearn_reference.py reads them)
  --robustness            also evaluate the model, without retraining, under mis-modelled detector responses
  --robustness-events N   events per robustness variant (default 5000)
  --floor                 also the information floors: the best feature regressor on an ideal readout of the same
                          physics (and with the true d), trained on --train-events, scored on --events fresh showers`;

const FLAGS = {
  events: { type: 'string' },
  seed: { type: 'string' },
  'train-events': { type: 'string' },
  'calibration-events': { type: 'string' },
  batch: { type: 'string' },
  model: { type: 'string' },
  backend: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  out: { type: 'string' },
  export: { type: 'string' },
  robustness: { type: 'boolean', default: false },
  'robustness-events': { type: 'string' },
  floor: { type: 'boolean', default: false },
  classes: { type: 'string' },
} as const;

/** The flags checked, and the configuration they select. */
function parseOptions(argv: readonly string[]) {
  const { values, positionals } = parseFlags(argv, FLAGS, true);
  if (positionals.length > 1)
    throw new UsageError(`expected at most one recording file, got ${positionals.length}`);
  const file = positionals[0];
  if (file === undefined && values.classes !== undefined)
    throw new UsageError('--classes needs a recording FILE.avro');
  const classes = parseClasses(values.classes ?? 'signal');
  // resolutions over the whole energy range: a flat signal spectrum unless the config file says otherwise
  const cfg = loadConfig(
    [values.config],
    values.backend === undefined ? {} : { reconstruction: { backend: values.backend } },
    { simulation: { signalSpectrum: 'flat' } },
  );
  return {
    values,
    file,
    classes,
    cfg,
    events: intFlag(
      values.events,
      'events',
      file === undefined ? 20000 : 1_000_000_000,
      file === undefined ? 100 : 1,
      1_000_000_000,
    ),
    seed: intFlag(values.seed, 'seed', 1, 0, 2 ** 31),
    trainEvents: intFlag(values['train-events'], 'train-events', 40000, 200, 10_000_000),
    calibrationEvents: intFlag(values['calibration-events'], 'calibration-events', 10000, 100, 10_000_000),
    batchSize: intFlag(values.batch, 'batch', cfg.reconstruction.batchSize, 1, 65536),
    robustnessEvents: intFlag(values['robustness-events'], 'robustness-events', 5000, 100, 10_000_000),
    modelDir: values.model ?? cfg.reconstruction.modelDir,
  };
}
type Options = ReturnType<typeof parseOptions>;

const LABEL = 'CNN';

export const command: Command = {
  name: 'evaluate',
  summary: 'resolutions of the reconstruction vs the strongest baselines on fresh signal events',
  usage: USAGE,
  async run(argv) {
    const o = parseOptions(argv);
    const { values, file, classes, cfg, events, seed, trainEvents, calibrationEvents } = o;
    const g = cfg.detector;
    const model = await loadCnnModel(o.modelDir, g, cfg.reconstruction.backend);
    const progress = progressLine();
    const common = {
      geometry: g,
      reconstruction: reconstructorConfig(cfg.reconstruction),
      model,
      primaryLabel: LABEL,
      seed,
      trainEvents,
      calibrationEvents,
      batchSize: o.batchSize,
      progress,
    };
    const source = file === undefined ? undefined : await recordingSource(file, classes, events);
    let outcome: EvaluationOutcome;
    try {
      outcome = await runEvaluation({
        ...common,
        simulation: cfg.simulation,
        events,
        ...(source === undefined ? {} : { source }),
      });
    } finally {
      await source?.close();
    }
    const command = `showertrig evaluate ${argv.join(' ')}`.trim();
    const notes = reportNotes(o, command, model.info, outcome, source?.stats);
    const floor = values.floor
      ? await informationFloor(g, cfg.simulation, {
          trainEvents,
          calibrationEvents,
          testEvents: events,
          seed,
          progress,
        })
      : undefined;
    const report = { ...outcome.report, notes, ...(floor === undefined ? {} : { floor }) };
    const result = {
      command: 'evaluate',
      events: outcome.eventsScored,
      seed,
      ...(file === undefined ? {} : { recording: { path: file, classes, ...source!.stats } }),
      events_ok: outcome.eventsOk,
      status_counts: outcome.statusCounts,
      sigma_method: SIGMA_METHOD,
      model: { dir: o.modelDir, name: model.info.name, backend: model.info.backend },
      events_per_second: outcome.eventsPerSecond,
      efficiency: report.efficiency,
      targets: report.targets,
      energy_vertex: outcome.energyVertex,
      transverse: outcome.transverse,
      ...(floor === undefined ? {} : { floor }),
    };
    const robustness = values.robustness ? await robustnessRows(o, common, outcome.baselines, progress) : [];
    progress.done();
    model.dispose();
    const robustnessMd = (): string => robustnessMarkdown(robustness, o.robustnessEvents, seed + 7, command);
    if (values.out !== undefined)
      writeEvaluationReports(values.out, result, report, outcome.residuals, robustness, robustnessMd);
    if (values.export !== undefined) writeFeatureExport(values.export, outcome);
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else process.stdout.write(humanSummary(outcome, floor) + (robustness.length > 0 ? robustnessMd() : ''));
    return 0;
  },
};

/** The model, without retraining and with the nominal baselines, under each mis-modelled detector response. */
async function robustnessRows(
  o: Options,
  common: Omit<Parameters<typeof runEvaluation>[0], 'simulation' | 'events'>,
  baselines: EvaluationOutcome['baselines'],
  progress: (msg: string) => void,
): Promise<RobustnessRow[]> {
  const { cfg } = o;
  const rows: RobustnessRow[] = [];
  for (const v of await robustnessVariants(cfg.detector, cfg.simulation, cfg.reconstruction.hotPixels)) {
    progress(`robustness: ${v.name}`);
    const r = await runEvaluation({
      ...common,
      simulation: v.simulation,
      events: o.robustnessEvents,
      seed: o.seed + 7,
      baselines,
      ...(v.transform ? { transform: v.transform } : {}),
    });
    rows.push({ name: v.name, outcome: r, ...(v.note === undefined ? {} : { note: v.note }) });
  }
  return rows;
}

/** The report's notes: command, primary method, baselines, events, statuses, speed, detector response. */
function reportNotes(
  o: Options,
  command: string,
  info: { name: string; backend: string },
  outcome: EvaluationOutcome,
  stats: Awaited<ReturnType<typeof recordingSource>>['stats'] | undefined,
): string[] {
  const { cfg, seed } = o;
  return [
    `command: \`${command}\``,
    `primary: ${LABEL} (${info.name}, ${o.modelDir}, backend ${info.backend}) for E and d; DBSCAN (eps ${cfg.reconstruction.dbscanEpsMm} mm, min ${cfg.reconstruction.dbscanMinHits} hits) + straight-line track as the seed of the station-combined origin for X, Y`,
    `baselines trained on ${o.trainEvents} events (seed ${seed + 1_000_003}), energy-calibrated on ${o.calibrationEvents} (seed ${seed + 2_000_003}); the CNN carries its own calibration from its validation sample`,
    ...(stats === undefined
      ? []
      : [
          `events: the ${o.classes.join(', ')} frames with truth of ${o.file} (${stats.frames} frames read; skipped: ${stats.noTruth} without truth, others by class ${JSON.stringify(stats.otherClass)}); the baselines train on fresh simulated events of this configuration`,
        ]),
    `events reconstructed ok: ${outcome.eventsOk}/${outcome.eventsScored}; statuses ${JSON.stringify(outcome.statusCounts)}`,
    `reconstruction speed: ${outcome.eventsPerSecond.toFixed(0)} events/s (batch ${o.batchSize}, one process, shared machine)`,
    `detector response: ${JSON.stringify(cfg.simulation.response)}; shower fluctuations ${cfg.simulation.countFluctuation}${fluctuationText(cfg.simulation)}; dark noise ${cfg.simulation.darkHitsPerStation} hits/station`,
  ];
}

function parseClasses(flag: string): EventClass[] {
  const out = flag
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  for (const c of out)
    if (!(EVENT_CLASSES as readonly string[]).includes(c))
      throw new UsageError(`--classes: unknown class '${c}' (one of ${EVENT_CLASSES.join(', ')})`);
  if (out.length === 0) throw new UsageError('--classes: at least one class');
  return out as EventClass[];
}

/** A progress line on stderr, rewritten at most every 500 ms. */
function progressLine(): ((msg: string) => void) & { done(): void } {
  let last = 0;
  const f = (msg: string): void => {
    const now = performance.now();
    if (now - last < 500) return;
    last = now;
    process.stderr.write(`\r${msg}`.padEnd(60));
  };
  return Object.assign(f, { done: () => process.stderr.write('\n') });
}
