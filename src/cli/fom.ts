/**
 * `showertrig fom`: the trigger's figure of merit. Pools of reconstructed events per class (the
 * real reconstruction), the selection's decision for each under three configurations (the cut
 * list, the classifier at its working point, and the floor: a selection given the true class
 * but only reconstructed events), then seeded streams through the real excess stage: the minimum
 * detectable excess and the false-alarm rate per configuration (src/app/fom).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  classifierApp,
  fomMarkdown,
  fomPlot,
  loadCnnModel,
  resolveModelDir,
  type FomRow,
} from '../app/index.js';
import { falseAlarms, minimumDetectableExcess, type ClassPool, type StreamPlan } from '../app/index.js';
import { loadConfig } from '../config-file/index.js';
import { intFlag, numFlag, parseFlags, type Command } from './args.js';

const USAGE = `usage: showertrig fom [--events N] [--seed S] [--runs R] [--goal 0.9] [--hours H] [--injection-s 30]
                     [--threshold T] [--model DIR] [--report DIR] [--config FILE]
  --events N        simulated + reconstructed events per class for the pools (default 3000)
  --seed S          seed of the pools (default 4001)
  --runs R          seeded injection runs per factor (default 20)
  --goal F          detected fraction of the runs that counts as detected (default 0.9)
  --hours H         simulated background-only hours per configuration for the false-alarm rate (default 2)
  --injection-s T   length of the injected excess, s (default 30)
  --threshold T     classifier working point (default: the one stored in classifier.json)
  --model DIR       model directory with the CNN and classifier.json (default: config reconstruction.modelDir)
  --report DIR      where fom.md, fom.json and fom/mde.svg go (default reports)
  --config FILE     JSON config file (rates, trigger, detector; see config/default.json)`;

export const command: Command = {
  name: 'fom',
  summary:
    "the trigger's figure of merit: minimum detectable excess and false-alarm rate, cuts vs classifier",
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      events: { type: 'string' },
      seed: { type: 'string' },
      runs: { type: 'string' },
      goal: { type: 'string' },
      hours: { type: 'string' },
      'injection-s': { type: 'string' },
      threshold: { type: 'string' },
      model: { type: 'string' },
      report: { type: 'string' },
      config: { type: 'string' },
    });
    const cfg = loadConfig([values.config]);
    const events = intFlag(values.events, 'events', 3000, 50);
    const seed = intFlag(values.seed, 'seed', 4001);
    const runs = intFlag(values.runs, 'runs', 20, 1);
    const goal = numFlag(values.goal, 'goal', 0.9, 0.01, 1);
    const hours = numFlag(values.hours, 'hours', 2, 0.01, 1000);
    const injectionS = numFlag(values['injection-s'], 'injection-s', 30, 1, 3600);
    const modelDir = resolveModelDir(values.model ?? cfg.reconstruction.modelDir);
    const { createEventClassifier, parseClassifierFile, reconstructorConfig } = await classifierApp();
    const file = parseClassifierFile(readFileSync(join(modelDir, 'classifier.json'), 'utf8'));
    const clf = createEventClassifier(
      file,
      'gbt',
      values.threshold === undefined ? undefined : numFlag(values.threshold, 'threshold', 0.5, 0, 1),
    );
    const model = await loadCnnModel(modelDir, cfg.detector, cfg.reconstruction.backend);
    const { buildClassSamples } = await classifierApp();
    const t0 = performance.now();
    const s = await buildClassSamples({
      geometry: cfg.detector,
      simulation: cfg.simulation,
      trigger: cfg.trigger,
      model,
      reconstruction: reconstructorConfig(cfg.reconstruction),
      eventsPerClass: events,
      seed,
      progress: (d, n) => {
        if (d === n || d % 2048 === 0)
          process.stderr.write(`pools: ${d}/${n} events simulated and reconstructed\n`);
      },
    });
    model.dispose();
    const n = s.label.length;
    const decisions: Record<string, Uint8Array> = {
      cuts: s.cutSelected,
      classifier: new Uint8Array(n),
      'floor (true class)': new Uint8Array(n),
    };
    const probs = new Float64Array(s.classes.length);
    const sig = s.classes.indexOf('signal');
    for (let k = 0; k < s.okIndex.length; k++) {
      const i = s.okIndex[k]!;
      clf.probabilities(s.features.subarray(k * s.nFeatures, (k + 1) * s.nFeatures), probs);
      decisions['classifier']![i] = probs[sig]! >= clf.threshold ? 1 : 0;
      decisions['floor (true class)']![i] = s.label[i] === sig ? 1 : 0;
    }
    const e = cfg.trigger.excess;
    const rows: FomRow[] = [];
    for (const [name, d] of Object.entries(decisions)) {
      const pools: ClassPool[] = s.classes.map((c, ci) => ({
        name: c,
        rateHz: cfg.simulation.ratesHz[c],
        selected: d.filter((_, i) => s.label[i] === ci),
      }));
      const plan: StreamPlan = {
        pools,
        signalClass: 'signal',
        excess: e,
        injectionStartS: e.trailingWindowS + e.windowS + 10,
        injectionS,
        settleS: e.windowS + 5,
      };
      const mde = minimumDetectableExcess(plan, runs, goal, 10_000, undefined, (f, k, r) =>
        process.stderr.write(`${name}: factor ${f}: detected ${k}/${r}\n`),
      );
      const fa = falseAlarms(plan, hours, 20_000, 1800, (done, total) =>
        process.stderr.write(
          `${name}: background-only ${(done / 3600).toFixed(2)}/${(total / 3600).toFixed(2)} h\n`,
        ),
      );
      const selectedHz = Object.fromEntries(
        pools.map((p) => [p.name, (p.rateHz * p.selected.reduce((a, b) => a + b, 0)) / p.selected.length]),
      );
      rows.push({ name, mde, falseAlarms: fa, selectedHz });
      process.stderr.write(
        `${name}: MDE ${mde.factor ?? 'none on the grid'}; false alarms ${fa.windowAlerts} window / ${fa.cusumAlerts} CUSUM in ${fa.hours} h\n`,
      );
    }
    const commandLine = `showertrig fom ${argv.join(' ')}`.trim();
    const dir = values.report ?? 'reports';
    mkdirSync(join(dir, 'fom'), { recursive: true });
    const ctx = {
      command: commandLine,
      events,
      seed,
      runs,
      goal,
      injectionS,
      threshold: clf.threshold,
      rates: cfg.simulation.ratesHz,
      excess: e,
      minutes: (performance.now() - t0) / 60000,
    };
    writeFileSync(join(dir, 'fom.md'), fomMarkdown(rows, ctx));
    writeFileSync(join(dir, 'fom', 'mde.svg'), fomPlot(rows, goal));
    writeFileSync(join(dir, 'fom.json'), JSON.stringify({ ...ctx, rows }, null, 2) + '\n');
    process.stdout.write(
      JSON.stringify(
        rows.map((r) => ({
          name: r.name,
          mde: r.mde.factor ?? null,
          falseAlarmsPerHour: r.falseAlarms.windowPerHour,
        })),
      ) + '\n',
    );
    return 0;
  },
};
