/**
 * `showertrig evaluate`: resolutions of the full reconstruction on fresh simulated signal events,
 * beside the baseline (Gaussian-moment regression for E, d; weighted-mean X, Y).
 * The baseline regression is fitted here, on a separate seeded training sample (seed + 1,000,003),
 * before the evaluation events (seed) are drawn: the two samples come from different Rng streams.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCnnModel } from '../app/index.js';
import { Rng, type HitFrame, type RecoStatus } from '../domain/index.js';
import {
  createBaselineModel,
  createReconstructor,
  originAt,
  reconstructorConfig,
  trainBaselineStream,
  weightedMeanTrack,
} from '../reconstruction/index.js';
import { evaluationMarkdown, evaluationPlots, residuals, SIGMA_METHOD, summariseMethod } from '../report/index.js';
import { generateEvent } from '../sim/index.js';
import { intFlag, parseFlags, type Command } from './args.js';
import { loadConfig } from '../io/index.js';

const USAGE = `usage: showertrig evaluate [--events N] [--seed S] [--train-events N] [--batch B] [--model DIR]
                           [--backend auto|wasm|cpu|...] [--config FILE] [--json] [--out DIR]
  --events N        fresh signal events to evaluate (default 20000)
  --seed S          evaluation seed (default 1); the baseline trains on seed + 1000003
  --train-events N  events for the baseline regression fit (default 20000)
  --batch B         reconstruction batch size (default: config reconstruction.batchSize)
  --model DIR|none  CNN model directory (default: config reconstruction.modelDir); "none" reports the
                    CNN absent and the reconstructor uses the baseline regression for E and d
  --json            print the result as JSON on stdout
  --out DIR         write DIR/evaluation.json, evaluation.md, baseline_coefficients.json and SVG plots`;

const TRAIN_SEED_OFFSET = 1_000_003;

export const command: Command = {
  name: 'evaluate',
  summary: 'resolutions of the reconstruction (CNN/clustering vs baseline) on fresh signal events',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      events: { type: 'string' },
      seed: { type: 'string' },
      'train-events': { type: 'string' },
      batch: { type: 'string' },
      model: { type: 'string' },
      backend: { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
    });
    const cfg = loadConfig([values.config], values.backend === undefined ? {} : { reconstruction: { backend: values.backend } });
    const g = cfg.detector;
    const sim = cfg.simulation;
    const nEvents = intFlag(values.events, 'events', 20000, 1, 10_000_000);
    const seed = intFlag(values.seed, 'seed', 1, 0, 2 ** 32 - 1);
    const nTrain = intFlag(values['train-events'], 'train-events', 20000, 20, 10_000_000);
    const batchSize = intFlag(values.batch, 'batch', cfg.reconstruction.batchSize, 1, 65536);
    const progress = progressLine();

    const trainSeed = (seed + TRAIN_SEED_OFFSET) >>> 0;
    const trainRng = new Rng(trainSeed);
    const t0 = performance.now();
    const coefficients = trainBaselineStream(
      nTrain,
      (i) => {
        progress(`baseline training events ${i + 1}/${nTrain}`);
        return generateEvent(g, sim, 'signal', trainRng);
      },
      g,
    );
    const trainS = (performance.now() - t0) / 1000;
    const baseline = createBaselineModel(coefficients, g);
    const modelDir = values.model ?? cfg.reconstruction.modelDir;
    const cnn = modelDir === 'none' ? undefined : await loadCnnModel(modelDir, g, cfg.reconstruction.backend);
    const primaryModel = cnn ?? baseline;
    const reco = createReconstructor(g, primaryModel, reconstructorConfig(cfg.reconstruction));

    const rng = new Rng(seed);
    const truth = { energyGeV: [] as number[], dCm: [] as number[], xCm: [] as number[], yCm: [] as number[] };
    const prim = { energyGeV: [] as number[], dCm: [] as number[], xCm: [] as number[], yCm: [] as number[] };
    const base = { energyGeV: [] as number[], dCm: [] as number[], xCm: [] as number[], yCm: [] as number[] };
    const statusCounts: Partial<Record<RecoStatus, number>> = {};
    let recoMs = 0;
    for (let start = 0; start < nEvents; start += batchSize) {
      const frames: HitFrame[] = [];
      for (let i = start; i < Math.min(nEvents, start + batchSize); i++) {
        const ev = generateEvent(g, sim, 'signal', rng);
        frames.push({ runId: 'evaluate', eventId: String(i), timestampNs: BigInt(i), hits: ev.hits, truth: ev.truth });
      }
      const tr = performance.now();
      const out = await reco.reconstruct(frames);
      recoMs += performance.now() - tr;
      const ok = out.map((e, k) => ({ e, f: frames[k]! })).filter(({ e }) => e.status === 'ok');
      for (const e of out) statusCounts[e.status] = (statusCounts[e.status] ?? 0) + 1;
      const bp = await baseline.predict(ok.map(({ f }) => f.hits));
      ok.forEach(({ e, f }, k) => {
        const t = f.truth!;
        truth.energyGeV.push(t.energyGeV);
        truth.dCm.push(t.dCm);
        truth.xCm.push(t.x0Cm);
        truth.yCm.push(t.y0Cm);
        prim.energyGeV.push(e.energyGeV);
        prim.dCm.push(e.dCm);
        prim.xCm.push(e.xCm);
        prim.yCm.push(e.yCm);
        const dB = bp.dCm[k]!;
        const o = originAt(weightedMeanTrack(f.hits, g)!, dB);
        base.energyGeV.push(bp.energyGeV[k]!);
        base.dCm.push(dB);
        base.xCm.push(o.xCm);
        base.yCm.push(o.yCm);
      });
      progress(`evaluated ${Math.min(nEvents, start + batchSize)}/${nEvents} events`);
    }
    progress.done();
    const primary = summariseMethod(truth, prim);
    const baseSummary = summariseMethod(truth, base);
    const eventsPerSecond = nEvents / (recoMs / 1000);
    const primaryLabel = cnn === undefined ? 'baseline E,d + clustering X,Y' : 'CNN + clustering';
    const result = {
      command: 'evaluate',
      events: nEvents,
      events_ok: truth.energyGeV.length,
      status_counts: statusCounts,
      seed,
      train_seed: trainSeed,
      train_events: nTrain,
      baseline_training_seconds: trainS,
      sigma_method: SIGMA_METHOD,
      model: primaryModel.info.name,
      backend: primaryModel.info.backend,
      cnn: cnn === undefined ? 'absent' : { dir: modelDir, name: cnn.info.name, backend: cnn.info.backend },
      transverse: `DBSCAN eps ${cfg.reconstruction.dbscanEpsMm} mm, min ${cfg.reconstruction.dbscanMinHits} hits, best straight-line fit, extrapolated to the reconstructed d`,
      ...primary,
      baseline: {
        model: `${baseline.info.name} for E, d; count-weighted mean of all hits of the busiest station for X, Y`,
        ...baseSummary,
      },
      targets: {
        energy_resolution_le_0_24: primary.energy_resolution.sigma <= 0.24,
        energy_le_0_92_baseline: primary.energy_resolution.sigma <= 0.92 * baseSummary.energy_resolution.sigma,
        d_resolution_le_0_8_cm: primary.d_resolution_cm.sigma <= 0.8,
        x_resolution_le_0_1_cm: primary.x_resolution_cm.sigma <= 0.1,
        y_resolution_le_0_1_cm: primary.y_resolution_cm.sigma <= 0.1,
        x_le_half_baseline: primary.x_resolution_cm.sigma <= 0.5 * baseSummary.x_resolution_cm.sigma,
        y_le_half_baseline: primary.y_resolution_cm.sigma <= 0.5 * baseSummary.y_resolution_cm.sigma,
      },
      events_per_second: eventsPerSecond,
      batch_size: batchSize,
      simulation: { energy_range_gev: sim.energyRangeGeV, d_range_cm: sim.dRangeCm, dark_hits_per_station: sim.darkHitsPerStation },
    };
    reco.dispose();
    if (values.out !== undefined) {
      mkdirSync(values.out, { recursive: true });
      writeFileSync(join(values.out, 'evaluation.json'), JSON.stringify(result, null, 2) + '\n');
      writeFileSync(join(values.out, 'baseline_coefficients.json'), JSON.stringify(coefficients, null, 2) + '\n');
      const report = {
        title: `Evaluation on ${nEvents} fresh signal events (seed ${seed})`,
        primaryLabel,
        baselineLabel: 'baseline',
        primary,
        baseline: baseSummary,
        notes: [
          `command: showertrig evaluate --events ${nEvents} --seed ${seed} --train-events ${nTrain}${cnn ? ` --model ${modelDir}` : ' --model none'}`,
          `primary: ${primaryLabel} (model ${primaryModel.info.name}, backend ${primaryModel.info.backend})${cnn ? '' : '; CNN absent'}`,
          `baseline: ${result.baseline.model}; regression trained on ${nTrain} events (seed ${trainSeed})`,
          `events reconstructed ok: ${result.events_ok}/${nEvents}; statuses ${JSON.stringify(statusCounts)}`,
          `reconstruction speed: ${eventsPerSecond.toFixed(0)} events/s (batch ${batchSize}, one process)`,
        ],
      };
      writeFileSync(join(values.out, 'evaluation.md'), evaluationMarkdown(report));
      const plots = evaluationPlots(report, residuals(truth, prim), residuals(truth, base));
      for (const [name, svg] of Object.entries(plots)) writeFileSync(join(values.out, name), svg);
    }
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else process.stdout.write(humanSummary(result.events, primaryLabel, primary, baseSummary, eventsPerSecond));
    return 0;
  },
};

function humanSummary(n: number, label: string, p: ReturnType<typeof summariseMethod>, b: ReturnType<typeof summariseMethod>, eps: number): string {
  const row = (name: string, m: ReturnType<typeof summariseMethod>): string =>
    `${name.padEnd(34)} σ(ΔE/E) ${m.energy_resolution.sigma.toFixed(3)} (std ${m.energy_resolution.std.toFixed(3)})  ` +
    `σ(d) ${m.d_resolution_cm.sigma.toFixed(3)} cm  σ(X) ${m.x_resolution_cm.sigma.toFixed(4)} cm  σ(Y) ${m.y_resolution_cm.sigma.toFixed(4)} cm`;
  return `evaluated ${n} signal events, ${eps.toFixed(0)} events/s\n${row(label, p)}\n${row('baseline', b)}\n`;
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
