import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DecodeError, Rng, type HitFrame } from '../domain/index.js';
import { EncodeError } from '../codecs/index.js';
import {
  openRecording,
  openRecordingWriter,
  readRecording,
  RecordingError,
  syncMarkerFromSeed,
} from './index.js';
import { HEADER_TYPE, LONG_TYPE } from './recording-format.js';

const dir = mkdtempSync(join(tmpdir(), 'showertrig-rec-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_726_000_000_000_000_000n;

function frame(i: number): HitFrame {
  const rng = new Rng(i + 1);
  const n = 5 + rng.int(200);
  const station = new Uint8Array(n);
  const ix = new Int32Array(n);
  const iy = new Int32Array(n);
  const count = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    station[k] = rng.int(3);
    ix[k] = 900 + Math.round(rng.normal() * 20);
    iy[k] = 750 + Math.round(rng.normal() * 20);
    count[k] = 1 + rng.int(10);
  }
  const f: HitFrame = {
    runId: 'r1',
    eventId: `r1:${i}`,
    timestampNs: T0 + BigInt(i) * 12_345_677n,
    hits: { station, ix, iy, count },
  };
  return i % 3 === 0
    ? f
    : {
        ...f,
        truth: {
          eventClass: 'signal',
          energyGeV: 1 + i,
          x0Cm: 0.5,
          y0Cm: -1,
          dCm: -3,
          slopeX: 0.001,
          slopeY: 0,
        },
      };
}

async function write(path: string, n: number, seed = 9, blockBytes?: number): Promise<void> {
  const w = await openRecordingWriter(path, {
    syncMarker: syncMarkerFromSeed(seed),
    metadata: { 'showertrig.seed': String(seed) },
    ...(blockBytes ? { blockBytes } : {}),
  });
  for (let i = 0; i < n; i++) await w.write(frame(i));
  const s = await w.close();
  assert.equal(s.frames, n);
  assert.equal(s.bytes, statSync(path).size);
}

async function readAll(path: string): Promise<HitFrame[]> {
  const out: HitFrame[] = [];
  for await (const f of readRecording(path)) out.push(f);
  return out;
}

async function errorOf(p: Promise<unknown>): Promise<DecodeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DecodeError, `expected DecodeError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

describe('recordings', () => {
  it('reads back every frame written, in order, across many blocks', async () => {
    const path = join(dir, 'a.avro');
    await write(path, 300, 9, 4096);
    const rec = await openRecording(path);
    assert.equal(rec.info.codec, 'deflate');
    assert.equal(rec.info.metadata['showertrig.seed'], '9');
    assert.equal(rec.info.metadata['showertrig.schema'], 'hit_frame.v3');
    const got: HitFrame[] = [];
    for await (const f of rec) got.push(f);
    assert.equal(got.length, 300);
    for (const i of [0, 1, 150, 299]) {
      const want = frame(i);
      const g = got[i]!;
      assert.equal(g.eventId, want.eventId);
      assert.equal(g.timestampNs, want.timestampNs);
      assert.deepEqual(g.truth, want.truth);
      assert.deepEqual(Array.from(g.hits.ix), Array.from(want.hits.ix));
      assert.deepEqual(Array.from(g.hits.count), Array.from(want.hits.count));
    }
  });

  it('an empty recording has a header and no frames', async () => {
    const path = join(dir, 'empty.avro');
    await write(path, 0);
    assert.deepEqual(await readAll(path), []);
  });

  it('same frames and sync marker give identical bytes; another seed changes the marker', async () => {
    const a = join(dir, 'd1.avro');
    const b = join(dir, 'd2.avro');
    const c = join(dir, 'd3.avro');
    await write(a, 50);
    await write(b, 50);
    await write(c, 50, 10);
    assert.ok(readFileSync(a).equals(readFileSync(b)));
    assert.ok(!readFileSync(a).equals(readFileSync(c)));
  });

  it('a file cut inside a block or the header is reported as truncated', async () => {
    const path = join(dir, 'full.avro');
    await write(path, 100, 9, 4096);
    const bytes = readFileSync(path);
    const cut = join(dir, 'cut.avro');
    for (const len of [10, 200, bytes.length - 1, bytes.length - 17, Math.floor(bytes.length / 2)]) {
      writeFileSync(cut, bytes.subarray(0, len));
      const e = await errorOf(readAll(cut));
      assert.equal(e.reason, 'truncated', `cut at ${len}: ${e.message}`);
      assert.match(e.message, /cut\.avro/);
    }
  });

  it('corrupt bytes inside a block, a bad sync marker or a non-Avro file give clear errors', async () => {
    const path = join(dir, 'full2.avro');
    await write(path, 100, 9, 4096);
    const bytes = readFileSync(path);
    const bad = join(dir, 'bad.avro');
    const flipped = Buffer.from(bytes);
    for (let i = bytes.length - 600; i < bytes.length - 500; i++) flipped[i] = flipped[i]! ^ 0x5a;
    writeFileSync(bad, flipped);
    assert.equal((await errorOf(readAll(bad))).reason, 'corrupt');
    const badSync = Buffer.from(bytes);
    badSync[bytes.length - 1] = badSync[bytes.length - 1]! ^ 1;
    writeFileSync(bad, badSync);
    const e = await errorOf(readAll(bad));
    assert.equal(e.reason, 'corrupt');
    assert.match(e.message, /sync marker/);
    writeFileSync(bad, 'hello, not avro\n');
    assert.equal((await errorOf(readAll(bad))).reason, 'bad_header');
    writeFileSync(bad, '');
    assert.equal((await errorOf(readAll(bad))).reason, 'bad_header');
  });

  it('blocks hold at most blockBytes of records; a larger frame gets a block of its own', async () => {
    const path = join(dir, 'big.avro');
    const w = await openRecordingWriter(path, {
      syncMarker: syncMarkerFromSeed(1),
      codec: 'null',
      blockBytes: 2048,
    });
    const big = { ...frame(1), eventId: 'big', hits: frame(7).hits };
    const many = (n: number): HitFrame['hits'] => {
      const h = frame(5).hits;
      const rep = <T extends Uint8Array | Int32Array>(a: T): T => {
        const out = new (a.constructor as new (n: number) => T)(a.length * n);
        for (let k = 0; k < n; k++) out.set(a, k * a.length);
        return out;
      };
      return { station: rep(h.station), ix: rep(h.ix), iy: rep(h.iy), count: rep(h.count) };
    };
    const frames = [frame(0), frame(2), { ...big, hits: many(20) }, frame(3), frame(4)];
    for (const f of frames) await w.write(f);
    const s = await w.close();
    const got = await readAll(path);
    assert.deepEqual(
      got.map((f) => [f.eventId, f.hits.station.length]),
      frames.map((f) => [f.eventId, f.hits.station.length]),
    );
    // The null codec stores a block's records as they are: walk the blocks' count and size varints.
    const bytes = readFileSync(path);
    let at = HEADER_TYPE.decode(bytes, 0).offset;
    const blocks: [count: number, size: number][] = [];
    while (at < bytes.length) {
      const c = LONG_TYPE.decode(bytes, at);
      const z = LONG_TYPE.decode(bytes, c.offset);
      blocks.push([c.value as number, z.value as number]);
      at = z.offset + (z.value as number) + 16;
    }
    assert.equal(blocks.length, s.blocks);
    assert.deepEqual(
      blocks.map(([c]) => c),
      [2, 1, 2],
    );
    assert.ok(blocks[1]![1] > 2048 && blocks[0]![1] <= 2048 && blocks[2]![1] <= 2048, JSON.stringify(blocks));
  });

  it('a frame that cannot be encoded is an EncodeError; the frames before and after it are written', async () => {
    const path = join(dir, 'enc.avro');
    const w = await openRecordingWriter(path, { syncMarker: syncMarkerFromSeed(2) });
    await w.write(frame(0));
    const bad = { ...frame(1), truth: { ...frame(1).truth!, energyGeV: 'ten' as unknown as number } };
    await assert.rejects(w.write(bad), (e: unknown) => e instanceof EncodeError && /r1:1/.test(e.message));
    await w.write(frame(2));
    const s = await w.close();
    assert.equal(s.frames, 2);
    assert.deepEqual(
      (await readAll(path)).map((f) => f.eventId),
      ['r1:0', 'r1:2'],
    );
  });

  it('bytes left in a block after its records are reported as corrupt, naming the block', async () => {
    const path = join(dir, 'one-block.avro');
    const w = await openRecordingWriter(path, { syncMarker: syncMarkerFromSeed(3), codec: 'null' });
    for (let i = 0; i < 3; i++) await w.write(frame(i));
    await w.close();
    const bytes = readFileSync(path);
    // The header ends where the first block's count varint (3 records: zig-zag 6) starts.
    const sync = bytes.subarray(bytes.length - 16);
    const headerEnd = bytes.indexOf(sync) + 16;
    assert.equal(bytes[headerEnd], 6);
    const patched = Buffer.from(bytes);
    patched[headerEnd] = 4; // the block now claims 2 records
    const bad = join(dir, 'extra.avro');
    writeFileSync(bad, patched);
    const e = await errorOf(readAll(bad));
    assert.equal(e.reason, 'corrupt');
    assert.match(e.message, /block 0 at byte \d+: \d+ bytes after its 2 records/);
  });

  it('a missing file is a RecordingError', async () => {
    await assert.rejects(readAll(join(dir, 'nope.avro')), RecordingError);
    await assert.rejects(openRecordingWriter(join(dir, 'no-such-dir', 'x.avro')), RecordingError);
  });

  it('reads an Avro container written by fastavro (test/fixtures)', async () => {
    const fixture = new URL('../../test/fixtures/fastavro-frames.avro', import.meta.url);
    const frames = await readAll(fixture.pathname);
    assert.equal(frames.length, 3);
    assert.equal(frames[0]!.timestampNs, 1_726_000_000_123_456_789n);
    assert.deepEqual(Array.from(frames[0]!.hits.ix), [900, 901, 1799]);
    assert.equal(frames[0]!.truth?.eventClass, 'signal');
    assert.equal(frames[2]!.truth, undefined);
  });
});
