import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GEOMETRY, Rng, xCmToPixel, yCmToPixel, type Hits } from '../../domain/index.js';
import { fitLine, type TrackFit } from '../clustering/index.js';
import {
  classifierFeatureCount,
  classifierFeatureNames,
  classifierFeatures,
} from '../classifier-features.js';
import { parseConfig } from '../../config/index.js';
import { createEventClassifier, parseClassifierFile, type ClassifierFile } from './model.js';
import { predictMlp, trainMlp } from './mlp.js';

const g = DEFAULT_GEOMETRY;

/** A narrow blob of hits around (x, y) cm in each station, plus optional extra hits. */
function hits(extra: { station: number; xCm: number; yCm: number }[] = []): Hits {
  const st: number[] = [];
  const ix: number[] = [];
  const iy: number[] = [];
  const count: number[] = [];
  const rng = new Rng(3);
  for (let s = 0; s < g.nStations; s++) {
    for (let k = 0; k < 40; k++) {
      st.push(s);
      ix.push(xCmToPixel(g, 1 + 0.1 * rng.normal()));
      iy.push(yCmToPixel(g, 2 + 0.1 * rng.normal()));
      count.push(10);
    }
  }
  for (const e of extra) {
    st.push(e.station);
    ix.push(xCmToPixel(g, e.xCm));
    iy.push(yCmToPixel(g, e.yCm));
    count.push(10);
  }
  return {
    station: Uint8Array.from(st),
    ix: Int32Array.from(ix),
    iy: Int32Array.from(iy),
    count: Int32Array.from(count),
  };
}

const track: TrackFit = fitLine(
  [0, 1, 2].map((s) => ({ station: s, xCm: 1, yCm: 2, sumCount: 400 })),
  g,
);
const reco = { energyGeV: 20, dCm: -3, xCm: 1, yCm: 2, nHits: 120 };
const names = classifierFeatureNames(g.nStations);
const at = (row: Float64Array, name: string): number => row[names.indexOf(name)]!;

test('classifier features: a single narrow shower has its core on the axis, one cluster per station, no halo', () => {
  const row = new Float64Array(classifierFeatureCount(g.nStations));
  assert.equal(row.length, names.length);
  classifierFeatures(hits(), g, reco, track, [1, 1, 1], row);
  assert.ok(row.every(Number.isFinite));
  assert.equal(at(row, 'log10_e_gev'), Math.log10(20));
  assert.equal(at(row, 'stations_used'), 3);
  assert.equal(at(row, 'theta_rad'), 0);
  for (let s = 0; s < 3; s++) {
    assert.equal(at(row, `s${s}_clusters`), 1);
    assert.equal(at(row, `s${s}_log1p_halo_adc`), 0);
    assert.ok(at(row, `s${s}_core_fraction`) > 0.95);
    assert.ok(at(row, `s${s}_rms_radius_cm`) < 0.3);
  }
});

test('classifier features: hits away from the axis show as halo activity in their station only; hits before the first track station count upstream', () => {
  const row = new Float64Array(names.length);
  const far = [0, 1, 2, 3].map((k) => ({ station: 1, xCm: 11 + 0.05 * k, yCm: 2 }));
  classifierFeatures(hits(far), g, reco, track, [1, 2, 1], row);
  assert.equal(at(row, 's1_clusters'), 2);
  assert.equal(at(row, 's1_log1p_halo_adc'), Math.log1p(40));
  assert.equal(at(row, 's0_log1p_halo_adc'), 0);
  assert.ok(at(row, 's1_core_fraction') > 0.95, 'beyond the shower window: the core fraction is unchanged');
  assert.equal(at(row, 'log1p_upstream_hits'), 0);
  const late = fitLine(
    [1, 2].map((s) => ({ station: s, xCm: 1, yCm: 2, sumCount: 400 })),
    g,
  );
  classifierFeatures(hits(), g, reco, late, [1, 1, 1], row);
  assert.equal(at(row, 'first_station'), 1);
  assert.equal(at(row, 'log1p_upstream_hits'), Math.log1p(40));
});

test('the dense net learns two blobs and its JSON forward pass gives the probabilities the classifier reports', async () => {
  const n = 400;
  const rng = new Rng(9);
  const x = new Float64Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    x[2 * i] = rng.normal() + (y[i] ? 2 : -2);
    x[2 * i + 1] = rng.normal();
  }
  const mlp = await trainMlp(x, y, n, 2, 2, {
    hidden: 8,
    epochs: 15,
    batchSize: 64,
    learningRate: 0.02,
    validationFraction: 0.2,
    patience: 5,
    seed: 1,
  });
  const p = new Float64Array(2);
  let right = 0;
  for (let i = 0; i < n; i++)
    if ((predictMlp(mlp, x.subarray(2 * i, 2 * i + 2), p)[1]! > 0.5 ? 1 : 0) === y[i]) right++;
  assert.ok(right > 0.95 * n, `${right}/${n}`);
  const file = {
    version: 1,
    classes: ['bkg', 'signal'],
    signalClass: 'signal',
    featureNames: ['a', 'b'],
    gbt: { kind: 'gbt-softmax', nFeatures: 2, classes: ['bkg', 'signal'], forests: [], validationLoss: [] },
    mlp,
    thresholds: { mlp: 0.7 },
    provenance: {},
  } as unknown as ClassifierFile;
  const clf = createEventClassifier(file, 'mlp');
  assert.equal(clf.threshold, 0.7);
  const c = clf.classify(Float64Array.of(3, 0));
  assert.equal(c.predictedClass, 'signal');
  assert.equal(c.score, predictMlp(mlp, [3, 0], p)[1]);
  assert.ok(Math.abs(c.probabilities['signal']! + c.probabilities['bkg']! - 1) < 1e-12);
});

test('gbt-flat: the kind selects the stored efficiency-flat trees and their working point; a file without them is refused', () => {
  // One stump per class: the feature a <= 0 goes left. The flat trees lean the other way.
  const stump = (l: number, r: number) => ({
    feature: [0, -1, -1],
    threshold: [0, 0, 0],
    left: [1, -1, -1],
    right: [2, -1, -1],
    value: [0, l, r],
  });
  const forests = (v: number) => [
    { kind: 'gbt', nFeatures: 1, baseline: 0, trees: [stump(v, -v)], validationLoss: [] },
    { kind: 'gbt', nFeatures: 1, baseline: 0, trees: [stump(-v, v)], validationLoss: [] },
  ];
  const softmax = (v: number) => ({
    kind: 'gbt-softmax',
    nFeatures: 1,
    classes: ['bkg', 'signal'],
    forests: forests(v),
    validationLoss: [],
  });
  const base = {
    version: 1,
    classes: ['bkg', 'signal'],
    signalClass: 'signal',
    featureNames: ['a'],
    gbt: softmax(1),
    thresholds: { gbt: 0.3, 'gbt-flat': 0.6 },
    provenance: {},
  };
  const file = parseClassifierFile(JSON.stringify({ ...base, gbtFlat: softmax(-2) }));
  const gbt = createEventClassifier(file, 'gbt');
  const flat = createEventClassifier(file, 'gbt-flat');
  assert.equal(flat.kind, 'gbt-flat');
  assert.equal(flat.threshold, 0.6);
  assert.equal(gbt.threshold, 0.3);
  const row = Float64Array.of(1);
  assert.ok(Math.abs(gbt.classify(row).score - 1 / (1 + Math.exp(-2))) < 1e-12);
  assert.ok(Math.abs(flat.classify(row).score - 1 / (1 + Math.exp(4))) < 1e-12);
  assert.equal(flat.classify(row).predictedClass, 'bkg');
  const old = parseClassifierFile(JSON.stringify(base));
  assert.throws(() => createEventClassifier(old, 'gbt-flat'), /no efficiency-flat trees/);
  const wrong = { ...softmax(1), nFeatures: 2 };
  assert.throws(() => parseClassifierFile(JSON.stringify({ ...base, gbtFlat: wrong })), /gbt-flat/);
  assert.equal(
    parseConfig({ trigger: { selection: { classifier: 'gbt-flat' } } }).trigger.selection.classifier,
    'gbt-flat',
  );
});
