import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Packr } from 'msgpackr';
import { DecodeError } from '../domain/index.js';
import { createCodecs } from './index.js';

const packr = new Packr({ useRecords: false, int64AsType: 'bigint', moreTypes: false });
const KIND_IDS = { frame: 1, reco: 2, candidate: 3, alert: 4, deadLetter: 5 } as const;

/** The DecodeError a msgpack body gives behind a valid header of `kind`. */
function errorOf(kind: keyof typeof KIND_IDS, body: unknown): DecodeError {
  const bytes = Buffer.concat([Buffer.from([0xb7, 2, KIND_IDS[kind], 1]), packr.pack(body)]);
  try {
    createCodecs('msgpack')[kind].decode(bytes);
  } catch (e) {
    assert.ok(e instanceof DecodeError, String(e));
    return e;
  }
  assert.fail(`${kind} decoded`);
}

const event = {
  runId: 'r',
  eventId: 'e',
  timestampNs: 5n,
  status: 'ok',
  nHits: 3,
  energyGeV: Number.NaN,
  dCm: 1,
  xCm: 1,
  yCm: 1,
  fitRmsCm: 1,
  stationsUsed: 3,
};

describe('msgpack wire schemas', () => {
  it('name the path of the first field of a wrong type, reason schema_mismatch', () => {
    const cases: [keyof typeof KIND_IDS, unknown, RegExp][] = [
      [
        'candidate',
        { event, selected: true, reasons: ['a', 2] },
        /^candidate\.reasons\[1\]: expected string/,
      ],
      [
        'candidate',
        { event: { ...event, nHits: 1.5 }, selected: true, reasons: [] },
        /^candidate\.event\.nHits:/,
      ],
      [
        'frame',
        { runId: 'r', eventId: 'e', timestampNs: 'x', hits: {} },
        /^frame\.timestampNs: expected a 64-bit/,
      ],
      ['frame', 42, /^frame: expected object/],
      ['reco', { ...event, energyGeV: 'x' }, /^reco\.energyGeV: expected a number, got string$/],
      ['alert', { alertId: 'a', method: 'foo' }, /^alert\.method: expected one of "window"\|"cusum"/],
    ];
    for (const [kind, body, want] of cases) {
      const e = errorOf(kind, body);
      assert.equal(e.reason, 'schema_mismatch');
      assert.match(e.message, want);
    }
  });

  it('take any number where Avro takes a double (NaN included), and nil for absent optionals', () => {
    const got = createCodecs('msgpack').reco.decode(
      Buffer.concat([Buffer.from([0xb7, 2, 2, 1]), packr.pack({ ...event, detail: null, truth: null })]),
    );
    assert.ok(Number.isNaN(got.energyGeV));
    assert.ok(!('detail' in got) && !('truth' in got));
  });
});
