import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DecodeError,
  EVENT_CLASSES,
  EVENT_CLASSES_V1,
  RECO_STATUSES,
  Rng,
  type Candidate,
  type DeadLetter,
  type ExcessAlert,
  type HitFrame,
  type RecoEvent,
} from '../domain/index.js';
import {
  avroType,
  CODEC_NAMES,
  createCodecs,
  readSchemaFile,
  SCHEMA_FILES,
  type MessageKind,
  decodeCandidate,
  decodeDeadLetter,
  decodeExcessAlert,
  decodeFrame,
  decodeRecoEvent,
  EncodeError,
  encodeFrame,
  HEADER_BYTES,
  type Codec,
  type CodecSet,
} from './index.js';

const TS = 1_726_000_000_123_456_789n; // beyond 2^53: loses precision as a double

function frame(nHits: number, seed = 1, withTruth = true): HitFrame {
  const rng = new Rng(seed);
  const station = new Uint8Array(nHits);
  const ix = new Int32Array(nHits);
  const iy = new Int32Array(nHits);
  const count = new Int32Array(nHits);
  for (let i = 0; i < nHits; i++) {
    station[i] = rng.int(3);
    ix[i] = rng.int(1800);
    iy[i] = rng.int(1500);
    count[i] = 1 + rng.int(40);
  }
  const f: HitFrame = {
    runId: 'run-7',
    eventId: `run-7:${seed}`,
    timestampNs: TS + BigInt(seed),
    hits: { station, ix, iy, count },
  };
  if (!withTruth) return f;
  return {
    ...f,
    truth: {
      eventClass: 'neutrino',
      energyGeV: 12.5,
      x0Cm: -3.25,
      y0Cm: 17.0625,
      dCm: -4.1,
      slopeX: 0.0021,
      slopeY: -0.0007,
    },
  };
}

const reco: RecoEvent = {
  runId: 'r',
  eventId: 'r:1',
  timestampNs: TS,
  status: 'ok',
  nHits: 420,
  energyGeV: 33.3,
  dCm: -2.5,
  xCm: 1.5,
  yCm: -0.25,
  fitRmsCm: 0.031,
  stationsUsed: 3,
  truth: { eventClass: 'signal', energyGeV: 31, x0Cm: 1.4, y0Cm: -0.2, dCm: -2.6, slopeX: 0, slopeY: 0.001 },
};
const recoBad: RecoEvent = {
  ...reco,
  status: 'single_station',
  detail: 'hits in one station only',
  energyGeV: 0,
  truth: undefined,
};
delete (recoBad as { truth?: unknown }).truth;
const candidate: Candidate = {
  event: reco,
  selected: true,
  reasons: ['energy 33.3 GeV in [1, 100]', 'fiducial'],
  alertId: 'a-1',
};
const alert: ExcessAlert = {
  alertId: 'a-1',
  method: 'cusum',
  windowStartNs: TS,
  windowEndNs: TS + 10_000_000_000n,
  observed: 17,
  expected: 4.2,
  z: 4.9,
  p: 4.8e-7,
  eventClassHint: 'signal',
};
const deadLetter: DeadLetter = {
  topic: 'tt.frames',
  partition: 3,
  offset: '9007199254740993',
  key: 'r:1',
  reason: 'truncated',
  errorClass: 'DecodeError',
  payload: Uint8Array.of(0xb7, 1, 1),
  receivedAtNs: TS,
};

function assertFrameEqual(got: HitFrame, want: HitFrame): void {
  assert.equal(got.runId, want.runId);
  assert.equal(got.eventId, want.eventId);
  assert.equal(got.timestampNs, want.timestampNs);
  assert.deepEqual(got.truth, want.truth);
  assert.ok(got.hits.station instanceof Uint8Array && got.hits.ix instanceof Int32Array);
  assert.ok(got.hits.iy instanceof Int32Array && got.hits.count instanceof Int32Array);
  assert.deepEqual(Array.from(got.hits.station), Array.from(want.hits.station));
  assert.deepEqual(Array.from(got.hits.ix), Array.from(want.hits.ix));
  assert.deepEqual(Array.from(got.hits.iy), Array.from(want.hits.iy));
  assert.deepEqual(Array.from(got.hits.count), Array.from(want.hits.count));
}

/** Runs decode and requires that it either succeeds or throws DecodeError. */
function decodeOrDecodeError<T>(c: Codec<T>, b: Uint8Array): string | undefined {
  try {
    c.decode(b);
    return undefined;
  } catch (e) {
    if (!(e instanceof DecodeError))
      throw new assert.AssertionError({
        message: `non-DecodeError ${String(e)} for ${Buffer.from(b).toString('hex').slice(0, 80)}`,
      });
    assert.ok(e.reason.length > 0);
    return e.reason;
  }
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DecodeError, `expected DecodeError, got ${String(e)}`);
    return e.reason;
  }
  assert.fail('expected a DecodeError');
}

for (const name of CODEC_NAMES) {
  describe(`${name} codec`, () => {
    const set: CodecSet = createCodecs(name);

    it('round-trips frames with and without truth, keeping the bigint timestamp exact', () => {
      for (const f of [frame(500, 1), frame(3, 2, false), frame(0, 3)]) {
        const b = set.frame.encode(f);
        assert.equal(b[0], 0xb7);
        const got = set.frame.decode(b);
        assertFrameEqual(got, f);
        assert.equal(typeof got.timestampNs, 'bigint');
        if (f.truth === undefined) assert.ok(!('truth' in got));
      }
    });

    it('round-trips a timestamp at the int64 limits', () => {
      for (const t of [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
        assert.equal(set.frame.decode(set.frame.encode({ ...frame(2), timestampNs: t })).timestampNs, t);
      }
    });

    it('round-trips reco events, candidates, alerts and dead letters', () => {
      assert.deepEqual(set.reco.decode(set.reco.encode(reco)), reco);
      const rb = set.reco.decode(set.reco.encode(recoBad));
      assert.deepEqual(rb, recoBad);
      assert.ok(!('truth' in rb));
      assert.deepEqual(set.candidate.decode(set.candidate.encode(candidate)), candidate);
      const noAlert: Candidate = { event: recoBad, selected: false, reasons: [] };
      assert.deepEqual(set.candidate.decode(set.candidate.encode(noAlert)), noAlert);
      assert.deepEqual(set.alert.decode(set.alert.encode(alert)), alert);
      const { eventClassHint: _h, ...plainAlert } = alert;
      assert.deepEqual(set.alert.decode(set.alert.encode(plainAlert)), plainAlert);
      assert.deepEqual(set.deadLetter.decode(set.deadLetter.encode(deadLetter)), deadLetter);
      const { key: _k, ...noKey } = deadLetter;
      assert.deepEqual(set.deadLetter.decode(set.deadLetter.encode(noKey)), noKey);
    });

    it('the free decode functions read the codec from the header', () => {
      assertFrameEqual(decodeFrame(set.frame.encode(frame(50))), frame(50));
      assert.deepEqual(decodeRecoEvent(set.reco.encode(reco)), reco);
      assert.deepEqual(decodeCandidate(set.candidate.encode(candidate)), candidate);
      assert.deepEqual(decodeExcessAlert(set.alert.encode(alert)), alert);
      assert.deepEqual(decodeDeadLetter(set.deadLetter.encode(deadLetter)), deadLetter);
    });

    it('classifies malformed headers', () => {
      const good = set.frame.encode(frame(20));
      assert.equal(
        reasonOf(() => set.frame.decode(new Uint8Array(0))),
        'truncated',
      );
      assert.equal(
        reasonOf(() => set.frame.decode(good.subarray(0, 3))),
        'truncated',
      );
      const badMagic = Buffer.from(good);
      badMagic[0] = 0x00;
      assert.equal(
        reasonOf(() => set.frame.decode(badMagic)),
        'bad_header',
      );
      const badCodec = Buffer.from(good);
      badCodec[1] = 9;
      assert.equal(
        reasonOf(() => set.frame.decode(badCodec)),
        'bad_header',
      );
      const future = Buffer.from(good);
      future[3] = 9;
      assert.equal(
        reasonOf(() => set.frame.decode(future)),
        'unsupported_version',
      );
      assert.equal(
        reasonOf(() => set.frame.decode(set.reco.encode(reco))),
        'schema_mismatch',
      );
      const other = createCodecs(name === 'avro' ? 'msgpack' : 'avro');
      assert.equal(
        reasonOf(() => set.frame.decode(other.frame.encode(frame(5)))),
        'codec_mismatch',
      );
    });

    it('classifies truncated bodies and trailing garbage', () => {
      const good = set.frame.encode(frame(40));
      assert.equal(
        reasonOf(() => set.frame.decode(good.subarray(0, good.length - 1))),
        'truncated',
      );
      assert.equal(
        reasonOf(() => set.frame.decode(good.subarray(0, HEADER_BYTES))),
        'truncated',
      );
      assert.equal(
        reasonOf(() => set.frame.decode(Buffer.concat([good, Buffer.from([1, 2, 3])]))),
        'trailing_data',
      );
    });

    it('rejects a body of the wrong types', () => {
      // A reco body behind a frame header: header checks pass, the body cannot be a frame.
      const body = set.reco.encode(reco).subarray(HEADER_BYTES);
      const lying = Buffer.concat([set.frame.encode(frame(1)).subarray(0, HEADER_BYTES), body]);
      assert.ok(
        ['schema_mismatch', 'corrupt', 'truncated', 'trailing_data'].includes(
          reasonOf(() => set.frame.decode(lying)),
        ),
      );
    });

    it('throws only DecodeError for every truncation and every single-byte corruption', () => {
      const msgs: [Codec<unknown>, Buffer][] = [
        [set.frame as Codec<unknown>, set.frame.encode(frame(30))],
        [set.candidate as Codec<unknown>, set.candidate.encode(candidate)],
        [set.alert as Codec<unknown>, set.alert.encode(alert)],
        [set.deadLetter as Codec<unknown>, set.deadLetter.encode(deadLetter)],
      ];
      const rng = new Rng(42);
      for (const [c, b] of msgs) {
        for (let len = 0; len < b.length; len++)
          assert.ok(decodeOrDecodeError(c, b.subarray(0, len)) !== undefined, `prefix ${len} decoded`);
        for (let i = HEADER_BYTES; i < b.length; i++) {
          const m = Buffer.from(b);
          m[i] = rng.int(256);
          decodeOrDecodeError(c, m);
        }
      }
    });

    it('throws only DecodeError for random bytes, with or without a valid header', () => {
      const rng = new Rng(7);
      const header = set.frame.encode(frame(1)).subarray(0, HEADER_BYTES);
      for (let k = 0; k < 3000; k++) {
        const body = new Uint8Array(rng.int(64));
        for (let i = 0; i < body.length; i++) body[i] = rng.int(256);
        decodeOrDecodeError(set.frame, body);
        decodeOrDecodeError(set.frame, Buffer.concat([header, body]));
        decodeOrDecodeError(
          set.candidate,
          Buffer.concat([set.candidate.encode(candidate).subarray(0, HEADER_BYTES), body]),
        );
      }
    });

    it('rejects a huge array count without allocating it', () => {
      // header + runId "" + eventId "" + ts 0 + station array with count 2^50 (zigzag varint).
      const huge = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02];
      const b = Buffer.from([
        ...set.frame.encode(frame(1)).subarray(0, HEADER_BYTES),
        0,
        0,
        0,
        ...huge,
        1,
        2,
      ]);
      const t0 = performance.now();
      decodeOrDecodeError(set.frame, b);
      assert.ok(performance.now() - t0 < 100);
    });

    it('refuses to encode values of the wrong type with EncodeError', () => {
      const bad = { ...reco, status: 'maybe' } as unknown as RecoEvent;
      assert.throws(() => set.reco.encode(bad), EncodeError);
    });
  });
}

/** The reco event as the avsc record of reco_event.v1 (optional fields null). */
function recoToWire(e: RecoEvent): Record<string, unknown> {
  return { ...e, detail: e.detail ?? null, truth: e.truth ?? null };
}

describe('classification on the wire (schema version 2)', () => {
  const classification = {
    score: 0.93,
    predictedClass: 'signal',
    probabilities: { signal: 0.93, neutrino: 0.05, muon: 0.01, noise: 0.01 },
  };
  for (const name of CODEC_NAMES) {
    it(`${name}: an event with a classification is written as version 2 and round-trips; one without stays version 1`, () => {
      const c = createCodecs(name);
      const r2 = { ...reco, classification };
      const b2 = c.reco.encode(r2);
      assert.equal(b2[3], 2);
      assert.deepEqual(c.reco.decode(b2), r2);
      const b1 = c.reco.encode(reco);
      assert.equal(b1[3], 1);
      assert.deepEqual(c.reco.decode(b1), reco);
      const cand = {
        ...candidate,
        event: r2,
        reasons: ['status: pass (ok)', 'classifier: pass (0.93 >= 0.85)'],
      };
      const bc = c.candidate.encode(cand);
      assert.equal(bc[3], 2);
      assert.deepEqual(c.candidate.decode(bc), cand);
      assert.equal(c.candidate.encode(candidate)[3], 1);
    });
  }
  for (const name of CODEC_NAMES) {
    it(`${name}: version 2 keeps a later class in truth; version 1 travels as the nearest first-version class`, () => {
      const c = createCodecs(name);
      const elastic = { ...reco, truth: { ...reco.truth!, eventClass: 'nuElastic' as const } };
      assert.equal(
        c.reco.decode(c.reco.encode({ ...elastic, classification })).truth?.eventClass,
        'nuElastic',
      );
      assert.equal(c.reco.decode(c.reco.encode(elastic)).truth?.eventClass, 'neutrino');
    });
  }
  it('a version-1 reco event from before version 2 existed decodes unchanged', () => {
    const body = avroType('reco', 1).toBuffer(recoToWire(reco));
    const bytes = Buffer.concat([Buffer.from([0xb7, 1, 2, 1]), body]);
    assert.deepEqual(decodeRecoEvent(bytes), reco);
  });
});

describe('codec sizes', () => {
  it('avro frames are smaller than msgpack frames (varints vs raw int32)', () => {
    const f = frame(1000);
    const a = encodeFrame(f, 'avro').length;
    const m = encodeFrame(f, 'msgpack').length;
    assert.ok(a < m, `avro ${a} >= msgpack ${m}`);
    assert.ok(m > 13 * 1000 && m < 13 * 1000 + 300, `msgpack ${m}`);
  });
});

describe('schema files', () => {
  // Parsing Canonical Form MD5 of each published schema version. Published files are never
  // edited: a change needs a new .vN file (and a new entry here), never a new hash for v1.
  const V1_FINGERPRINTS: Record<MessageKind, string> = {
    frame: '8884dd9f6f6985e86e6d435c27c7c95c',
    reco: '0592ae69272cc218036a497db50ada03',
    candidate: '98b52334494ba6e8a9a682be5b853aab',
    alert: '4487c8eb28b5d58e0888d549f78ee917',
    deadLetter: 'ca36ed98e5be4be6492ad64441354f61',
    anomaly: '5f75a55445670b5a76986a770ce7c57e',
  };

  const V2_FINGERPRINTS: Partial<Record<MessageKind, string>> = {
    frame: '23e09034584e85b855a75ef53de00efb',
    reco: '63b2c7e8eac3af9bfae0e2d30e6bffd1',
    candidate: 'f4ab906ee03620d2484402c543ed7c1d',
  };

  it('v1 schemas are unchanged since publication', () => {
    for (const kind of Object.keys(SCHEMA_FILES) as MessageKind[]) {
      assert.equal(
        avroType(kind, 1).fingerprint().toString('hex'),
        V1_FINGERPRINTS[kind],
        `schemas/${SCHEMA_FILES[kind]}.v1.avsc`,
      );
    }
  });

  it('v2 schemas are unchanged since publication', () => {
    for (const [kind, fp] of Object.entries(V2_FINGERPRINTS) as [MessageKind, string][]) {
      assert.equal(
        avroType(kind, 2).fingerprint().toString('hex'),
        fp,
        `schemas/${SCHEMA_FILES[kind]}.v2.avsc`,
      );
    }
  });

  it('reco_event.v2 is v1 plus the optional classification (null default), read by a v1 reader through schema resolution', () => {
    const v1 = readSchemaFile('reco', 1) as { fields: { name: string }[] };
    const v2 = readSchemaFile('reco', 2) as { fields: { name: string; default?: unknown }[] };
    assert.deepEqual(
      v2.fields.slice(0, -1).map((f) => f.name),
      v1.fields.map((f) => f.name),
    );
    assert.equal(v2.fields.at(-1)!.name, 'classification');
    assert.equal(v2.fields.at(-1)!.default, null);
    // Avro schema resolution: a v2 record read with v1 as the reader schema drops the new fields (what an Avro reader with v1 does).
    const resolver = avroType('reco', 1).createResolver(avroType('reco', 2));
    const withClass = {
      ...recoToWire(reco),
      classification: { score: 0.9, predictedClass: 'signal', probabilities: { signal: 0.9, neutrino: 0.1 } },
    };
    const old = avroType('reco', 1).fromBuffer(avroType('reco', 2).toBuffer(withClass), resolver) as {
      eventId: string;
    };
    assert.equal(old.eventId, reco.eventId);
  });

  it('hit_frame v2 documents count as ADC counts, not charged particles', () => {
    const doc = (s: unknown): string =>
      JSON.stringify(s).match(/"name":"count","type":\{[^}]*\},"doc":"([^"]*)"/)![1]!;
    assert.match(doc(readSchemaFile('frame', 2)), /ADC counts/);
    assert.doesNotMatch(doc(readSchemaFile('frame', 2)), /charged particles/);
  });

  it('enums in the schemas match the domain constants', () => {
    const symbols = (schema: unknown, name: string): string[] | undefined => {
      let found: string[] | undefined;
      JSON.stringify(schema, (_k, v: unknown) => {
        const o = v as { type?: string; name?: string; symbols?: string[] } | null;
        if (o !== null && typeof o === 'object' && o.type === 'enum' && o.name === name) found = o.symbols;
        return v;
      });
      return found;
    };
    // v1 enums keep the first four classes; frame v2 names every class in truth.interaction
    assert.deepEqual(symbols(readSchemaFile('frame', 1), 'EventClass'), [...EVENT_CLASSES_V1]);
    assert.deepEqual(symbols(readSchemaFile('frame', 2), 'EventClass'), [...EVENT_CLASSES_V1]);
    assert.deepEqual(symbols(readSchemaFile('frame', 2), 'Interaction'), [...EVENT_CLASSES]);
    assert.deepEqual(symbols(readSchemaFile('reco'), 'RecoStatus'), [...RECO_STATUSES]);
    assert.deepEqual(symbols(readSchemaFile('candidate', 1), 'EventClass'), [...EVENT_CLASSES_V1]);
    assert.deepEqual(symbols(readSchemaFile('alert'), 'EventClass'), [...EVENT_CLASSES_V1]);
    assert.deepEqual(symbols(readSchemaFile('reco', 2), 'RecoStatus'), [...RECO_STATUSES]);
    assert.deepEqual(symbols(readSchemaFile('reco', 2), 'Interaction'), [...EVENT_CLASSES]);
    assert.deepEqual(symbols(readSchemaFile('candidate', 2), 'Interaction'), [...EVENT_CLASSES]);
  });
});
