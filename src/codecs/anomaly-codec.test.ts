import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError, type AnomalyEvent, type Candidate, type RecoEvent } from '../domain/index.js';
import {
  avroType,
  CODEC_NAMES,
  createCodecs,
  decodeAnomaly,
  decodeRecoEvent,
  readSchemaFile,
} from './index.js';

const TS = 1_726_000_000_123_456_789n;
const reco: RecoEvent = {
  runId: 'r',
  eventId: 'r:7',
  timestampNs: TS,
  status: 'no_cluster',
  detail: 'no DBSCAN cluster',
  nHits: 12,
  energyGeV: 0,
  dCm: 0,
  xCm: 0,
  yCm: 0,
  fitRmsCm: 0,
  stationsUsed: 0,
  truth: { eventClass: 'nueCCQE', energyGeV: 3, x0Cm: 1, y0Cm: 2, dCm: -1, slopeX: 0, slopeY: 0 },
};
const scored: RecoEvent = { ...reco, anomaly: { score: 0.925, perStation: [0.1, 0.925, 0.3] } };
const anomaly: AnomalyEvent = {
  runId: 'r',
  eventId: 'r:7',
  timestampNs: TS,
  score: 0.925,
  threshold: 0.897,
  perStation: [0.1, 0.925, 0.3],
  dominantStation: 1,
  scorer: 'student gbt (3 × 80 trees)',
  selected: false,
  reco: { status: 'ok', nHits: 12, energyGeV: 4.5, dCm: -1, xCm: 2, yCm: -3, fitRmsCm: 0.1, stationsUsed: 3 },
};

describe('anomaly score on the wire (reco_event v3, anomaly v1)', () => {
  it('reco_event.v3 is v2 plus the optional anomaly (null default), pinned; a v2 reader reads v3 bodies', () => {
    assert.equal(avroType('reco', 3).fingerprint().toString('hex'), 'cb2fb2c1d91313ec6e1513f79b783ca8');
    const v2 = readSchemaFile('reco', 2) as { fields: { name: string }[] };
    const v3 = readSchemaFile('reco', 3) as { fields: { name: string; default?: unknown }[] };
    assert.deepEqual(
      v3.fields.slice(0, -1).map((f) => f.name),
      v2.fields.map((f) => f.name),
    );
    assert.equal(v3.fields.at(-1)!.name, 'anomaly');
    assert.equal(v3.fields.at(-1)!.default, null);
    const body = createCodecs('avro').reco.encode(scored).subarray(4);
    const old = avroType('reco', 2).fromBuffer(
      body,
      avroType('reco', 2).createResolver(avroType('reco', 3)),
    ) as {
      eventId: string;
      truth: { interaction: string };
    };
    assert.equal(old.eventId, reco.eventId);
    assert.equal(old.truth.interaction, 'nueCCQE');
  });

  for (const name of CODEC_NAMES) {
    it(`${name}: a scored event is version 3 and round-trips; unscored ones keep their version; candidates drop the score`, () => {
      const c = createCodecs(name);
      const b3 = c.reco.encode(scored);
      assert.equal(b3[3], 3);
      assert.deepEqual(decodeRecoEvent(b3), scored);
      const classification = {
        score: 0.4,
        predictedClass: 'muon',
        probabilities: { muon: 0.6, signal: 0.4 },
      };
      assert.deepEqual(decodeRecoEvent(c.reco.encode({ ...scored, classification })), {
        ...scored,
        classification,
      });
      assert.equal(c.reco.encode(reco)[3], 1);
      const cand: Candidate = { event: scored, selected: false, reasons: ['x'] };
      const bc = c.candidate.encode(cand);
      assert.equal(bc[3], 1);
      assert.equal(c.candidate.decode(bc).event.anomaly, undefined);
    });

    it(`${name}: anomaly events round-trip, with header kind 6, and a reco message is no anomaly`, () => {
      const c = createCodecs(name);
      const b = c.anomaly.encode(anomaly);
      assert.deepEqual([b[2], b[3]], [6, 1]);
      assert.deepEqual(decodeAnomaly(b), anomaly);
      assert.throws(
        () => decodeAnomaly(c.reco.encode(reco)),
        (e: unknown) => e instanceof DecodeError && e.reason === 'schema_mismatch',
      );
    });
  }
});
