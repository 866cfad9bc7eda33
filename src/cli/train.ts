/**
 * `showertrig train`: trains the CNN energy/vertex regressor on seeded simulated signal events,
 * checkpoints the best validation model, then measures it on fresh events (a different seed) and
 * its inference speed at batch 64; writes MODEL_CARD.md and appends to the CNN results table.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type BackendChoice } from '../config/index.js';
import { ContractError, Rng, type DetectorGeometry, type Hits } from '../domain/index.js';
import { loadConfig, modelDirectory } from '../io/index.js';
import {
  attachMetadata, buildEnergyVertexNet, datasetFrom, DEFAULT_TRAIN, energyVertexResolution, inputSpecFor,
  loadEnergyVertexModel, metadataFor, paretoMarkdown, selectBackend, trainEnergyVertexNet,
  type CnnVariantResult, type EnergyVertexModel, type EpochReport,
} from '../reconstruction/index.js';
import { generateEvent } from '../sim/index.js';
import { intFlag, numFlag, parseFlags, UsageError, type Command } from './args.js';

const USAGE = `usage: showertrig train [--events N] [--epochs E] [--seed S] [--out DIR] [--size 32] [--width 8]
                        [--window-cm 6.4] [--batch 64] [--lr 0.002] [--patience 6] [--backend wasm]
                        [--eval-events 20000] [--eval-seed S] [--results FILE.json] [--config FILE]
  --events N        simulated signal events for training + validation (default 40000; 10 % validation)
  --seed S          training simulation seed (default 1001); evaluation uses --eval-seed (default 1)
  --out DIR         model directory: model.json + weights.bin (best validation checkpoint) + MODEL_CARD.md
  --size, --width   input bins per side, filters of the first CoordConv block
  --eval-events N   fresh events for the final measurement (0 = skip)
  --results FILE    append this model's measured row to FILE (json) and rewrite FILE with .md`;

interface Event { hits: Hits; energyGeV: number; dCm: number }

function simulate(g: DetectorGeometry, sim: Parameters<typeof generateEvent>[1], n: number, seed: number): { events: Event[]; seconds: number } {
  const rng = new Rng(seed);
  const t0 = performance.now();
  const events: Event[] = [];
  for (let i = 0; i < n; i++) {
    const f = generateEvent(g, sim, 'signal', rng);
    if (f.truth === undefined) throw new ContractError('simulator returned a signal frame without truth');
    events.push({ hits: f.hits, energyGeV: f.truth.energyGeV, dCm: f.truth.dCm });
  }
  return { events, seconds: (performance.now() - t0) / 1000 };
}

/** FNV-1a over a frame's hit arrays: identical frames hash equal (used to show train/eval disjointness). */
function hitsHash(h: Hits): number {
  let x = 0x811c9dc5;
  for (const arr of [h.station, h.ix, h.iy, h.count]) {
    const b = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
    for (let i = 0; i < b.length; i++) x = Math.imul(x ^ b[i]!, 16777619);
  }
  return x >>> 0;
}

async function measureInference(model: EnergyVertexModel, hits: readonly Hits[], batch = 64): Promise<{ eventsPerSecond: number; msPerEvent: number }> {
  const n = Math.min(hits.length, 64 * 100);
  await model.predict(hits.slice(0, batch)); // warm-up
  const t0 = performance.now();
  for (let i = 0; i + batch <= n; i += batch) await model.predict(hits.slice(i, i + batch));
  const s = (performance.now() - t0) / 1000;
  const done = Math.floor(n / batch) * batch;
  return { eventsPerSecond: done / s, msPerEvent: (1000 * s) / done };
}

const fmt = (r: EpochReport): string =>
  `epoch ${r.epoch}: loss ${r.trainLoss.toFixed(4)} val ${r.valLoss.toFixed(4)} | val σ(ΔE/E) ${r.val.sigmaERel.toFixed(3)} σ(d) ${r.val.sigmaDCm.toFixed(3)} cm | ` +
  `lr ${r.learningRate.toExponential(2)} l2 ${r.l2.toExponential(2)} | ${r.eventsPerSecond.toFixed(0)} ev/s ${r.epochSeconds.toFixed(0)} s ETA ${(r.etaSeconds / 60).toFixed(1)} min${r.improved ? ' *' : ''}\n`;

export const command: Command = {
  name: 'train',
  summary: 'train the CNN energy/vertex regressor on simulated events',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      events: { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
      size: { type: 'string' }, width: { type: 'string' }, 'window-cm': { type: 'string' }, batch: { type: 'string' },
      lr: { type: 'string' }, patience: { type: 'string' }, backend: { type: 'string' }, 'eval-events': { type: 'string' },
      'eval-seed': { type: 'string' }, results: { type: 'string' }, config: { type: 'string' },
    });
    const cfg = loadConfig([values.config]);
    const g = cfg.detector;
    const nEvents = intFlag(values.events, 'events', 40_000, 20);
    const seed = intFlag(values.seed, 'seed', 1001);
    const evalSeed = intFlag(values['eval-seed'], 'eval-seed', 1);
    if (evalSeed === seed) throw new UsageError('--eval-seed must differ from --seed (evaluation events must be fresh)');
    const nEval = intFlag(values['eval-events'], 'eval-events', 20_000);
    const size = intFlag(values.size, 'size', 32, 8, 256);
    const width = intFlag(values.width, 'width', 8, 1, 256);
    const windowCm = numFlag(values['window-cm'], 'window-cm', 6.4, 0.5, 90);
    const out = values.out ?? `models/cnn-${size}-w${width}`;
    const train = {
      ...DEFAULT_TRAIN, seed,
      epochs: intFlag(values.epochs, 'epochs', 20, 1),
      batchSize: intFlag(values.batch, 'batch', 64, 1, 4096),
      learningRate: numFlag(values.lr, 'lr', DEFAULT_TRAIN.learningRate, 1e-6, 1),
      patience: intFlag(values.patience, 'patience', DEFAULT_TRAIN.patience, 1),
    };
    const backend = await selectBackend((values.backend ?? cfg.reconstruction.backend) as BackendChoice);
    process.stderr.write(`backend ${backend.backend}${backend.wasm ? ` (simd ${backend.wasm.simd}, threads ${backend.wasm.threadCount})` : ''}\n`);

    const spec = inputSpecFor(g, size, windowCm);
    const arch = { width, blocks: 3, denseUnits: 64 };
    const name = out.split('/').filter(Boolean).pop() ?? 'cnn';
    const sim = simulate(g, cfg.simulation, nEvents, seed);
    const nVal = Math.max(1, Math.round(nEvents * 0.1));
    const trainSet = datasetFrom(sim.events.slice(0, nEvents - nVal), g, spec);
    const valSet = datasetFrom(sim.events.slice(nEvents - nVal), g, spec);
    process.stderr.write(`simulated ${nEvents} events (seed ${seed}) in ${sim.seconds.toFixed(1)} s; ${trainSet.inputs.length} train / ${valSet.inputs.length} validation; ` +
      `${((trainSet.inputs.nonZero + valSet.inputs.nonZero) * 8 / 2 ** 20).toFixed(0)} MiB of inputs\n`);
    const trainHashes = new Set(sim.events.map((e) => hitsHash(e.hits)));

    const net = buildEnergyVertexNet(spec, arch, name);
    const meta = metadataFor(name, spec, arch);
    attachMetadata(net, meta);
    const t0 = performance.now();
    const reports = await trainEnergyVertexNet(net, spec, trainSet, valSet, train, {
      onEpoch: (r) => process.stderr.write(fmt(r)),
      onBest: async (m) => { await m.save(modelDirectory(out)); },
    });
    const trainSeconds = (performance.now() - t0) / 1000;
    const best = reports.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
    net.dispose();
    sim.events.length = 0;

    const model = await loadEnergyVertexModel(modelDirectory(out), g);
    let evalRow: Pick<CnnVariantResult, 'sigmaERel' | 'sigmaDCm' | 'meanERel' | 'meanDCm' | 'inferenceEventsPerSecond' | 'inferenceMsPerEvent'> | undefined;
    let overlap = 0;
    if (nEval > 0) {
      const ev = simulate(g, cfg.simulation, nEval, evalSeed);
      overlap = ev.events.filter((e) => trainHashes.has(hitsHash(e.hits))).length;
      const hits = ev.events.map((e) => e.hits);
      const p = await model.predict(hits);
      const res = energyVertexResolution(Float32Array.from(ev.events, (e) => e.energyGeV), p.energyGeV, Float32Array.from(ev.events, (e) => e.dCm), p.dCm);
      const speed = await measureInference(model, hits);
      evalRow = { ...res, inferenceEventsPerSecond: speed.eventsPerSecond, inferenceMsPerEvent: speed.msPerEvent };
      process.stderr.write(`evaluation on ${nEval} fresh events (seed ${evalSeed}; identical frames shared with training: ${overlap}): ` +
        `σ(ΔE/E) ${res.sigmaERel.toFixed(4)} σ(d) ${res.sigmaDCm.toFixed(4)} cm; inference batch 64: ${speed.msPerEvent.toFixed(4)} ms/event (${speed.eventsPerSecond.toFixed(0)} events/s)\n`);
    }
    model.dispose();

    const row: CnnVariantResult | undefined = evalRow && {
      name, size, width, windowCm: (spec.size * spec.pixelsPerBin * g.pixelPitchMm) / 10, parameters: countParams(out), trainEvents: nEvents, trainSeed: seed, epochs: reports.length,
      trainSeconds, backend: backend.backend, evalEvents: nEval, evalSeed, ...evalRow, measuredAt: new Date().toISOString(),
    };
    writeFileSync(join(out, 'MODEL_CARD.md'), modelCard({ name, out, spec, arch, seed, nEvents, nVal, train, reports, best, trainSeconds, backend: backend.backend, row, overlap, evalSeed, nEval }));
    if (values.results !== undefined && row !== undefined) {
      const file = values.results;
      const rows = (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CnnVariantResult[]) : []).filter((r) => r.name !== name);
      rows.push(row);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(rows, null, 2) + '\n');
      writeFileSync(file.replace(/\.json$/, '.md'), paretoMarkdown(rows));
    }
    process.stdout.write(JSON.stringify({ model: out, bestEpoch: best.epoch, val: best.val, eval: row ?? null }) + '\n');
    return 0;
  },
};

function countParams(dir: string): number {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weightsManifest: { weights: { name: string; shape: number[] }[] }[] };
  // Trainable and batch-norm moving statistics alike: everything stored in weights.bin.
  return json.weightsManifest.flatMap((g) => g.weights).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
}

function modelCard(c: {
  name: string; out: string; spec: ReturnType<typeof inputSpecFor>; arch: { width: number; blocks: number; denseUnits: number };
  seed: number; nEvents: number; nVal: number; train: typeof DEFAULT_TRAIN; reports: EpochReport[]; best: EpochReport;
  trainSeconds: number; backend: string; row: CnnVariantResult | undefined; overlap: number; evalSeed: number; nEval: number;
}): string {
  const s = c.spec;
  const lines = [
    `# Model card: ${c.name}`,
    '',
    'Written by `showertrig train` from its own measurements.',
    '',
    `- Task: shower energy E and longitudinal vertex d from TT hits (SHiP-like target tracker), signal showers.`,
    `- Input: ${s.size}×${s.size} bins × ${s.nStations} stations (channels), ${s.pixelsPerBin}×${s.pixelsPerBin} pixels per bin ` +
      `(${(s.size * s.pixelsPerBin * 0.05).toFixed(1)} cm window at 0.5 mm pixels), log(1+count); window centred on the densest region of the busiest station.`,
    `- Architecture: ${c.arch.blocks} × [CoordConv 3×3 (x, y, r channels) → batch norm → ReLU → max-pool 2×2], widths ` +
      `${Array.from({ length: c.arch.blocks }, (_, b) => c.arch.width * Math.min(4, 2 ** b)).join('/')}, dense ${c.arch.denseUnits} ReLU, heads energy (log10(E/GeV)−1) and vertex (d/3.75 cm+1).`,
    `- Parameters stored: ${c.row?.parameters ?? countParams(c.out)}.`,
    `- Loss: Huber (δ=1) on both scaled targets; Adam lr ${c.train.learningRate} × ${c.train.lrDecayPerEpoch}^epoch; L2 ${c.train.l2Initial} halved every ${c.train.l2HalvingEpochs} epochs; early stopping patience ${c.train.patience}.`,
    `- Training data: ${c.nEvents} simulated signal events (generateEvent, seed ${c.seed}, E uniform 1–100 GeV, d uniform [−7.5, 0] cm), ${c.nVal} of them for validation.`,
    `- Training: ${c.reports.length} epochs, batch ${c.train.batchSize}, ${(c.trainSeconds / 60).toFixed(1)} min on tfjs backend ${c.backend}; best validation epoch ${c.best.epoch}.`,
    `- Validation (best epoch, ${c.best.val.n} events): σ(ΔE/E) = ${c.best.val.sigmaERel.toFixed(4)}, σ(d) = ${c.best.val.sigmaDCm.toFixed(4)} cm.`,
  ];
  if (c.row !== undefined) {
    lines.push(
      `- Evaluation on ${c.nEval} fresh events (seed ${c.evalSeed}; frames identical to a training frame: ${c.overlap}): σ(ΔE/E) = ${c.row.sigmaERel.toFixed(4)} (mean ${c.row.meanERel.toFixed(4)}), ` +
        `σ(d) = ${c.row.sigmaDCm.toFixed(4)} cm (mean ${c.row.meanDCm.toFixed(4)} cm).`,
      `- Inference (${c.backend}, batch 64, incl. preprocessing): ${c.row.inferenceMsPerEvent.toFixed(4)} ms/event = ${c.row.inferenceEventsPerSecond.toFixed(0)} events/s.`,
    );
  }
  lines.push('', '## Training history', '', '| epoch | train loss | val loss | val σ(ΔE/E) | val σ(d) cm | lr | L2 | events/s |', '|---|---|---|---|---|---|---|---|');
  for (const r of c.reports) lines.push(`| ${r.epoch} | ${r.trainLoss.toFixed(4)} | ${r.valLoss.toFixed(4)} | ${r.val.sigmaERel.toFixed(4)} | ${r.val.sigmaDCm.toFixed(4)} | ${r.learningRate.toExponential(2)} | ${r.l2.toExponential(2)} | ${r.eventsPerSecond.toFixed(0)} |`);
  return lines.join('\n') + '\n';
}
