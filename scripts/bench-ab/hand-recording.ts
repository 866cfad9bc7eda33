/**
 * The hand-written Avro container framing that recordings used before avsc's BlockEncoder and
 * BlockDecoder took it over for a while, kept here only as the baseline of scripts/bench-recording.ts.
 * Same algorithm as that build: records encoded straight into a growing block buffer, a block
 * ended after the record that passes blockBytes, count/size/data/sync written with one fs write;
 * read by a chunked byte source that decodes count, size, sync and every record itself.
 * The checks that cost time (sync marker, bytes after the last record) are kept; error texts are short.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import avsc from 'avsc';
import {
  avroType,
  avroTypeFor,
  frameFromRecord,
  frameToRecord,
  readSchemaFile,
  SCHEMA_FILES,
  WRITE_VERSIONS,
  type FrameRecord,
} from '../../src/codecs/index.js';
import type { HitFrame } from '../../src/domain/index.js';
import { META_SCHEMA_NAME } from '../../src/recording/index.js';

const OCF_MAGIC = Buffer.from('Obj\x01', 'latin1');
const SYNC_BYTES = 16;
const CHUNK_BYTES = 1 << 20;
const HEADER_TYPE = avsc.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: SYNC_BYTES } },
  ],
});
const LONG_TYPE = avsc.Type.forSchema('long');

export interface HandWriterOptions {
  syncMarker: Uint8Array;
  codec?: 'null' | 'deflate';
  blockBytes?: number;
  deflateLevel?: number;
}

export async function openRecordingWriter(path: string, opts: HandWriterOptions) {
  const codec = opts.codec ?? 'deflate';
  const blockBytes = opts.blockBytes ?? 64 * 1024;
  const level = opts.deflateLevel ?? 6;
  const sync = Buffer.from(opts.syncMarker);
  const type = avroType('frame');
  const meta: Record<string, Buffer> = {
    'avro.schema': Buffer.from(JSON.stringify(readSchemaFile('frame'))),
    'avro.codec': Buffer.from(codec),
    [META_SCHEMA_NAME]: Buffer.from(`${SCHEMA_FILES.frame}.v${WRITE_VERSIONS.frame}`),
  };
  const fh = await open(path, 'w');
  let bytes = 0;
  let frames = 0;
  let blocks = 0;
  let block = Buffer.allocUnsafe(Math.max(2 * blockBytes, 64 * 1024));
  let used = 0;
  let count = 0;
  const writeOut = async (buf: Buffer): Promise<void> => {
    await fh.write(buf);
    bytes += buf.length;
  };
  const flushBlock = async (): Promise<void> => {
    if (count === 0) return;
    const raw = block.subarray(0, used);
    const data = codec === 'deflate' ? deflateRawSync(raw, { level }) : Buffer.from(raw);
    const framed = Buffer.concat([LONG_TYPE.toBuffer(count), LONG_TYPE.toBuffer(data.length), data, sync]);
    used = 0;
    count = 0;
    blocks++;
    await writeOut(framed);
  };
  await writeOut(HEADER_TYPE.toBuffer({ magic: OCF_MAGIC, meta, sync }));
  return {
    async write(frame: HitFrame): Promise<void> {
      const rec = frameToRecord(frame);
      let end = type.encode(rec, block, used);
      if (end < 0) {
        const grown = Buffer.allocUnsafe(Math.max(2 * block.length, block.length - end));
        block.copy(grown, 0, 0, used);
        block = grown;
        end = type.encode(rec, block, used);
      }
      used = end;
      count++;
      frames++;
      if (used >= blockBytes) await flushBlock();
    },
    async close() {
      await flushBlock();
      await fh.close();
      return { path, frames, blocks, bytes };
    },
  };
}

/** Buffered sequential reads over a file handle. */
class ByteSource {
  buf = Buffer.alloc(0);
  pos = 0;
  eof = false;
  constructor(private readonly fh: FileHandle) {}
  async need(n: number): Promise<boolean> {
    while (this.buf.length - this.pos < n && !this.eof) {
      const chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, n));
      const { bytesRead } = await this.fh.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) this.eof = true;
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk.subarray(0, bytesRead)]);
      this.pos = 0;
    }
    return this.buf.length - this.pos >= n;
  }
  async decode<T>(type: avsc.Type): Promise<T | undefined> {
    for (;;) {
      const r = type.decode(this.buf, this.pos);
      if (r.offset >= 0) {
        this.pos = r.offset;
        return r.value as T;
      }
      const have = this.buf.length - this.pos;
      if (!(await this.need(have + 1))) {
        if (have === 0) return undefined;
        throw new Error('truncated');
      }
    }
  }
}

export async function* readRecording(path: string): AsyncGenerator<HitFrame> {
  const fh = await open(path, 'r');
  try {
    const src = new ByteSource(fh);
    const h = (await src.decode<{ meta: Record<string, Buffer>; sync: Buffer }>(HEADER_TYPE))!;
    const codec = h.meta['avro.codec']!.toString();
    const sync = Buffer.from(h.sync);
    const writer = avroTypeFor(JSON.parse(h.meta['avro.schema']!.toString()) as object);
    const reader = avroType('frame');
    const same = writer.fingerprint().equals(reader.fingerprint());
    const resolver = same ? undefined : reader.createResolver(writer);
    for (;;) {
      const count = await src.decode<number>(LONG_TYPE);
      if (count === undefined) return;
      const size = (await src.decode<number>(LONG_TYPE))!;
      if (!(await src.need(size + SYNC_BYTES))) throw new Error('truncated block');
      const raw = src.buf.subarray(src.pos, src.pos + size);
      if (!sync.equals(src.buf.subarray(src.pos + size, src.pos + size + SYNC_BYTES)))
        throw new Error('sync marker mismatch');
      src.pos += size + SYNC_BYTES;
      const data = codec === 'deflate' ? inflateRawSync(raw, { maxOutputLength: 1 << 30 }) : raw;
      let pos = 0;
      for (let i = 0; i < count; i++) {
        const r = reader.decode(data, pos, resolver);
        if (r.offset < 0) throw new Error('record runs past the end of the block');
        pos = r.offset;
        yield frameFromRecord(r.value as FrameRecord);
      }
      if (pos !== data.length) throw new Error(`${data.length - pos} bytes after ${count} records`);
    }
  } finally {
    await fh.close();
  }
}
