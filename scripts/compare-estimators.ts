/**
 * The E/d estimator comparison on identical fresh showers: every CNN given, and (with --baselines)
 * the feature baselines — gradient-boosted trees on the rich features among them — trained and
 * calibrated on their own seeds exactly as `showertrig evaluate` does. Writes CSV rows for
 * scripts/compare_estimators.py (independent scikit-learn trees, paired bootstrap, plots):
 *   OUT/train.csv, OUT/calibration.csv  rich feature rows + truth (with --baselines)
 *   OUT/test.csv                        rich feature rows + truth of the accepted test events (with --baselines)
 *   OUT/pred-<tag>.csv                  truth and each estimator's E, d on the accepted test events
 * The test events are the primary (first) model's accepted events of the seed, so runs with the same
 * first model and seed line up row by row (the Python side checks the truth columns agree).
 *
 * usage: node --import tsx scripts/compare-estimators.ts --out DIR --tag T [--events 10000] [--seed 11]
 *          [--train-events 20000] [--calibration-events 10000] [--baselines] LABEL=MODEL_DIR ...
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { featureCsv, loadCnnModel, runEvaluation } from '../src/app/index.js';
import { createReconstructor } from '../src/reconstruction/index.js';
import { loadConfig } from '../src/config-file/index.js';
import { reconstructorConfig, type EnergyVertexModel } from '../src/reconstruction/index.js';
import { signalStream } from '../src/app/evaluation/samples.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string', default: 'out/compare' },
    tag: { type: 'string', default: 'run' },
    events: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '11' },
    'train-events': { type: 'string', default: '20000' },
    'calibration-events': { type: 'string', default: '10000' },
    baselines: { type: 'boolean', default: false },
  },
});
const cfg = loadConfig([], {}, { simulation: { signalSpectrum: 'flat' } });
const g = cfg.detector;
const n = Number(values.events);
const seed = Number(values.seed);
const batch = cfg.reconstruction.batchSize;
const say = (m: string): void => void process.stderr.write(`[compare ${values.tag}] ${m}\n`);
const models: { label: string; model: EnergyVertexModel }[] = [];
for (const p of positionals) {
  const [label, dir] = p.split('=') as [string, string];
  models.push({ label, model: await loadCnnModel(dir, g, 'tensorflow') });
}
if (models.length === 0) throw new Error('give at least one LABEL=MODEL_DIR');
const out = values.out!;
mkdirSync(out, { recursive: true });
const csvName = (s: string): string => s.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '');
let preds: Record<string, { energyGeV: ArrayLike<number>; dCm: ArrayLike<number> }>;
let truth: { energyGeV: ArrayLike<number>; dCm: ArrayLike<number> };
if (values.baselines) {
  let last = 0;
  const o = await runEvaluation({
    geometry: g,
    simulation: cfg.simulation,
    reconstruction: reconstructorConfig(cfg.reconstruction),
    model: models[0]!.model,
    primaryLabel: models[0]!.label,
    others: models.slice(1),
    events: n,
    seed,
    trainEvents: Number(values['train-events']),
    calibrationEvents: Number(values['calibration-events']),
    batchSize: batch,
    progress: (m) => {
      if (Date.now() - last < 20_000) return;
      say(m);
      last = Date.now();
    },
  });
  writeFileSync(join(out, 'train.csv'), featureCsv(o.baselines.train));
  writeFileSync(join(out, 'calibration.csv'), featureCsv(o.calibrationSample));
  writeFileSync(join(out, 'test.csv'), featureCsv(o.test));
  writeFileSync(join(out, `evaluation-${values.tag}.json`), JSON.stringify(o.report, null, 2) + '\n');
  preds = o.predictions;
  truth = o.test;
} else {
  // The same events and acceptance as a --baselines run with the same first model and seed.
  const next = signalStream(g, cfg.simulation, seed);
  const reco = createReconstructor(g, models[0]!.model, reconstructorConfig(cfg.reconstruction));
  const ok: ReturnType<typeof next> = [];
  for (let a = 0; a < n; a += batch) {
    const evs = next(Math.min(batch, n - a));
    const r = await reco.reconstruct(
      evs.map((e, k) => ({
        runId: 'c',
        eventId: String(a + k),
        timestampNs: 0n,
        hits: e.hits,
        truth: e.truth,
      })),
    );
    r.forEach((e, k) => e.status === 'ok' && ok.push(evs[k]!));
    if (a % 2000 === 0) say(`accepted ${ok.length}/${a + evs.length}`);
  }
  preds = {};
  for (const { label, model } of models) {
    const energyGeV = new Float64Array(ok.length);
    const dCm = new Float64Array(ok.length);
    for (let a = 0; a < ok.length; a += batch) {
      const p = await model.predict(ok.slice(a, a + batch).map((e) => e.hits));
      energyGeV.set(p.energyGeV, a);
      dCm.set(p.dCm, a);
    }
    preds[label] = { energyGeV, dCm };
  }
  truth = {
    energyGeV: ok.map((e) => e.truth.energyGeV),
    dCm: ok.map((e) => e.truth.dCm),
  };
}
const names = Object.keys(preds);
const lines = [
  ['energy_gev', 'd_cm', ...names.flatMap((k) => [`E__${csvName(k)}`, `d__${csvName(k)}`])].join(','),
];
for (let i = 0; i < truth.energyGeV.length; i++) {
  const row = [truth.energyGeV[i]!, truth.dCm[i]!];
  for (const k of names) row.push(preds[k]!.energyGeV[i]!, preds[k]!.dCm[i]!);
  lines.push(row.map((v) => v.toPrecision(9)).join(','));
}
writeFileSync(join(out, `pred-${values.tag}.csv`), lines.join('\n') + '\n');
writeFileSync(
  join(out, `labels-${values.tag}.json`),
  JSON.stringify(Object.fromEntries(names.map((k) => [csvName(k), k])), null, 2) + '\n',
);
for (const m of models) m.model.dispose();
say(`wrote ${truth.energyGeV.length} rows of ${names.length} estimators to ${out}`);
