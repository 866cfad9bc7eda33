/**
 * Schema evolution of hit frames: v2 adds truth.interaction (every event class); v1 readers read
 * v2 data (the new field is skipped, eventClass holds the nearest v1 class) and this build reads
 * v1 data (interaction defaults to null: the class is eventClass). v3 adds truth.exotic (the
 * injected exotic class), written only for frames that carry one; v2 readers skip it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENT_CLASSES, EXOTIC_CLASSES, eventClassV1, exoticSymbol, type HitFrame } from '../domain/index.js';
import {
  avroType,
  CODEC_NAMES,
  createCodecs,
  frameFromRecord,
  frameToRecord,
  HEADER_BYTES,
  readSchemaFile,
} from './index.js';

const TS = 1_700_000_000_000_000_000n;

function frameOf(eventClass: (typeof EVENT_CLASSES)[number]): HitFrame {
  return {
    runId: 'r',
    eventId: `r:${eventClass}`,
    timestampNs: TS,
    hits: {
      station: Uint8Array.of(0, 1),
      ix: Int32Array.of(3, 4),
      iy: Int32Array.of(5, 6),
      count: Int32Array.of(1, 2),
    },
    truth: { eventClass, energyGeV: 7, x0Cm: 1, y0Cm: 2, dCm: -3, slopeX: 0.01, slopeY: -0.02 },
  };
}

test('every event class round-trips through both codecs at the frame write version', () => {
  for (const name of CODEC_NAMES) {
    const c = createCodecs(name);
    assert.equal(c.frame.schemaVersion, 3);
    for (const cls of EVENT_CLASSES)
      assert.deepEqual(c.frame.decode(c.frame.encode(frameOf(cls))).truth?.eventClass, cls, `${name} ${cls}`);
  }
});

test('a v1 reader reads v2 frames: the new field is skipped, the class is the nearest v1 one', () => {
  const v1 = avroType('frame', 1);
  const v2 = avroType('frame', 2);
  const resolver = v1.createResolver(v2);
  for (const cls of EVENT_CLASSES) {
    const body = v2.toBuffer(frameToRecord(frameOf(cls)));
    const old = v1.fromBuffer(body, resolver) as { truth: { eventClass: string; interaction?: unknown } };
    assert.equal(old.truth.eventClass, eventClassV1(cls));
    assert.equal('interaction' in old.truth, false);
  }
});

test('this build reads v1 frames, on the wire and as records', () => {
  const v1 = avroType('frame', 1);
  const { truth, ...rest } = frameToRecord(frameOf('muon'));
  const { interaction: _i, ...truthV1 } = truth!;
  const body = v1.toBuffer({ ...rest, truth: truthV1 });
  const wire = Buffer.concat([
    Buffer.from(createCodecs('avro').frame.encode(frameOf('muon')).subarray(0, HEADER_BYTES)),
    body,
  ]);
  wire[3] = 1; // header: schema version 1
  assert.equal(createCodecs('avro').frame.decode(wire).truth?.eventClass, 'muon');
  // a v1 record resolved to v2 has interaction = null: the class is eventClass
  const resolved = avroType('frame', 2).fromBuffer(
    body,
    avroType('frame', 2).createResolver(v1),
  ) as Parameters<typeof frameFromRecord>[0];
  assert.equal(resolved.truth?.interaction, null);
  assert.equal(frameFromRecord(resolved).truth?.eventClass, 'muon');
});

test('frames v3: the exotic class round-trips through both codecs; only a frame that carries one is written as v3', () => {
  const symbols = (
    (readSchemaFile('frame', 3) as { fields: { name: string; type: unknown }[] }).fields.find(
      (f) => f.name === 'truth',
    )!.type as [null, { fields: { name: string; type: [null, { symbols: string[] }] }[] }]
  )[1].fields.find((f) => f.name === 'exotic')!.type[1].symbols;
  assert.deepEqual(symbols, EXOTIC_CLASSES.map(exoticSymbol));
  for (const name of CODEC_NAMES) {
    const c = createCodecs(name);
    assert.equal(c.frame.encode(frameOf('muon'))[3], 2, `${name}: an ordinary frame stays v2`);
    for (const exotic of EXOTIC_CLASSES) {
      const f = { ...frameOf('signal'), truth: { ...frameOf('signal').truth!, exotic } };
      const b = c.frame.encode(f);
      assert.equal(b[3], 3, `${name} ${exotic}`);
      assert.equal(c.frame.decode(b).truth?.exotic, exotic, `${name} ${exotic}`);
    }
    assert.equal(c.frame.decode(c.frame.encode(frameOf('muon'))).truth?.exotic, undefined);
  }
});

test('a v2 reader reads v3 frames: the exotic class is skipped', () => {
  const v2 = avroType('frame', 2);
  const v3 = avroType('frame', 3);
  const f = { ...frameOf('noise'), truth: { ...frameOf('noise').truth!, exotic: 'hot-cluster' as const } };
  const old = v2.fromBuffer(v3.toBuffer(frameToRecord(f)), v2.createResolver(v3)) as {
    truth: { interaction: string; exotic?: unknown };
  };
  assert.equal(old.truth.interaction, 'noise');
  assert.equal('exotic' in old.truth, false);
});
