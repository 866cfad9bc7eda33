/**
 * Reads HitFrames from an Avro object container file, streaming block by block.
 * Every defect is a DecodeError naming the file, the byte offset and the block:
 *  'bad_header' (not a container, unknown codec), 'schema_mismatch' (not hit frames),
 *  'truncated' (file ends inside the header or a block), 'corrupt' (bad sync marker,
 *  undecompressable or undecodable block). A file cut exactly at a block boundary is
 *  indistinguishable from a shorter complete file: the format has no trailer.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import type avsc from 'avsc';
import { avroType, avroTypeFor, frameFromRecord, WRITE_VERSIONS, type FrameRecord } from '../codecs/index.js';
import { DecodeError, type HitFrame } from '../domain/index.js';
import {
  HEADER_TYPE,
  LONG_TYPE,
  OCF_MAGIC,
  RecordingError,
  SYNC_BYTES,
  type ContainerHeader,
} from './recording-format.js';

const CHUNK_BYTES = 1 << 20;
/** No writer of ours makes blocks near this; a larger size field means corruption. */
const MAX_BLOCK_BYTES = 1 << 30;
const FRAME_SCHEMA_NAME = 'io.showertrig.HitFrame';

export interface RecordingInfo {
  readonly path: string;
  /** avro.codec: 'null' or 'deflate'. */
  readonly codec: string;
  /** Header metadata other than avro.schema/avro.codec, as UTF-8 strings. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The writer's schema, as stored in the file. */
  readonly schema: unknown;
}

export interface Recording extends AsyncIterable<HitFrame> {
  readonly info: RecordingInfo;
  /** Closes the file; needed only when the frames are not iterated to the end. */
  close(): Promise<void>;
}

/** Buffered sequential reads over a file handle. */
class ByteSource {
  buf = Buffer.alloc(0);
  pos = 0;
  /** File offset of buf[0]. */
  base = 0;
  eof = false;
  constructor(private readonly fh: FileHandle) {}

  /** Ensures `n` bytes are available from pos; false at end of file. */
  async need(n: number): Promise<boolean> {
    while (this.buf.length - this.pos < n && !this.eof) {
      const chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, n));
      const { bytesRead } = await this.fh.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) this.eof = true;
      this.base += this.pos;
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk.subarray(0, bytesRead)]);
      this.pos = 0;
    }
    return this.buf.length - this.pos >= n;
  }

  get offset(): number {
    return this.base + this.pos;
  }

  /** Decodes one value of `type` at pos, reading more as needed; undefined at a clean end of file. */
  async decode<T>(type: avsc.Type, what: string, path: string): Promise<T | undefined> {
    for (;;) {
      let r: { value: unknown; offset: number };
      try {
        r = type.decode(this.buf, this.pos);
      } catch (e) {
        throw new DecodeError(
          'corrupt',
          `${path}: bad ${what} at byte ${this.offset}: ${(e as Error).message}`,
          { path, offset: this.offset },
          e,
        );
      }
      if (r.offset >= 0) {
        this.pos = r.offset;
        return r.value as T;
      }
      const have = this.buf.length - this.pos;
      if (!(await this.need(have + 1))) {
        if (have === 0) return undefined;
        throw new DecodeError('truncated', `${path}: file ends inside the ${what} at byte ${this.offset}`, {
          path,
          offset: this.offset,
        });
      }
    }
  }
}

interface Head {
  info: RecordingInfo;
  sync: Buffer;
  type: avsc.Type;
  resolver?: avsc.Resolver;
}

function headerInfo(path: string, h: ContainerHeader): Head {
  if (!OCF_MAGIC.equals(h.magic))
    throw new DecodeError('bad_header', `${path}: not an Avro object container file (bad magic)`, { path });
  const codec = (h.meta['avro.codec'] ?? Buffer.from('null')).toString();
  if (codec !== 'null' && codec !== 'deflate')
    throw new DecodeError('bad_header', `${path}: unsupported container codec ${JSON.stringify(codec)}`, {
      path,
    });
  let schema: unknown;
  let writer: avsc.Type;
  try {
    schema = JSON.parse((h.meta['avro.schema'] ?? Buffer.from('')).toString());
    writer = avroTypeFor(schema as object);
  } catch (e) {
    throw new DecodeError(
      'bad_header',
      `${path}: missing or invalid avro.schema: ${(e as Error).message}`,
      { path },
      e,
    );
  }
  if (writer.name !== FRAME_SCHEMA_NAME) {
    throw new DecodeError(
      'schema_mismatch',
      `${path}: records are ${writer.name ?? writer.typeName}, not ${FRAME_SCHEMA_NAME}`,
      { path },
    );
  }
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(h.meta)) if (!k.startsWith('avro.')) metadata[k] = v.toString();
  const info: RecordingInfo = { path, codec, metadata, schema };
  const sync = Buffer.from(h.sync); // copy: avsc hands out slices of a shared pool
  // Same schema as this build's reader: read directly; otherwise resolve (Avro schema evolution).
  const reader = avroType('frame');
  if (writer.fingerprint().equals(reader.fingerprint())) return { info, sync, type: reader };
  try {
    return { info, sync, type: reader, resolver: reader.createResolver(writer) };
  } catch (e) {
    throw new DecodeError(
      'schema_mismatch',
      `${path}: writer schema cannot be read as ${FRAME_SCHEMA_NAME} v${WRITE_VERSIONS.frame}: ${(e as Error).message}`,
      { path },
      e,
    );
  }
}

/** Opens a recording and reads its header; iterate it for the frames (once). */
export async function openRecording(path: string): Promise<Recording> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new RecordingError(`cannot open ${path}: ${(e as Error).message}`, { context: { path }, cause: e });
  }
  if ((await fh.stat()).isDirectory()) {
    await fh.close();
    throw new RecordingError(`${path} is a directory, not a recording (.avro file)`, { context: { path } });
  }
  const src = new ByteSource(fh);
  let head: Head;
  try {
    await src.need(OCF_MAGIC.length);
    if (!OCF_MAGIC.equals(src.buf.subarray(0, OCF_MAGIC.length))) {
      throw new DecodeError('bad_header', `${path}: not an Avro object container file (bad magic)`, { path });
    }
    const h = await src.decode<ContainerHeader>(HEADER_TYPE, 'header', path);
    if (h === undefined) throw new DecodeError('truncated', `${path}: empty file`, { path });
    head = headerInfo(path, h);
  } catch (e) {
    await fh.close();
    throw e;
  }
  const { info, sync, type, resolver } = head;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await fh.close();
  };

  async function* frames(): AsyncGenerator<HitFrame> {
    try {
      for (let block = 0; ; block++) {
        const at = src.offset;
        const count = await src.decode<number>(LONG_TYPE, `block ${block} count`, path);
        if (count === undefined) return;
        const size = await src.decode<number>(LONG_TYPE, `block ${block} size`, path);
        const ctx = { path, offset: at, block };
        if (size === undefined)
          throw new DecodeError('truncated', `${path}: file ends inside block ${block} (byte ${at})`, ctx);
        if (count < 0 || size < 0 || size > MAX_BLOCK_BYTES) {
          throw new DecodeError(
            'corrupt',
            `${path}: block ${block} at byte ${at} has count ${count}, size ${size}`,
            ctx,
          );
        }
        if (!(await src.need(size + SYNC_BYTES))) {
          throw new DecodeError(
            'truncated',
            `${path}: file ends inside block ${block} (byte ${at}, ${size + SYNC_BYTES} bytes expected, ${src.buf.length - src.pos} left)`,
            ctx,
          );
        }
        const raw = src.buf.subarray(src.pos, src.pos + size);
        if (!sync.equals(src.buf.subarray(src.pos + size, src.pos + size + SYNC_BYTES))) {
          throw new DecodeError(
            'corrupt',
            `${path}: block ${block} at byte ${at}: sync marker mismatch`,
            ctx,
          );
        }
        src.pos += size + SYNC_BYTES;
        let data: Buffer;
        try {
          data = info.codec === 'deflate' ? inflateRawSync(raw, { maxOutputLength: MAX_BLOCK_BYTES }) : raw;
        } catch (e) {
          throw new DecodeError(
            'corrupt',
            `${path}: block ${block} at byte ${at}: cannot inflate: ${(e as Error).message}`,
            ctx,
            e,
          );
        }
        let pos = 0;
        for (let i = 0; i < count; i++) {
          let rec: FrameRecord;
          try {
            const r = type.decode(data, pos, resolver);
            if (r.offset < 0) throw new DecodeError('corrupt', 'record runs past the end of the block');
            pos = r.offset;
            rec = r.value as FrameRecord;
          } catch (e) {
            throw new DecodeError(
              'corrupt',
              `${path}: block ${block} at byte ${at}, record ${i}: ${(e as Error).message}`,
              ctx,
              e,
            );
          }
          let frame: HitFrame;
          try {
            frame = frameFromRecord(rec);
          } catch (e) {
            throw new DecodeError(
              'corrupt',
              `${path}: block ${block} at byte ${at}, record ${i}: ${(e as Error).message}`,
              ctx,
              e,
            );
          }
          yield frame;
        }
        if (pos !== data.length)
          throw new DecodeError(
            'corrupt',
            `${path}: block ${block} at byte ${at}: ${data.length - pos} bytes after ${count} records`,
            ctx,
          );
      }
    } finally {
      await close();
    }
  }

  let used = false;
  return {
    info,
    close,
    [Symbol.asyncIterator]() {
      if (used) throw new RecordingError(`${path}: a recording can be iterated once; open it again`);
      used = true;
      return frames();
    },
  };
}

/** The frames of a recording, in order. */
export async function* readRecording(path: string): AsyncGenerator<HitFrame> {
  yield* await openRecording(path);
}
