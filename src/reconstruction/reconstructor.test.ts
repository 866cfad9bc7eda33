import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_GEOMETRY,
  Rng,
  xCmToPixel,
  yCmToPixel,
  type HitFrame,
  type Hits,
  type RecoEvent,
} from '../domain/index.js';
import { createReconstructor, DEFAULT_RECONSTRUCTOR, type EnergyVertexModel } from './reconstructor.js';

const g = DEFAULT_GEOMETRY;

/** A fake model that records its batches and answers fixed values (or NaN for a marked frame). */
function fakeModel(e = 42, d = -4): EnergyVertexModel & { batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    info: { name: 'fake', backend: 'test' },
    dispose() {},
    predict(hits) {
      batches.push(hits.length);
      const energyGeV = new Float32Array(hits.length).fill(e);
      const dCm = new Float32Array(hits.length).fill(d);
      hits.forEach((h, i) => {
        if (h.count[0] === 777) energyGeV[i] = NaN;
      });
      return Promise.resolve({ energyGeV, dCm });
    },
  };
}

/** A shower-like frame: a Gaussian blob per station on a line x = x0 + sx·(z − d). */
function showerFrame(id: string, x0: number, y0: number, sx: number, d: number, rng: Rng): HitFrame {
  const st: number[] = [],
    ix: number[] = [],
    iy: number[] = [],
    c: number[] = [];
  for (let s = 0; s < 3; s++) {
    const z = s * g.stationPitchCm - d;
    for (let k = 0; k < 300; k++) {
      st.push(s);
      ix.push(xCmToPixel(g, x0 + sx * z + 0.1 * rng.normal()));
      iy.push(yCmToPixel(g, y0 + 0.1 * rng.normal()));
      c.push(1);
    }
    st.push(s); // one dark-count hit per station, far away
    ix.push(rng.int(1800));
    iy.push(rng.int(1500));
    c.push(1);
  }
  const hits: Hits = {
    station: Uint8Array.from(st),
    ix: Int32Array.from(ix),
    iy: Int32Array.from(iy),
    count: Int32Array.from(c),
  };
  return { runId: 'r', eventId: id, timestampNs: 1n, hits };
}

function frame(id: string, list: [number, number, number, number][]): HitFrame {
  return {
    runId: 'r',
    eventId: id,
    timestampNs: 5n,
    hits: {
      station: Uint8Array.from(list.map((h) => h[0])),
      ix: Int32Array.from(list.map((h) => h[1])),
      iy: Int32Array.from(list.map((h) => h[2])),
      count: Int32Array.from(list.map((h) => h[3])),
    },
  };
}

function assertNoNaN(e: RecoEvent): void {
  for (const k of ['energyGeV', 'dCm', 'xCm', 'yCm', 'fitRmsCm', 'stationsUsed', 'nHits'] as const) {
    assert.ok(Number.isFinite(e[k]), `${e.eventId}.${k} = ${e[k]}`);
  }
}

test('a shower frame reconstructs to its origin, the stations combined around the track at the model d', async () => {
  const model = fakeModel(42, -4);
  const reco = createReconstructor(g, model);
  // Slope 4 mrad: inside E·θ² < 2 mₑ at 42 GeV; the stations drift 16–120 µm from the origin.
  const [e, straight] = await reco.reconstruct([
    showerFrame('a', 3, -2, 0.004, -4, new Rng(1)),
    showerFrame('b', 3, -2, 0, -4, new Rng(3)),
  ]);
  assert.equal(e!.status, 'ok');
  assert.equal(e!.energyGeV, 42);
  assert.equal(e!.dCm, -4);
  assert.equal(e!.stationsUsed, 3);
  assert.ok(Math.abs(e!.xCm - 3) < 0.03, `x ${e!.xCm}`);
  assert.ok(Math.abs(e!.yCm + 2) < 0.01, `y ${e!.yCm}`);
  assert.ok(
    Math.abs(straight!.xCm - 3) < 0.01 && Math.abs(straight!.yCm + 2) < 0.01,
    `straight: ${straight!.xCm}, ${straight!.yCm}`,
  );
  assert.deepEqual(reco.info, { backend: 'test', model: 'fake' });
});

test('frames without a usable track or with a non-finite model output get a status that says why, no NaN, order kept, one model batch', async () => {
  // Frames arrive validated (validateFrame in the pipeline): the reconstructor does not check them again.
  const model = fakeModel();
  const reco = createReconstructor(g, model, DEFAULT_RECONSTRUCTOR);
  const frames: HitFrame[] = [
    showerFrame('good1', 0, 0, 0, -1, new Rng(2)),
    frame('scattered', [
      [0, 10, 10, 1],
      [1, 500, 500, 1],
      [2, 900, 900, 1],
    ]),
    frame('model-nan', [
      [0, 10, 10, 777],
      [0, 11, 10, 1],
      [0, 12, 10, 1],
      [1, 10, 10, 1],
      [1, 11, 10, 1],
      [1, 12, 10, 1],
    ]),
    showerFrame('good2', 5, 5, 0, -7, new Rng(3)),
  ];
  const out = await reco.reconstruct(frames);
  assert.deepEqual(
    out.map((e) => [e.eventId, e.status]),
    [
      ['good1', 'ok'],
      ['scattered', 'no_cluster'],
      ['model-nan', 'non_finite'],
      ['good2', 'ok'],
    ],
  );
  for (const e of out) {
    assertNoNaN(e);
    if (e.status !== 'ok') {
      assert.ok(e.detail !== undefined && e.detail.length > 0);
      assert.equal(e.energyGeV, 0);
    }
  }
  assert.deepEqual(model.batches, [3]);
  assert.match(out[2]!.detail!, /model fake returned E=NaN/);
});

test('a model failure rejects the batch (infrastructure, not physics)', async () => {
  const broken: EnergyVertexModel = {
    info: { name: 'x', backend: 'y' },
    dispose() {},
    predict: () => Promise.reject(new Error('gpu gone')),
  };
  await assert.rejects(
    createReconstructor(g, broken).reconstruct([showerFrame('a', 0, 0, 0, -1, new Rng(4))]),
    /gpu gone/,
  );
});

test('with a classify option, every reconstructed event carries its classification; events without a track are not classified', async () => {
  const rows: Float64Array[] = [];
  const reco = createReconstructor(g, fakeModel(), DEFAULT_RECONSTRUCTOR, {
    classify: (row) => {
      rows.push(row.slice());
      return { score: 0.75, predictedClass: 'signal', probabilities: { signal: 0.75, neutrino: 0.25 } };
    },
  });
  const rng = new Rng(4);
  const empty: HitFrame = {
    runId: 'r',
    eventId: 'empty',
    timestampNs: 1n,
    hits: {
      station: new Uint8Array(0),
      ix: new Int32Array(0),
      iy: new Int32Array(0),
      count: new Int32Array(0),
    },
  };
  const out: RecoEvent[] = await reco.reconstruct([showerFrame('a', 2, -3, 0.01, -3, rng), empty]);
  assert.equal(out[0]!.status, 'ok');
  assert.equal(out[0]!.classification?.score, 0.75);
  assert.equal(out[1]!.classification, undefined);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]![0], Math.log10(42), 'the first feature is log10 of the model energy');
  assert.equal(rows[0]![rows[0]!.length - 1], 1, 'one DBSCAN cluster in the last station');
});
