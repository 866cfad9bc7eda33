/**
 * Writes HitFrames to an Avro object container file (see recording-format.ts), block by block.
 * Deterministic: with the same frames, metadata and sync marker the file bytes are identical.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import {
  avroType,
  EncodeError,
  frameToRecord,
  readSchemaFile,
  SCHEMA_FILES,
  WRITE_VERSIONS,
} from '../codecs/index.js';
import type { HitFrame } from '../domain/index.js';
import {
  HEADER_TYPE,
  LONG_TYPE,
  META_SCHEMA_NAME,
  OCF_MAGIC,
  RecordingError,
  SYNC_BYTES,
  type ContainerCodec,
} from './recording-format.js';

export interface RecordingWriterOptions {
  /** 16 bytes; default random. Pass syncMarkerFromSeed(seed) for reproducible files. */
  readonly syncMarker?: Uint8Array;
  /** Extra header metadata (e.g. seed, run id). Never put wall-clock values here if files must be reproducible. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Uncompressed bytes per block before it is flushed. */
  readonly blockBytes?: number;
  readonly codec?: ContainerCodec;
  /** zlib level 0..9 for the deflate codec. */
  readonly deflateLevel?: number;
}

export interface RecordingSummary {
  readonly path: string;
  readonly frames: number;
  readonly blocks: number;
  /** File size, bytes. */
  readonly bytes: number;
}

export interface RecordingWriter {
  readonly path: string;
  /** Frames accepted so far. */
  readonly frames: number;
  /** Resolves once the frame is buffered (and its block written, when it filled one). Call sequentially. */
  write(frame: HitFrame): Promise<void>;
  /** Flushes the last block and closes the file. */
  close(): Promise<RecordingSummary>;
}

export const DEFAULT_BLOCK_BYTES = 64 * 1024;

export async function openRecordingWriter(
  path: string,
  opts: RecordingWriterOptions = {},
): Promise<RecordingWriter> {
  const codec = opts.codec ?? 'deflate';
  const blockBytes = opts.blockBytes ?? DEFAULT_BLOCK_BYTES;
  const level = opts.deflateLevel ?? 6;
  const sync = Buffer.from(opts.syncMarker ?? randomBytes(SYNC_BYTES));
  if (sync.length !== SYNC_BYTES)
    throw new RecordingError(`sync marker must be ${SYNC_BYTES} bytes, got ${sync.length}`);
  const type = avroType('frame');
  const meta: Record<string, Buffer> = {
    'avro.schema': Buffer.from(JSON.stringify(readSchemaFile('frame'))),
    'avro.codec': Buffer.from(codec),
    [META_SCHEMA_NAME]: Buffer.from(`${SCHEMA_FILES.frame}.v${WRITE_VERSIONS.frame}`),
  };
  for (const [k, v] of Object.entries(opts.metadata ?? {})) {
    if (k.startsWith('avro.')) throw new RecordingError(`metadata key ${k}: the avro. prefix is reserved`);
    meta[k] = Buffer.from(v);
  }

  let fh: FileHandle;
  try {
    fh = await open(path, 'w');
  } catch (e) {
    throw new RecordingError(`cannot create ${path}: ${(e as Error).message}`, {
      context: { path },
      cause: e,
    });
  }
  let bytes = 0;
  let frames = 0;
  let blocks = 0;
  // Records are encoded straight into the block buffer (grown when a record does not fit).
  let block = Buffer.allocUnsafe(Math.max(2 * blockBytes, 64 * 1024));
  let used = 0;
  let count = 0;
  let closed = false;

  const writeOut = async (buf: Buffer): Promise<void> => {
    try {
      await fh.write(buf);
    } catch (e) {
      throw new RecordingError(`writing ${path}: ${(e as Error).message}`, {
        context: { path, offset: bytes },
        cause: e,
      });
    }
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
    path,
    get frames() {
      return frames;
    },
    async write(frame: HitFrame): Promise<void> {
      if (closed) throw new RecordingError(`${path} is closed`);
      try {
        const rec = frameToRecord(frame);
        let end = type.encode(rec, block, used);
        if (end < 0) {
          const grown = Buffer.allocUnsafe(Math.max(2 * block.length, block.length - end));
          block.copy(grown, 0, 0, used);
          block = grown;
          end = type.encode(rec, block, used);
        }
        used = end;
      } catch (e) {
        throw new EncodeError(`frame ${frame.eventId}: cannot encode: ${(e as Error).message}`, { cause: e });
      }
      count++;
      frames++;
      if (used >= blockBytes) await flushBlock();
    },
    async close(): Promise<RecordingSummary> {
      if (!closed) {
        closed = true;
        try {
          await flushBlock();
        } finally {
          await fh.close();
        }
      }
      return { path, frames, blocks, bytes };
    },
  };
}
