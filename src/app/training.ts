/**
 * Training orchestration for the energy/vertex CNN: simulate seeded signal showers, prepare the
 * image windows (and the standardised feature rows for a two-input net) event by event so that
 * the hits need not be kept, train with checkpoints of the best validation epoch, then measure
 * the saved model on fresh events of another seed. The caller (the train command) parses flags
 * and prints; this module writes only the model directory it is given.
 */
import * as tf from '@tensorflow/tfjs';
import type { SimulationConfig } from '../config/index.js';
import { Rng, type DetectorGeometry, type Hits } from '../domain/index.js';
import { modelDirectory } from '../io/index.js';
import {
  attachMetadata,
  buildEnergyVertexNet,
  buildInputs,
  createEnergyVertexModel,
  energyVertexResolution,
  featureInputLength,
  featureMatrix,
  featureRow,
  fitEnergyCalibration,
  readMetadata,
  registerCoordConv,
  trainBoosted,
  type BoostedCoefficients,
  inputLength,
  loadEnergyVertexModel,
  metadataFor,
  SparseInputs,
  trainEnergyVertexNet,
  type Dataset,
  type EnergyVertexModel,
  type EpochReport,
  type FeatureInput,
  type FeatureSet,
  type InputSpec,
  type NetArchitecture,
  type EnergyCalibration,
  type Resolution,
  type TrainConfig,
  createReconstructor,
  DEFAULT_RECONSTRUCTOR,
  type ReconstructorConfig,
} from '../reconstruction/index.js';
import { generateEvent } from '../sim/index.js';

export interface TrainingOptions {
  readonly geometry: DetectorGeometry;
  readonly simulation: SimulationConfig;
  readonly name: string;
  /** Model directory: model.json + weights.bin of the best validation epoch. */
  readonly out: string;
  readonly events: number;
  readonly seed: number;
  readonly validationFraction: number;
  readonly spec: InputSpec;
  readonly architecture: NetArchitecture;
  /** Feature set of the second input; undefined = image only. */
  readonly features?: FeatureSet;
  readonly train: TrainConfig;
  /** Stacking: boosted trees trained on this many events of seed + 2 feed their ln E and d to the net (0 = none). */
  readonly stackedTreeEvents?: number;
  /** The reconstruction whose accepted events the energy calibration is fitted on (default DEFAULT_RECONSTRUCTOR). */
  readonly reconstruction?: ReconstructorConfig;
  /** Events of seed + 1 for the energy calibration written into the model (0 = none). */
  readonly calibrationEvents: number;
  /** Fresh events for the final measurement (0 = none) and their seed (must differ from seed). */
  readonly evalEvents: number;
  readonly evalSeed: number;
}

export interface TrainingHooks {
  log?(line: string): void;
  onEpoch?(r: EpochReport): void;
}

export interface TrainingResult {
  readonly reports: EpochReport[];
  readonly best: EpochReport;
  readonly trainSeconds: number;
  readonly simulateSeconds: number;
  readonly nTrain: number;
  readonly nValidation: number;
  readonly featureInput?: FeatureInput;
  readonly calibration?: EnergyCalibration;
  /** Resolution and inference speed of the saved model on the fresh events. */
  readonly evaluation?: Resolution & {
    inferenceEventsPerSecond: number;
    inferenceMsPerEvent: number;
    identicalToTraining: number;
  };
}

/** FNV-1a over a frame's hit arrays: identical frames hash equal (shows train/eval disjointness). */
export function hitsHash(h: Hits): number {
  let x = 0x811c9dc5;
  for (const arr of [h.station, h.ix, h.iy, h.count]) {
    const b = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
    for (let i = 0; i < b.length; i++) x = Math.imul(x ^ b[i]!, 16777619);
  }
  return x >>> 0;
}

interface Prepared {
  readonly train: Dataset;
  readonly val: Dataset;
  readonly hashes: Set<number>;
  readonly featureInput?: FeatureInput;
}

/** Simulates and prepares the events; features are standardised with the training part's mean and scale. */
function prepare(o: TrainingOptions): Prepared {
  const g = o.geometry;
  const nVal = Math.max(1, Math.round(o.events * o.validationFraction));
  const nTrain = o.events - nVal;
  const boosted =
    o.features !== undefined && (o.stackedTreeEvents ?? 0) > 0 ? stackedTrees(o, o.features) : undefined;
  const shape =
    o.features === undefined ? undefined : { set: o.features, ...(boosted === undefined ? {} : { boosted }) };
  const q = shape === undefined ? 0 : featureInputLength(shape, g.nStations);
  const rng = new Rng(o.seed);
  const buf = new Float32Array(inputLength(o.spec));
  const row = new Float64Array(q);
  const parts = [nTrain, nVal].map((n) => ({
    inputs: new SparseInputs(o.spec),
    energyGeV: new Float32Array(n),
    dCm: new Float32Array(n),
    raw: new Float64Array(n * q),
  }));
  const hashes = new Set<number>();
  for (let i = 0; i < o.events; i++) {
    const ev = generateEvent(g, o.simulation, 'signal', rng);
    hashes.add(hitsHash(ev.hits));
    const part = i < nTrain ? parts[0]! : parts[1]!;
    const k = i < nTrain ? i : i - nTrain;
    part.inputs.push(buildInputs([ev.hits], g, o.spec, buf));
    part.energyGeV[k] = ev.truth.energyGeV;
    part.dCm[k] = ev.truth.dCm;
    if (shape !== undefined) {
      featureRow(shape, ev.hits, g, row);
      part.raw.set(row, k * q);
    }
  }
  if (o.features === undefined) {
    const [t, v] = parts.map(({ inputs, energyGeV, dCm }) => ({ inputs, energyGeV, dCm }));
    return { train: t!, val: v!, hashes };
  }
  const mean = new Array<number>(q).fill(0);
  const scale = new Array<number>(q).fill(0);
  const tr = parts[0]!.raw;
  for (let i = 0; i < nTrain; i++) for (let j = 0; j < q; j++) mean[j]! += tr[i * q + j]! / nTrain;
  for (let i = 0; i < nTrain; i++)
    for (let j = 0; j < q; j++) scale[j]! += (tr[i * q + j]! - mean[j]!) ** 2 / nTrain;
  for (let j = 0; j < q; j++) scale[j] = Math.sqrt(scale[j]!) || 1;
  const featureInput: FeatureInput = {
    set: o.features,
    mean,
    scale,
    ...(boosted === undefined ? {} : { boosted }),
  };
  const [t, v] = parts.map(({ inputs, energyGeV, dCm, raw }) => ({
    inputs,
    energyGeV,
    dCm,
    nFeatures: q,
    features: Float32Array.from(raw, (x, idx) => (x - mean[idx % q]!) / scale[idx % q]!),
  }));
  return { train: t!, val: v!, hashes, featureInput };
}

/** Boosted trees for stacking, trained on their own events (seed + 2): never on the net's training events. */
function stackedTrees(o: TrainingOptions, set: FeatureSet): BoostedCoefficients {
  const rng = new Rng(o.seed + 2);
  const events = Array.from({ length: o.stackedTreeEvents ?? 0 }, () =>
    generateEvent(o.geometry, o.simulation, 'signal', rng),
  );
  const m = featureMatrix(
    set,
    events.map((e) => e.hits),
    o.geometry,
  );
  return trainBoosted(
    m,
    { energyGeV: events.map((e) => e.truth.energyGeV), dCm: events.map((e) => e.truth.dCm) },
    o.geometry,
  );
}

async function measureInference(
  model: EnergyVertexModel,
  hits: readonly Hits[],
  batch = 64,
): Promise<{ eventsPerSecond: number; msPerEvent: number }> {
  const n = Math.min(hits.length, 64 * 100);
  await model.predict(hits.slice(0, batch)); // warm-up
  const t0 = performance.now();
  for (let i = 0; i + batch <= n; i += batch) await model.predict(hits.slice(i, i + batch));
  const s = (performance.now() - t0) / 1000;
  const done = Math.floor(n / batch) * batch;
  return { eventsPerSecond: done / s, msPerEvent: (1000 * s) / done };
}

export async function runTraining(o: TrainingOptions, hooks: TrainingHooks = {}): Promise<TrainingResult> {
  if (o.evalEvents > 0 && o.evalSeed === o.seed)
    throw new RangeError('the evaluation seed must differ from the training seed (fresh events)');
  const log = hooks.log ?? (() => {});
  const t0 = performance.now();
  const data = prepare(o);
  const simulateSeconds = (performance.now() - t0) / 1000;
  log(
    `simulated and prepared ${o.events} events (seed ${o.seed}) in ${simulateSeconds.toFixed(1)} s; ${data.train.energyGeV.length} train / ${data.val.energyGeV.length} validation` +
      `${data.featureInput === undefined ? '' : `; feature input ${data.featureInput.set} (${data.featureInput.mean.length})`}`,
  );
  const net = buildEnergyVertexNet(o.spec, o.architecture, o.name, data.featureInput?.mean.length ?? 0);
  attachMetadata(net, metadataFor(o.name, o.spec, o.architecture, data.featureInput));
  const t1 = performance.now();
  const reports = await trainEnergyVertexNet(net, o.spec, data.train, data.val, o.train, {
    onEpoch: (r) => hooks.onEpoch?.(r),
    onBest: async (m) => {
      await m.save(modelDirectory(o.out));
    },
  });
  const trainSeconds = (performance.now() - t1) / 1000;
  net.dispose();
  const best = reports.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
  const base = {
    reports,
    best,
    trainSeconds,
    simulateSeconds,
    nTrain: data.train.energyGeV.length,
    nValidation: data.val.energyGeV.length,
    ...(data.featureInput === undefined ? {} : { featureInput: data.featureInput }),
  };
  if (o.calibrationEvents > 0) {
    log(`calibrating the energy on ${o.calibrationEvents} events (seed ${o.seed + 1})`);
    Object.assign(base, {
      calibration: await calibrateModelDirectory(
        o.out,
        o.geometry,
        o.simulation,
        o.calibrationEvents,
        o.seed + 1,
        o.reconstruction,
      ),
    });
  }
  if (o.evalEvents <= 0) return base;
  const model = await loadEnergyVertexModel(modelDirectory(o.out), o.geometry);
  try {
    const rng = new Rng(o.evalSeed);
    const events = Array.from({ length: o.evalEvents }, () =>
      generateEvent(o.geometry, o.simulation, 'signal', rng),
    );
    const identicalToTraining = events.filter((e) => data.hashes.has(hitsHash(e.hits))).length;
    const hits = events.map((e) => e.hits);
    const p = await model.predict(hits);
    const res = energyVertexResolution(
      Float32Array.from(events, (e) => e.truth.energyGeV),
      p.energyGeV,
      Float32Array.from(events, (e) => e.truth.dCm),
      p.dCm,
    );
    const speed = await measureInference(model, hits);
    return {
      ...base,
      evaluation: {
        ...res,
        inferenceEventsPerSecond: speed.eventsPerSecond,
        inferenceMsPerEvent: speed.msPerEvent,
        identicalToTraining,
      },
    };
  } finally {
    model.dispose();
  }
}

/**
 * Fits the energy calibration of the model in `dir` (its uncalibrated output on `events` fresh
 * events of `seed`) and writes it into the model's metadata, replacing any earlier one. Only the
 * events the reconstruction accepts count: the rejected ones (no cluster; a quarter at 1–2 GeV,
 * 6 % at 2–5 GeV) are the faintest, and fitting with them set the accepted showers' scale 3–4 %
 * high below 5 GeV.
 */
export async function calibrateModelDirectory(
  dir: string,
  geometry: DetectorGeometry,
  simulation: SimulationConfig,
  events: number,
  seed: number,
  reconstruction: ReconstructorConfig = DEFAULT_RECONSTRUCTOR,
): Promise<EnergyCalibration> {
  registerCoordConv();
  const net = await tf.loadLayersModel(modelDirectory(dir));
  try {
    const { energyCalibration: _previous, ...meta } = readMetadata(net);
    const reco = createReconstructor(geometry, createEnergyVertexModel(net, meta, geometry), reconstruction);
    const rng = new Rng(seed);
    const eTrue: number[] = [];
    const eReco: number[] = [];
    for (let i = 0; i < events; i += 256) {
      const batch = Array.from({ length: Math.min(256, events - i) }, () =>
        generateEvent(geometry, simulation, 'signal', rng),
      );
      const out = await reco.reconstruct(
        batch.map((e, k) => ({
          runId: 'calibration',
          eventId: String(i + k),
          timestampNs: 0n,
          hits: e.hits,
        })),
      );
      out.forEach((r, k) => {
        if (r.status !== 'ok') return;
        eTrue.push(batch[k]!.truth.energyGeV);
        eReco.push(r.energyGeV);
      });
    }
    const calibration = fitEnergyCalibration(eTrue, eReco);
    attachMetadata(net, { ...meta, energyCalibration: calibration });
    await net.save(modelDirectory(dir));
    return calibration;
  } finally {
    net.dispose();
  }
}
