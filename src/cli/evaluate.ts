/**
 * `showertrig evaluate`: parses flags, runs the evaluation (src/app/evaluation) with the
 * configured CNN, prints the summary and writes the report, the robustness table and the rows for
 * the scikit-learn reference where asked.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  featureCsv,
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
import {
  evaluationMarkdown,
  evaluationPlots,
  markdownTable,
  SIGMA_METHOD,
  type EnergyVertexSummary,
} from '../report/index.js';
import { EVENT_CLASSES, type EventClass } from '../domain/index.js';
import { intFlag, parseFlags, UsageError, type Command } from './args.js';

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

export const command: Command = {
  name: 'evaluate',
  summary: 'resolutions of the reconstruction vs the strongest baselines on fresh signal events',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      {
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
      },
      true,
    );
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
    const g = cfg.detector;
    const events = intFlag(
      values.events,
      'events',
      file === undefined ? 20000 : 1_000_000_000,
      file === undefined ? 100 : 1,
      1_000_000_000,
    );
    const seed = intFlag(values.seed, 'seed', 1, 0, 2 ** 31);
    const trainEvents = intFlag(values['train-events'], 'train-events', 40000, 200, 10_000_000);
    const calibrationEvents = intFlag(
      values['calibration-events'],
      'calibration-events',
      10000,
      100,
      10_000_000,
    );
    const batchSize = intFlag(values.batch, 'batch', cfg.reconstruction.batchSize, 1, 65536);
    const robustnessEvents = intFlag(values['robustness-events'], 'robustness-events', 5000, 100, 10_000_000);
    const modelDir = values.model ?? cfg.reconstruction.modelDir;
    const model = await loadCnnModel(modelDir, g, cfg.reconstruction.backend);
    const label = 'CNN';
    const progress = progressLine();
    const common = {
      geometry: g,
      reconstruction: reconstructorConfig(cfg.reconstruction),
      model,
      primaryLabel: label,
      seed,
      trainEvents,
      calibrationEvents,
      batchSize,
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
    const notes = [
      `command: \`${command}\``,
      `primary: ${label} (${model.info.name}, ${modelDir}, backend ${model.info.backend}) for E and d; DBSCAN (eps ${cfg.reconstruction.dbscanEpsMm} mm, min ${cfg.reconstruction.dbscanMinHits} hits) + straight-line track as the seed of the station-combined origin for X, Y`,
      `baselines trained on ${trainEvents} events (seed ${seed + 1_000_003}), energy-calibrated on ${calibrationEvents} (seed ${seed + 2_000_003}); the CNN carries its own calibration from its validation sample`,
      ...(source === undefined
        ? []
        : [
            `events: the ${classes.join(', ')} frames with truth of ${file} (${source.stats.frames} frames read; skipped: ${source.stats.noTruth} without truth, others by class ${JSON.stringify(source.stats.otherClass)}); the baselines train on fresh simulated events of this configuration`,
          ]),
      `events reconstructed ok: ${outcome.eventsOk}/${outcome.eventsScored}; statuses ${JSON.stringify(outcome.statusCounts)}`,
      `reconstruction speed: ${outcome.eventsPerSecond.toFixed(0)} events/s (batch ${batchSize}, one process, shared machine)`,
      `detector response: ${JSON.stringify(cfg.simulation.response)}; shower fluctuations ${cfg.simulation.countFluctuation}${fluctuationText(cfg.simulation)}; dark noise ${cfg.simulation.darkHitsPerStation} hits/station`,
    ];
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
      model: { dir: modelDir, name: model.info.name, backend: model.info.backend },
      events_per_second: outcome.eventsPerSecond,
      efficiency: report.efficiency,
      targets: report.targets,
      energy_vertex: outcome.energyVertex,
      transverse: outcome.transverse,
      ...(floor === undefined ? {} : { floor }),
    };
    const robustness: { name: string; outcome: EvaluationOutcome; note?: string }[] = [];
    if (values.robustness) {
      for (const v of await robustnessVariants(g, cfg.simulation, cfg.reconstruction.hotPixels)) {
        progress(`robustness: ${v.name}`);
        const o = await runEvaluation({
          ...common,
          simulation: v.simulation,
          events: robustnessEvents,
          seed: seed + 7,
          baselines: outcome.baselines,
          ...(v.transform ? { transform: v.transform } : {}),
        });
        robustness.push({ name: v.name, outcome: o, ...(v.note === undefined ? {} : { note: v.note }) });
      }
    }
    progress.done();
    model.dispose();
    if (values.out !== undefined) {
      mkdirSync(values.out, { recursive: true });
      writeFileSync(join(values.out, 'evaluation.json'), JSON.stringify(result, null, 2) + '\n');
      writeFileSync(join(values.out, 'evaluation.md'), evaluationMarkdown(report));
      for (const [name, svg] of Object.entries(evaluationPlots(report, outcome.residuals)))
        writeFileSync(join(values.out, name), svg);
      if (robustness.length > 0) {
        writeFileSync(
          join(values.out, 'robustness.md'),
          robustnessMarkdown(robustness, robustnessEvents, seed + 7, command),
        );
        writeFileSync(
          join(values.out, 'robustness.json'),
          JSON.stringify(
            robustness.map((r) => ({
              variant: r.name,
              events_ok: r.outcome.eventsOk,
              energy_vertex: r.outcome.energyVertex.slice(0, 2),
              transverse: r.outcome.transverse.slice(0, 2),
            })),
            null,
            2,
          ) + '\n',
        );
      }
    }
    if (values.export !== undefined) {
      mkdirSync(values.export, { recursive: true });
      writeFileSync(join(values.export, 'train.csv'), featureCsv(outcome.baselines.train));
      writeFileSync(join(values.export, 'calibration.csv'), featureCsv(outcome.calibrationSample));
      writeFileSync(
        join(values.export, 'test.csv'),
        featureCsv(outcome.test, {
          cnn_energy_gev: outcome.test.primaryEnergyGeV,
          cnn_d_cm: outcome.test.primaryDCm,
        }),
      );
    }
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else
      process.stdout.write(
        humanSummary(outcome, floor) +
          (robustness.length > 0 ? robustnessMarkdown(robustness, robustnessEvents, seed + 7, command) : ''),
      );
    return 0;
  },
};

function humanSummary(o: EvaluationOutcome, floor: readonly EnergyVertexSummary[] = []): string {
  const lines = [
    `evaluated ${o.report.efficiency.reduce((a, b) => a + b.n, 0)} signal events (${o.eventsOk} ok), ${o.eventsPerSecond.toFixed(0)} events/s`,
  ];
  for (const m of [...o.energyVertex, ...floor])
    lines.push(
      `${m.name.padEnd(34)} σ(ΔE/E) ${m.energy.sigma.toFixed(4)} (std ${m.energy.std.toFixed(4)}, 68 % ${m.energy.half_width_68.toFixed(4)})  σ(d) ${m.d.sigma.toFixed(4)} cm (std ${m.d.std.toFixed(4)}, 68 % ${m.d.half_width_68.toFixed(4)})`,
    );
  for (const m of o.transverse)
    lines.push(
      `${m.name.padEnd(50)} σ(X) ${m.x.sigma.toFixed(4)} cm (std ${m.x.std.toFixed(4)})  σ(Y) ${m.y.sigma.toFixed(4)} cm (std ${m.y.std.toFixed(4)})`,
    );
  for (const t of o.report.targets)
    lines.push(
      `target ${t.quantity} ${t.metric}: ${t.value.toFixed(4)} / ${t.referenceValue.toFixed(4)} (${t.reference}) = ${(t.value / t.referenceValue).toFixed(3)} ${t.pass ? 'met' : 'NOT met'}`,
    );
  return lines.join('\n') + '\n';
}

function robustnessMarkdown(
  rows: { name: string; outcome: EvaluationOutcome; note?: string }[],
  n: number,
  seed: number,
  command: string,
): string {
  const table = markdownTable(
    [
      'variant',
      'ok',
      'σ(ΔE/E)',
      'std',
      'bias ΔE/E',
      'σ(d) cm',
      'bias d cm',
      'σ(X) cm',
      'std X',
      'bias X cm',
      'σ(Y) cm',
      'GBT σ(ΔE/E)',
      'GBT bias ΔE/E',
    ],
    rows.map(({ name, outcome }) => {
      const [c, b] = outcome.energyVertex;
      const t = outcome.transverse[0]!;
      return [
        name,
        outcome.eventsOk,
        c!.energy.sigma,
        c!.energy.std,
        c!.energy.mean,
        c!.d.sigma,
        c!.d.mean,
        t.x.sigma,
        t.x.std,
        t.x.mean,
        t.y.sigma,
        b!.energy.sigma,
        b!.energy.mean,
      ];
    }),
  );
  return [
    '# Robustness: the default model under a mis-modelled detector (no retraining)',
    '',
    `- command: \`${command}\`; ${n} fresh signal events per variant (seed ${seed}); the baselines are those of the nominal evaluation (trained on the nominal simulation).`,
    '- σ is the 3σ-clipped σ; bias is the plain mean of the residual. GBT = gradient-boosted trees on the rich features (rings, thresholds, core widths, station ratios).',
    ...rows.flatMap((r) => (r.note === undefined ? [] : [`- ${r.name}: ${r.note}.`])),
    '',
    table,
  ].join('\n');
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
