/**
 * How small can the event classifier's boosted trees be: the same training and evaluation samples
 * as `showertrig train classifier` (seeds 3001 / 3002), softmax trees of several sizes (leaves per
 * tree, learning rate; rounds by early stopping on 10 % of the training rows), and per model: AUC
 * of signal vs each background class, the Asimov-Z working point, the mean number of node steps
 * per event (machine-independent cost) and the CPU time of the trees per event (interleaved
 * repetitions, medians; the first row is the reference).
 *
 *   nice -n 10 node --import tsx scripts/classifier-size-sweep.ts [--events 6000] [--cache out/clf-samples.v8]
 *        [--configs 31:0.1,15:0.2,7:0.3] [--out bench/results/classifier-size.md]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import { buildClassSamples, scoresOf, type ClassSamples } from '../src/app/classifier/index.js';
import { loadCnnModel, resolveModelDir } from '../src/app/index.js';
import { loadConfig } from '../src/config-file/index.js';
import {
  DEFAULT_SOFTMAX_GBT,
  predictSoftmaxGbt,
  trainSoftmaxGbt,
  type SoftmaxGbtModel,
} from '../src/reconstruction/baseline/index.js';
import { reconstructorConfig } from '../src/reconstruction/index.js';
import { auc, bestWorkingPoint, roc, type ScoredClass } from '../src/trigger/index.js';
import { trainingRows } from '../src/app/classifier/index.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '6000' },
    cache: { type: 'string', default: 'out/clf-samples.v8' },
    configs: { type: 'string', default: '31:0.1,15:0.1,15:0.2,7:0.2,7:0.3,4:0.3' },
    out: { type: 'string' },
    reps: { type: 'string', default: '7' },
  },
});
const cfg = loadConfig([]);
const log = (s: string): boolean => process.stderr.write(`${s}\n`);

async function samples(): Promise<{ train: ClassSamples; evalS: ClassSamples }> {
  const file = values.cache!;
  if (existsSync(file)) {
    log(`samples: read from ${file}`);
    return deserialize(readFileSync(file)) as { train: ClassSamples; evalS: ClassSamples };
  }
  const model = await loadCnnModel(
    resolveModelDir(cfg.reconstruction.modelDir),
    cfg.detector,
    cfg.reconstruction.backend,
  );
  const common = {
    geometry: cfg.detector,
    simulation: cfg.simulation,
    trigger: cfg.trigger,
    model,
    reconstruction: reconstructorConfig(cfg.reconstruction),
    eventsPerClass: Number(values.events),
    progress: (d: number, n: number) => {
      if (d === n || d % 4096 === 0) log(`samples: ${d}/${n}`);
    },
  };
  const train = await buildClassSamples({ ...common, seed: 3001 });
  const evalS = await buildClassSamples({ ...common, seed: 3002 });
  model.dispose();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, serialize({ train, evalS }));
  return { train, evalS };
}

/** Mean node steps per row: the walk's dependent loads, summed over every tree of every class. */
function stepsPerRow(m: SoftmaxGbtModel, x: Float64Array, n: number, p: number): number {
  let steps = 0;
  for (let r = 0; r < n; r++)
    for (const f of m.forests)
      for (const t of f.trees) {
        let node = 0;
        while (t.feature[node]! >= 0) {
          node = x[r * p + t.feature[node]!]! <= t.threshold[node]! ? t.left[node]! : t.right[node]!;
          steps++;
        }
        steps++;
      }
  return steps / n;
}

function cpuUsPerRow(m: SoftmaxGbtModel, x: Float64Array, n: number, p: number, k: number): number {
  const out = new Float64Array(k);
  const t0 = process.cpuUsage();
  for (let r = 0; r < n; r++) predictSoftmaxGbt(m, x, out, r * p);
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / n;
}

const median = (a: number[]): number => [...a].sort((u, v) => u - v)[Math.floor(a.length / 2)]!;

async function main(): Promise<void> {
  const { train, evalS } = await samples();
  const classes = train.classes;
  const sig = classes.indexOf('signal');
  const { x, y, n, p } = trainingRows(train);
  const ex = evalS.features;
  const en = evalS.okIndex.length;
  const rows: { name: string; m: SoftmaxGbtModel; seconds: number }[] = [];
  for (const c of values.configs!.split(',')) {
    const [leaves, lr] = c.split(':').map(Number) as [number, number];
    const t0 = performance.now();
    const m = trainSoftmaxGbt(x, y, n, p, classes, {
      ...DEFAULT_SOFTMAX_GBT,
      maxLeafNodes: leaves,
      learningRate: lr,
    });
    const seconds = (performance.now() - t0) / 1000;
    log(
      `trained ${leaves} leaves, lr ${lr}: ${m.forests[0]!.trees.length} rounds in ${seconds.toFixed(0)} s`,
    );
    rows.push({ name: `${leaves} leaves, lr ${lr}`, m, seconds });
  }
  const cpu: number[][] = rows.map(() => []);
  for (let rep = 0; rep < Number(values.reps); rep++)
    rows.forEach((r, i) => cpu[i]!.push(cpuUsPerRow(r.m, ex, en, p, classes.length)));
  const bgs = classes.filter((c, ci) => ci !== sig && evalS.okIndex.some((i) => evalS.label[i] === ci));
  const lines = [
    `| trees (leaves, learning rate) | rounds | trees | nodes | node steps / event | tree CPU µs / event (median of ${values.reps}) | ratio to first | ${bgs.map((b) => `AUC vs ${b}`).join(' | ')} | threshold | signal eff. | expected Z | fit s |`,
    `|---|---|---|---|---|---|---|${bgs.map(() => '---|').join('')}---|---|---|---|`,
  ];
  rows.forEach((r, i) => {
    const s = scoresOf(evalS, sig, (row, out) => predictSoftmaxGbt(r.m, row, out));
    const sc: ScoredClass[] = classes.map((c, ci) => ({
      name: c,
      isSignal: ci === sig,
      rateHz: cfg.simulation.ratesHz[c] ?? 0,
      scores: s.filter((_, j) => evalS.label[j] === ci),
    }));
    const wp = bestWorkingPoint(sc, cfg.trigger.excess.windowS);
    const okSig = [...evalS.okIndex].filter((j) => evalS.label[j] === sig).map((j) => s[j]!);
    const aucs = bgs.map((b) => {
      const bi = classes.indexOf(b);
      const bk = [...evalS.okIndex].filter((j) => evalS.label[j] === bi).map((j) => s[j]!);
      return auc(roc(okSig, bk)).toFixed(4);
    });
    const trees = r.m.forests.reduce((a, f) => a + f.trees.length, 0);
    const nodes = r.m.forests.reduce((a, f) => a + f.trees.reduce((b, t) => b + t.feature.length, 0), 0);
    const us = median(cpu[i]!);
    lines.push(
      `| ${r.name} | ${r.m.forests[0]!.trees.length} | ${trees} | ${nodes} | ${stepsPerRow(r.m, ex, en, p).toFixed(0)} | ${us.toFixed(2)} | ${(us / median(cpu[0]!)).toFixed(2)} | ${aucs.join(' | ')} | ${wp.threshold.toFixed(3)} | ${wp.signalEfficiency.toFixed(3)} | ${wp.z.toFixed(2)} | ${r.seconds.toFixed(0)} |`,
    );
  });
  const md = `${lines.join('\n')}\n`;
  process.stdout.write(md);
  if (values.out !== undefined) writeFileSync(values.out, md);
}

await main();
