/**
 * `showertrig fom`: the trigger's figure of merit. Pools of reconstructed events per class (the
 * real reconstruction), the selection's decision for each under three configurations (the cut
 * list, the classifier at its working point, and the floor: a selection given the true class
 * but only reconstructed events), then seeded streams through the real excess stage: the minimum
 * detectable excess and the false-alarm rate per configuration (src/app/fom).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  classifierApp,
  fomMarkdown,
  fomPlot,
  loadCnnModel,
  resolveModelDir,
  type FomContext,
  type FomRow,
} from '../app/index.js';
import {
  DEFAULT_MDE_SCAN,
  falseAlarms,
  minimumDetectableExcess,
  type ClassPool,
  type StreamPlan,
} from '../app/index.js';
import { loadConfig } from '../config-file/index.js';
import type { ShowertrigConfig } from '../config/index.js';
import { intFlag, numFlag, parseFlags, UsageError, type Command } from './args.js';

const USAGE = `usage: showertrig fom [--events N] [--seed S] [--runs R] [--goal 0.9] [--hours H] [--injection-s 30]
                     [--threshold T] [--classifier K] [--thresholds T1,T2] [--fine-step F] [--pools FILE] [--model DIR] [--report DIR] [--config FILE]
  --events N        simulated + reconstructed events per class for the pools (default 3000)
  --seed S          seed of the pools (default 4001)
  --runs R          seeded injection runs per factor (default 50: with fewer, the 95 % lower bound of
                    an all-detected factor stays below 0.9 and the MDE's upper end is open)
  --goal F          detected fraction of the runs that counts as detected (default 0.9)
  --hours H         simulated background-only hours per configuration for the false-alarm rate (default 2)
  --injection-s T   length of the injected excess, s (default 30)
  --threshold T     classifier working point (default: the one stored in classifier.json)
  --classifier K    which stored classifier: gbt (default), gbt-flat or mlp
  --thresholds L    extra classifier working points, each its own row (e.g. 0.05,0.5)
  --pools FILE      keep the pools (class, cut decision, classifier score per event) in FILE: built and
                    written when FILE is missing, read when it exists (another excess config, same pools)
  --fine-step F     step of the fine scan around the grid's crossing (default 0.05; 0: grid only)
  --model DIR       model directory with the CNN and classifier.json (default: config reconstruction.modelDir)
  --report DIR      where fom.md, fom.json and fom/mde.svg go (default reports)
  --config FILE     JSON config file (rates, trigger, detector; see config/default.json)`;

interface FomOptions {
  readonly events: number;
  readonly seed: number;
  readonly runs: number;
  readonly goal: number;
  readonly hours: number;
  readonly injectionS: number;
  readonly fineStep: number;
  readonly extraThresholds: readonly number[];
}

type ClassifierApp = Awaited<ReturnType<typeof classifierApp>>;
type Samples = Awaited<ReturnType<ClassifierApp['buildClassSamples']>>;
type EventClassifier = ReturnType<ClassifierApp['createEventClassifier']>;
type ClassifierKind = NonNullable<Parameters<ClassifierApp['createEventClassifier']>[1]>;

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
      classifier: { type: 'string' },
      thresholds: { type: 'string' },
      'fine-step': { type: 'string' },
      pools: { type: 'string' },
      model: { type: 'string' },
      report: { type: 'string' },
      config: { type: 'string' },
    });
    const cfg = loadConfig([values.config]);
    const o: FomOptions = {
      events: intFlag(values.events, 'events', 3000, 50),
      seed: intFlag(values.seed, 'seed', 4001),
      runs: intFlag(values.runs, 'runs', 50, 1),
      goal: numFlag(values.goal, 'goal', 0.9, 0.01, 1),
      hours: numFlag(values.hours, 'hours', 2, 0.01, 1000),
      injectionS: numFlag(values['injection-s'], 'injection-s', 30, 1, 3600),
      fineStep: numFlag(values['fine-step'], 'fine-step', DEFAULT_MDE_SCAN.fineStep, 0, 10),
      extraThresholds: (values.thresholds ?? '')
        .split(',')
        .filter((t) => t !== '')
        .map((t) => numFlag(t, 'thresholds', 0.5, 0, 1)),
    };
    const modelDir = resolveModelDir(values.model ?? cfg.reconstruction.modelDir);
    const { createEventClassifier, parseClassifierFile } = await classifierApp();
    const file = parseClassifierFile(readFileSync(join(modelDir, 'classifier.json'), 'utf8'));
    const clf = createEventClassifier(
      file,
      classifierKind(values.classifier),
      values.threshold === undefined ? undefined : numFlag(values.threshold, 'threshold', 0.5, 0, 1),
    );
    const t0 = performance.now();
    const s = await scoredPools(cfg, modelDir, o, clf, values.pools);
    const decisions = selections(s, clf.threshold, o.extraThresholds);
    const rows = Object.entries(decisions).map(([name, d]) => measureRow(name, d, s, cfg, o));
    const ctx: FomContext = {
      command: `showertrig fom ${argv.join(' ')}`.trim(),
      events: o.events,
      seed: o.seed,
      runs: o.runs,
      goal: o.goal,
      injectionS: o.injectionS,
      threshold: clf.threshold,
      rates: cfg.simulation.ratesHz,
      excess: cfg.trigger.excess,
      minutes: (performance.now() - t0) / 60000,
    };
    writeFom(values.report ?? 'reports', rows, ctx);
    return 0;
  },
};

/** Pools of simulated and reconstructed events per class, by the shipped CNN. */
async function buildPools(cfg: ShowertrigConfig, modelDir: string, o: FomOptions): Promise<Samples> {
  const { buildClassSamples, reconstructorConfig } = await classifierApp();
  const model = await loadCnnModel(modelDir, cfg.detector, cfg.reconstruction.backend);
  try {
    return await buildClassSamples({
      geometry: cfg.detector,
      simulation: cfg.simulation,
      trigger: cfg.trigger,
      model,
      reconstruction: reconstructorConfig(cfg.reconstruction),
      eventsPerClass: o.events,
      seed: o.seed,
      progress: (d, n) => {
        if (d === n || d % 2048 === 0)
          process.stderr.write(`pools: ${d}/${n} events simulated and reconstructed\n`);
      },
    });
  } finally {
    model.dispose();
  }
}

/** What the streams need of each pooled event: its class, the cut decision, the classifier's signal probability (−1: not reconstructed). */
interface ScoredPools {
  readonly events: number;
  readonly seed: number;
  readonly classes: readonly (keyof ShowertrigConfig['simulation']['ratesHz'])[];
  readonly label: readonly number[];
  readonly cutSelected: readonly number[];
  readonly score: readonly number[];
}

async function scoredPools(
  cfg: ShowertrigConfig,
  modelDir: string,
  o: FomOptions,
  clf: EventClassifier,
  file: string | undefined,
): Promise<ScoredPools> {
  if (file !== undefined && existsSync(file)) {
    const p = JSON.parse(readFileSync(file, 'utf8')) as ScoredPools;
    if (p.events !== o.events || p.seed !== o.seed)
      throw new RangeError(
        `${file} holds pools of ${p.events} events, seed ${p.seed}: not --events ${o.events} --seed ${o.seed}`,
      );
    process.stderr.write(`pools: read from ${file}\n`);
    return p;
  }
  const s = await buildPools(cfg, modelDir, o);
  const score = new Array<number>(s.label.length).fill(-1);
  const probs = new Float64Array(s.classes.length);
  const sig = s.classes.indexOf('signal');
  for (let k = 0; k < s.okIndex.length; k++) {
    clf.probabilities(s.features.subarray(k * s.nFeatures, (k + 1) * s.nFeatures), probs);
    score[s.okIndex[k]!] = probs[sig]!;
  }
  const p: ScoredPools = {
    events: o.events,
    seed: o.seed,
    classes: s.classes,
    label: [...s.label],
    cutSelected: [...s.cutSelected],
    score,
  };
  if (file !== undefined) writeFileSync(file, JSON.stringify(p));
  return p;
}

/** Each selection's decision per pooled event: the cuts, the classifier (and extra working points), the floor. */
function selections(s: ScoredPools, threshold: number, extra: readonly number[]): Record<string, Uint8Array> {
  const sig = s.classes.indexOf('signal');
  const above = (t: number): Uint8Array => Uint8Array.from(s.score, (x) => (x >= t ? 1 : 0));
  return {
    cuts: Uint8Array.from(s.cutSelected),
    classifier: above(threshold),
    ...Object.fromEntries(extra.map((t) => [`classifier >= ${t}`, above(t)])),
    // the true class, among the reconstructed events (score −1: not reconstructed)
    'floor (true class)': Uint8Array.from(s.label, (l, i) => (l === sig && s.score[i]! >= 0 ? 1 : 0)),
  };
}

function measureRow(
  name: string,
  d: Uint8Array,
  s: ScoredPools,
  cfg: ShowertrigConfig,
  o: FomOptions,
): FomRow {
  const e = cfg.trigger.excess;
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
    injectionS: o.injectionS,
    settleS: e.windowS + 5,
  };
  const log = (m: string): boolean => process.stderr.write(`${name}: ${m}\n`);
  const mde = minimumDetectableExcess(
    plan,
    o.runs,
    o.goal,
    10_000,
    undefined,
    (f, k, r) => log(`factor ${f}: detected ${k}/${r}`),
    { ...DEFAULT_MDE_SCAN, fineStep: o.fineStep },
  );
  const fa = falseAlarms(plan, o.hours, 20_000, 1800, (done, total) =>
    log(`background-only ${(done / 3600).toFixed(2)}/${(total / 3600).toFixed(2)} h`),
  );
  const selectedHz = Object.fromEntries(
    pools.map((p) => [p.name, (p.rateHz * p.selected.reduce((a, b) => a + b, 0)) / p.selected.length]),
  );
  const c = mde.crossing;
  const f = (x: number | undefined): string => x?.toFixed(3) ?? '-';
  log(
    `MDE ${mde.factor ?? 'none on the grid'} (interpolated ${f(c.factor)} [${f(c.lo)}, ${f(c.hi)}]); false alarms ${fa.windowAlerts} window / ${fa.cusumAlerts} CUSUM in ${fa.hours} h`,
  );
  return { name, mde, falseAlarms: fa, selectedHz };
}

function writeFom(dir: string, rows: readonly FomRow[], ctx: FomContext): void {
  mkdirSync(join(dir, 'fom'), { recursive: true });
  writeFileSync(join(dir, 'fom.md'), fomMarkdown(rows, ctx));
  writeFileSync(join(dir, 'fom', 'mde.svg'), fomPlot(rows, ctx.goal));
  writeFileSync(join(dir, 'fom.json'), JSON.stringify({ ...ctx, rows }, null, 2) + '\n');
  process.stdout.write(
    JSON.stringify(
      rows.map((r) => ({
        name: r.name,
        mde: r.mde.factor ?? null,
        mdeInterpolated: r.mde.crossing.factor ?? null,
        mdeInterval: [r.mde.crossing.lo ?? null, r.mde.crossing.hi ?? null],
        falseAlarmsPerHour: r.falseAlarms.windowPerHour,
      })),
    ) + '\n',
  );
}

function classifierKind(v: string | undefined): ClassifierKind {
  const kinds: readonly ClassifierKind[] = ['gbt', 'gbt-flat', 'mlp'];
  if (v === undefined) return 'gbt';
  if (!(kinds as readonly string[]).includes(v))
    throw new UsageError(`--classifier must be one of ${kinds.join(', ')}, not ${v}`);
  return v as ClassifierKind;
}
