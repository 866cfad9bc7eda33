/**
 * The rows of bench-reco, in order: one step per group of rows, each a small function of the shared
 * bench state (`RecoBench`). A new row is a new entry in a step's variant table, or a new step in
 * RECO_STEPS; the timing itself is bench-reco-timing.ts'.
 */
import { Rng, type HitFrame, type Hits } from '../domain/index.js';
import {
  buildModelInputs,
  classifierFeatureCount,
  classifierFeatures,
  createBaselineModel,
  createEventPreparer,
  createPreparePool,
  createReconstructor,
  createTransverseReconstructor,
  DEFAULT_TRANSVERSE,
  trainBaselineStream,
  type CnnModel,
  type EnergyVertexModel,
  type ReconstructorConfig,
  SPATIAL_INDEXES,
} from '../reconstruction/index.js';
import { type ShowertrigConfig } from '../config/index.js';
import { generateEvent } from '../sim/index.js';
import { loadCnnModel, loadEventClassifier } from '../app/index.js';
import { compareWithSklearn, sklearnMarkdown, type SklearnOutcome } from './bench-reco-sklearn.js';
import {
  batched,
  freshFrame,
  freshHits,
  interleaved,
  perItem,
  summary,
  type Row,
} from './bench-reco-timing.js';

/** What the steps share: the events, the flags, the models loaded so far and the rows written so far. */
export interface RecoBench {
  readonly cfg: ShowertrigConfig;
  readonly rc: ReconstructorConfig;
  readonly seed: number;
  readonly events: readonly HitFrame[];
  readonly hits: readonly Hits[];
  readonly batches: readonly number[];
  readonly threads: readonly number[];
  /** --model: the CNN directory (also where the event classifiers are). */
  readonly modelDir: string | undefined;
  /** --sklearn: the Python with scikit-learn. */
  readonly sklearnPython: string | undefined;
  /** The baseline, then the CNN with --model (set by the models step). */
  models: EnergyVertexModel[];
  cnn: CnnModel | undefined;
  sk: SklearnOutcome | undefined;
  readonly rows: Row[];
  readonly log: (m: string) => void;
}

export type RecoStep = (b: RecoBench) => Promise<void>;

function add(b: RecoBench, r: Row): void {
  b.rows.push(r);
  b.log(summary(r));
}

/** Per event, alone: a warm-up, then one timed pass over fresh copies. */
function perEvent(stage: string, all: readonly Hits[], f: (h: Hits) => void): Row {
  return perItem(stage, all, all.map(freshHits), f);
}

/** DBSCAN clustering + track choice, once per spatial index. */
const clustering: RecoStep = async (b) => {
  const g = b.cfg.detector;
  for (const index of SPATIAL_INDEXES) {
    const t = createTransverseReconstructor(g, {
      ...b.rc.transverse,
      clustering: { ...b.rc.transverse.clustering, index },
    });
    add(
      b,
      perEvent(`clustering + track (${index})`, b.hits, (h) => void t.reconstruct(h)),
    );
  }
};

/** --sklearn: scikit-learn's DBSCAN on the same stations (not a row; its own table). */
const sklearn: RecoStep = async (b) => {
  if (b.sklearnPython === undefined) return;
  const r = b.cfg.reconstruction;
  b.sk = compareWithSklearn(b.sklearnPython, b.hits, b.cfg.detector, r.dbscanEpsMm, r.dbscanMinHits);
  b.log(sklearnMarkdown(b.sk).join('\n').trim());
};

const baselineTrack: RecoStep = async (b) => {
  const tb = createTransverseReconstructor(b.cfg.detector, DEFAULT_TRANSVERSE);
  add(
    b,
    perEvent('weighted-mean track (baseline X,Y)', b.hits, (h) => void tb.baseline(h)),
  );
};

/** The baseline, trained here on its own events, and the CNN with --model. */
const loadModels: RecoStep = async (b) => {
  const g = b.cfg.detector;
  const trainRng = new Rng(b.seed + 1_000_003);
  const baseline = createBaselineModel(
    trainBaselineStream(5000, () => generateEvent(g, b.cfg.simulation, 'signal', trainRng), g),
    g,
  );
  b.models = [baseline];
  b.cnn =
    b.modelDir === undefined ? undefined : await loadCnnModel(b.modelDir, g, b.cfg.reconstruction.backend);
  if (b.cnn !== undefined) b.models.push(b.cnn);
};

/** Each model's E,d prediction alone, per --batches size. */
const modelBatches: RecoStep = async (b) => {
  for (const m of b.models)
    for (const size of b.batches)
      add(
        b,
        await batched(`${m.info.name} E,d [${m.info.backend}]`, b.hits, freshHits, size, (x) => m.predict(x)),
      );
};

/** The full reconstruction with each model, one event at a time and in batches of reconstruction.batchSize. */
const fullReconstruction: RecoStep = async (b) => {
  for (const m of b.models) {
    const reco = createReconstructor(b.cfg.detector, m, b.rc);
    for (const size of [1, b.cfg.reconstruction.batchSize]) {
      const stage = `full reconstruction, ${m.info.name} [${m.info.backend}]`;
      add(b, await batched(stage, b.events, freshFrame, size, (x) => reco.reconstruct(x)));
    }
  }
};

/** The event classifiers tried, in row order; undefined = the reconstruction without one. */
const CLASSIFIER_VARIANTS = [undefined, 'gbt', 'mlp'] as const;

/**
 * The event classifier's cost: the full reconstruction with and without it, batch by batch in
 * rotating order, so that a load change on a shared machine hits every row alike; then each
 * classifier's own work per event, alone.
 */
const classifierCost: RecoStep = async (b) => {
  const cnn = b.cnn;
  if (cnn === undefined) return;
  const variants: { stage: string; f: (x: readonly HitFrame[]) => Promise<unknown> }[] = [];
  for (const kind of CLASSIFIER_VARIANTS) {
    const clf = kind === undefined ? undefined : await loadEventClassifier(b.modelDir!, kind, undefined);
    if (kind !== undefined && clf === undefined) continue;
    const options = clf === undefined ? {} : { classify: (row: Float64Array) => clf.classify(row) };
    const reco = createReconstructor(b.cfg.detector, cnn, b.rc, options);
    variants.push({
      stage: `full reconstruction, ${cnn.info.name} [${cnn.info.backend}]${clf === undefined ? '' : ` + classifier ${clf.kind}`} (interleaved)`,
      f: (x) => reco.reconstruct(x),
    });
  }
  if (variants.length <= 1) return;
  for (const r of await interleaved(variants, b.events, freshFrame, b.cfg.reconstruction.batchSize))
    add(b, r);
  await classifierAlone(b);
};

/** The classifier's own work per event: features from the tracks (found beforehand, untimed) + the model. */
async function classifierAlone(b: RecoBench): Promise<void> {
  const g = b.cfg.detector;
  const tt = createTransverseReconstructor(g, b.rc.transverse);
  const prepared = b.hits.map((h) => ({ h, r: tt.reconstruct(h) })).filter((x) => x.r.track !== undefined);
  const order = prepared.map((_, i) => i);
  const fr = new Float64Array(classifierFeatureCount(g.nStations));
  for (const kind of CLASSIFIER_VARIANTS) {
    if (kind === undefined) continue;
    const clf = await loadEventClassifier(b.modelDir!, kind, undefined);
    if (clf === undefined) continue;
    const one = (i: number): void => {
      const { h, r } = prepared[i]!;
      const reco = { energyGeV: 10, dCm: -3, xCm: 0, yCm: 0, nHits: h.station.length };
      classifierFeatures(h, g, reco, r.track!, r.clustersPerStation, fr);
      clf.classify(fr);
    };
    add(
      b,
      perItem(`classifier ${kind} alone (features + model, per reconstructed event)`, order, order, one),
    );
  }
}

/**
 * The per-event work without the net (prepare.ts), alone: what the worker threads share; then, per
 * --threads value, the preparation and the full reconstruction on a worker pool.
 */
const preparation: RecoStep = async (b) => {
  const cnn = b.cnn;
  if (cnn === undefined) return;
  const g = b.cfg.detector;
  const spec = cnn.inputSpec;
  const size = b.cfg.reconstruction.batchSize;
  const local = createEventPreparer(g, b.rc.transverse, (h) => buildModelInputs(spec, h, g));
  const stage = 'prepare (clustering, robust centre, net inputs)';
  add(b, await batched(stage, b.hits, freshHits, size, async (x) => local.prepare(x)));
  for (const t of b.threads) {
    const pool = createPreparePool({ threads: t, geometry: g, transverse: b.rc.transverse, spec });
    add(b, await batched(`${stage}, ${pool.preparedBy}`, b.hits, freshHits, size, (x) => pool.prepare(x)));
    const reco = createReconstructor(g, cnn, b.rc, { preparer: pool });
    const full = `full reconstruction, ${cnn.info.name} [${cnn.info.backend}], ${pool.preparedBy}`;
    add(b, await batched(full, b.events, freshFrame, size, (x) => reco.reconstruct(x)));
    await pool.close();
  }
};

/** The rows of the benchmark, in the order they are measured and printed. */
export const RECO_STEPS: readonly RecoStep[] = [
  clustering,
  sklearn,
  baselineTrack,
  loadModels,
  modelBatches,
  fullReconstruction,
  classifierCost,
  preparation,
];
