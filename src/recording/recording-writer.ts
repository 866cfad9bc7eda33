/**
 * Writes HitFrames to an Avro object container file (see recording-format.ts): avsc's BlockEncoder
 * frames and compresses the blocks; the header is written here so that it holds the schema file
 * as written (avsc would write its own rendering of the parsed type) and our metadata.
 * Deterministic: with the same frames, metadata and sync marker the file bytes are identical.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import avsc from 'avsc';
import {
  avroType,
  EncodeError,
  frameToRecord,
  type FrameRecord,
  readSchemaFile,
  SCHEMA_FILES,
  WRITE_VERSIONS,
} from '../codecs/index.js';
import type { HitFrame } from '../domain/index.js';
import {
  compressors,
  HEADER_TYPE,
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
  /** Uncompressed bytes per block at most (a larger frame gets a block of its own). */
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
  /** Resolves once the encoder takes the frame (waits while the file lags behind). Call sequentially. */
  write(frame: HitFrame): Promise<void>;
  /** Flushes the last block and closes the file. */
  close(): Promise<RecordingSummary>;
}

export const DEFAULT_BLOCK_BYTES = 64 * 1024;

/** The container header: magic, avro.schema (the schema file), avro.codec, our metadata, sync. */
function headerBytes(
  codec: ContainerCodec,
  sync: Buffer,
  metadata: Readonly<Record<string, string>>,
): Buffer {
  const meta: Record<string, Buffer> = {
    'avro.schema': Buffer.from(JSON.stringify(readSchemaFile('frame'))),
    'avro.codec': Buffer.from(codec),
    [META_SCHEMA_NAME]: Buffer.from(`${SCHEMA_FILES.frame}.v${WRITE_VERSIONS.frame}`),
  };
  for (const [k, v] of Object.entries(metadata)) {
    if (k.startsWith('avro.')) throw new RecordingError(`metadata key ${k}: the avro. prefix is reserved`);
    meta[k] = Buffer.from(v);
  }
  return HEADER_TYPE.toBuffer({ magic: OCF_MAGIC, meta, sync });
}

/**
 * The file, opened before the first frame so that a bad path fails at once. A path stream rather
 * than FileHandle.createWriteStream (that writes through the promise API), buffering 1 MiB so
 * that a finished block is handed on at once instead of holding the encoder until the disk
 * write returns (the default 16 KiB is below one block).
 */
async function createFile(path: string): Promise<WriteStream> {
  const file = createWriteStream(path, { highWaterMark: 1 << 20 });
  try {
    await once(file, 'open');
  } catch (e) {
    throw new RecordingError(`cannot create ${path}: ${(e as Error).message}`, {
      context: { path },
      cause: e,
    });
  }
  return file;
}

export async function openRecordingWriter(
  path: string,
  opts: RecordingWriterOptions = {},
): Promise<RecordingWriter> {
  const codec = opts.codec ?? 'deflate';
  const sync = Buffer.from(opts.syncMarker ?? randomBytes(SYNC_BYTES));
  if (sync.length !== SYNC_BYTES)
    throw new RecordingError(`sync marker must be ${SYNC_BYTES} bytes, got ${sync.length}`);
  const header = headerBytes(codec, sync, opts.metadata ?? {});
  const file = await createFile(path);
  const encoder = new avsc.streams.BlockEncoder(avroType('frame') as unknown as avsc.Schema, {
    blockSize: opts.blockBytes ?? DEFAULT_BLOCK_BYTES,
    codec,
    codecs: compressors(opts.deflateLevel ?? 6),
    syncMarker: sync,
    writeHeader: 'never',
  });
  let blocks = 0;
  let frames = 0;
  encoder.on('block', () => blocks++);
  // A frame avsc cannot encode is a producer bug reported to the caller, not a stream failure:
  // avsc skips the record, and its default (re-emit as 'error') would end the file.
  let rejected: EncodeError | undefined;
  encoder.removeAllListeners('typeError');
  encoder.on('typeError', (e: Error, rec: { eventId?: string }) => {
    frames--;
    rejected ??= new EncodeError(`frame ${rec.eventId}: cannot encode: ${e.message}`, { cause: e });
  });
  file.write(header);
  let failure: RecordingError | undefined;
  const done = pipeline(encoder, file).catch((e: unknown) => {
    failure = new RecordingError(`writing ${path}: ${(e as Error).message}`, { context: { path }, cause: e });
  });
  const check = (): void => {
    const e = failure ?? rejected;
    rejected = undefined;
    if (e) throw e;
  };
  let closed = false;
  return {
    path,
    get frames() {
      return frames;
    },
    async write(frame: HitFrame): Promise<void> {
      if (closed) throw new RecordingError(`${path} is closed`);
      check();
      let rec: FrameRecord;
      try {
        rec = frameToRecord(frame);
      } catch (e) {
        throw new EncodeError(`frame ${frame.eventId}: cannot encode: ${(e as Error).message}`, { cause: e });
      }
      frames++;
      const ready = encoder.write(rec);
      check();
      if (!ready) await Promise.race([once(encoder, 'drain'), done]);
    },
    async close(): Promise<RecordingSummary> {
      if (!closed) {
        closed = true;
        encoder.end();
        await done;
        if (!file.closed) await once(file, 'close');
      }
      check();
      return { path, frames, blocks, bytes: file.bytesWritten };
    },
  };
}
