/**
 * Writes HitFrames to an Avro object container file (see recording-format.ts): avsc encodes each
 * record straight into the block buffer; a full block is compressed and written with its count,
 * size and sync marker. The header holds the schema file as written (avsc would write its own
 * rendering of the parsed type) and our metadata.
 * Deterministic: with the same frames, metadata and sync marker the file bytes are identical.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type avsc from 'avsc';
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
  compressor,
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
  /** Resolves once the frame is in the block buffer (waits while the file lags behind). Call sequentially. */
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
 * that a writer waits for the disk only when several blocks are queued (the default 16 KiB is
 * below one block).
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

/**
 * Records encoded into one reused buffer. A block ends before the record that would take it past
 * blockBytes; a record larger than that gets a block of its own.
 */
class BlockBuffer {
  private buf: Buffer;
  private used = 0;
  private count = 0;

  constructor(
    private readonly type: avsc.Type,
    private readonly blockBytes: number,
    /** Takes a finished block's raw records (a view into the buffer, valid during the call only). */
    private readonly emit: (raw: Buffer, count: number) => void,
  ) {
    this.buf = Buffer.allocUnsafe(blockBytes);
  }

  /** Adds one record; throws avsc's error for a record it cannot encode (nothing is added then). */
  add(rec: FrameRecord): void {
    let end = this.type.encode(rec, this.buf, this.used);
    if (end < 0 || end > this.blockBytes) {
      this.flush();
      end = this.type.encode(rec, this.buf, 0);
      // avsc's encode answers "too small" with minus the bytes missing.
      if (end < 0) {
        this.buf = Buffer.allocUnsafe(this.buf.length - end);
        end = this.type.encode(rec, this.buf, 0);
      }
    }
    this.used = end;
    this.count++;
  }

  flush(): void {
    if (this.count === 0) return;
    this.emit(this.buf.subarray(0, this.used), this.count);
    this.used = 0;
    this.count = 0;
  }
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
  let failure: RecordingError | undefined;
  // Rejects once the file fails: what a wait for the file races against.
  const failed = new Promise<never>((_, reject) =>
    file.on('error', (e) => {
      failure ??= new RecordingError(`writing ${path}: ${e.message}`, { context: { path }, cause: e });
      reject(failure);
    }),
  );
  failed.catch(() => undefined);
  const compress = compressor(codec, opts.deflateLevel ?? 6);
  let blocks = 0;
  let frames = 0;
  const blocksOut = new BlockBuffer(
    avroType('frame'),
    opts.blockBytes ?? DEFAULT_BLOCK_BYTES,
    (raw, count) => {
      const data = compress(raw);
      file.write(Buffer.concat([LONG_TYPE.toBuffer(count), LONG_TYPE.toBuffer(data.length), data, sync]));
      blocks++;
    },
  );
  const check = (): void => {
    if (failure) throw failure;
  };
  file.write(header);
  let closed = false;
  return {
    path,
    get frames() {
      return frames;
    },
    async write(frame: HitFrame): Promise<void> {
      if (closed) throw new RecordingError(`${path} is closed`);
      check();
      try {
        blocksOut.add(frameToRecord(frame));
      } catch (e) {
        throw new EncodeError(`frame ${frame.eventId}: cannot encode: ${(e as Error).message}`, { cause: e });
      }
      frames++;
      if (file.writableNeedDrain) await Promise.race([once(file, 'drain'), failed]);
    },
    async close(): Promise<RecordingSummary> {
      if (!closed) {
        closed = true;
        blocksOut.flush();
        file.end();
        await Promise.race([once(file, 'close'), failed]).catch(() => undefined);
      }
      check();
      return { path, frames, blocks, bytes: file.bytesWritten };
    },
  };
}
