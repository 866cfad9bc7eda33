import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtoWriter, readVarint, varintBytes } from './protobuf.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('fields are written as the protobuf encoding guide writes them', () => {
  // The guide's examples: field 1 = 150; field 2 = "testing"; field 4 packed [3, 270, 86942].
  assert.equal(hex(new ProtoWriter().varint(1, 150).finish()), '089601');
  assert.equal(hex(new ProtoWriter().string(2, 'testing').finish()), '120774657374696e67');
  assert.equal(hex(new ProtoWriter().packedVarints(4, [3, 270, 86942]).finish()), '2206038e029ea705');
  // A nested message: field 3 holding field 1 = 150.
  assert.equal(hex(new ProtoWriter().message(3, (m) => m.varint(1, 150)).finish()), '1a03089601');
  // Negative int64 (TensorShapeProto's -1): ten bytes, two's complement.
  assert.equal(hex(new ProtoWriter().varint(1, -1).finish()), '08ffffffffffffffffff01');
  assert.equal(hex(new ProtoWriter().float(4, 1).bool(5, true).finish()), '250000803f2801');
  // A map<string, V> entry: key = 1, value = 2.
  assert.equal(hex(new ProtoWriter().mapEntry(5, 'T', (v) => v.varint(6, 1)).finish()), '2a070a015412023001');
  assert.equal(hex(new ProtoWriter().finish()), '');
});

test('varints round-trip through the reader, negative and large values included', () => {
  for (const v of [
    0,
    1,
    127,
    128,
    300,
    2 ** 31,
    2 ** 40 + 5,
    Number.MAX_SAFE_INTEGER,
    -1,
    -2474,
    -(2 ** 40),
  ]) {
    const w = new ProtoWriter().varint(1, v).finish();
    assert.deepEqual(readVarint(w, 1), { value: v, next: w.length });
  }
  assert.equal(hex(varintBytes((1n << 64n) - 1n)), 'ffffffffffffffffff01');
});

test('bad input is refused: unsafe integers, field numbers out of range, truncated varints', () => {
  assert.throws(() => new ProtoWriter().varint(1, 1.5), RangeError);
  assert.throws(() => new ProtoWriter().varint(1, 2 ** 60), RangeError);
  assert.throws(() => new ProtoWriter().varint(0, 1), RangeError);
  assert.throws(() => new ProtoWriter().string(2 ** 29, ''), RangeError);
  assert.throws(() => varintBytes(1n << 64n), RangeError);
  assert.throws(() => readVarint(Uint8Array.of(0x80, 0x80), 0), /past the end/);
  assert.throws(() => readVarint(new Uint8Array(11).fill(0x80), 0), /longer than 10/);
});
