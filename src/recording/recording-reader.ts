/**
 * Reads HitFrames from an Avro object container file, streaming: avsc's BlockDecoder frames,
 * inflates and decodes the blocks (resolving a v1 writer schema to this build's reader schema);
 * this file names its errors and finds a cut file, which the decoder alone would end silently on.
 * Every defect is a DecodeError naming the file, the byte offset and the block:
 *  'bad_header' (not a container, unknown codec), 'schema_mismatch' (not hit frames),
 *  'truncated' (file ends inside the header or a block), 'corrupt' (bad sync marker,
 *  undecompressable or undecodable block). A file cut exactly at a block boundary is
 *  indistinguishable from a shorter complete file: the format has no trailer.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ReadStream } from 'node:fs';
import avsc from 'avsc';
import { avroType, avroTypeFor, frameFromRecord, WRITE_VERSIONS, type FrameRecord } from '../codecs/index.js';
import { DecodeError, type HitFrame } from '../domain/index.js';
import {
  DECOMPRESSORS,
  HEADER_TYPE,
  OCF_MAGIC,
  RecordingError,
  SYNC_BYTES,
  type ContainerHeader,
} from './recording-format.js';

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

/** What BlockDecoder's 'block' event reports. */
interface BlockInfo {
  valueCount: number;
  compressedDataLength: number;
}

/** Bytes of a zig-zag varint holding the non-negative `n`. */
function varintBytes(n: number): number {
  let k = 1;
  for (let z = 2 * n; z >= 128; z = Math.floor(z / 128)) k++;
  return k;
}

/**
 * How far decoding has got: bytes of the file accounted for (header, then whole blocks), blocks
 * and frames read. Names every error by file, byte and block; bytes left over at the end are a cut.
 */
class Progress {
  bytes = 0;
  blocks = 0;
  frames = 0;
  /** The writer schema parsed (a later header error is a resolution failure). */
  schema: unknown;
  headerRead = false;
  /** The first error, named (the stream's own listeners may see avsc's raw one first). */
  failure: DecodeError | undefined;
  constructor(
    readonly path: string,
    readonly size: number,
  ) {}

  error(reason: string, what: string, cause?: unknown): DecodeError {
    const ctx = this.headerRead
      ? { path: this.path, offset: this.bytes, block: this.blocks }
      : { path: this.path };
    return new DecodeError(reason, `${this.path}: ${what}`, ctx, cause);
  }

  /** Blocks framed but not yet read to their end: index, first byte, frames before their end. */
  private readonly open: { block: number; at: number; end: number }[] = [];
  private framed = 0;

  block(b: BlockInfo): void {
    this.framed += b.valueCount;
    this.open.push({ block: this.blocks, at: this.bytes, end: this.framed });
    const framing = varintBytes(b.valueCount) + varintBytes(b.compressedDataLength) + SYNC_BYTES;
    this.bytes += framing + b.compressedDataLength;
    this.blocks++;
  }

  /** Where frame `this.frames` lies (the decoder reads a few records ahead of the frames yielded). */
  private current(): string {
    while (this.open.length > 1 && this.open[0]!.end <= this.frames) this.open.shift();
    const b = this.open[0];
    return b === undefined ? `byte ${this.bytes}` : `block ${b.block} at byte ${b.at}`;
  }

  /** A record that decoded but is not a valid frame. */
  badFrame(e: Error): DecodeError {
    return this.error('corrupt', `frame ${this.frames} (${this.current()}): ${e.message}`, e);
  }

  /** An avsc error (an Error with a message only) as the DecodeError it stands for. */
  classify(e: Error): DecodeError {
    const msg = e.message;
    if (!this.headerRead) {
      if (e instanceof DecodeError) return e; // from parseHook
      if (msg === 'invalid magic bytes')
        return this.error('bad_header', 'not an Avro object container file (bad magic)');
      if (msg.startsWith('unknown codec: '))
        return this.error('bad_header', `unsupported container codec ${JSON.stringify(msg.slice(15))}`);
      if (this.schema === undefined)
        return this.error('bad_header', `missing or invalid avro.schema: ${msg}`, e);
      const want = `${FRAME_SCHEMA_NAME} v${WRITE_VERSIONS.frame}`;
      return this.error('schema_mismatch', `writer schema cannot be read as ${want}: ${msg}`, e);
    }
    const at = `block ${this.blocks} at byte ${this.bytes}`;
    if (msg === 'invalid sync marker') return this.error('corrupt', `${at}: sync marker mismatch`);
    const cause = (e as { cause?: Error }).cause;
    if (/decompression error/.test(msg))
      return this.error('corrupt', `${at}: cannot inflate: ${cause?.message}`, e);
    return this.error('corrupt', `record at or after frame ${this.frames} (${this.current()}): ${msg}`, e);
  }

  /** The end of the decoded blocks: bytes left over are a block the file ends inside. */
  checkEnd(): void {
    if (this.bytes < this.size) {
      const left = this.size - this.bytes;
      throw this.error(
        'truncated',
        `file ends inside block ${this.blocks} (byte ${this.bytes}, ${left} bytes left)`,
      );
    }
  }
}

/** The decoder: the reader schema of this build, the writer's checked to be hit frames. */
function frameDecoder(progress: Progress): avsc.streams.BlockDecoder {
  const reader = avroType('frame');
  const parseHook = (schema: avsc.Schema): avsc.Type => {
    const writer = avroTypeFor(schema as object);
    if (writer.name !== FRAME_SCHEMA_NAME) {
      const is = writer.name ?? writer.typeName;
      throw progress.error('schema_mismatch', `records are ${is}, not ${FRAME_SCHEMA_NAME}`);
    }
    progress.schema = schema;
    // Same schema: read with the reader type itself; otherwise avsc resolves (schema evolution).
    return writer.fingerprint().equals(reader.fingerprint()) ? reader : writer;
  };
  const decoder = new avsc.streams.BlockDecoder({ readerSchema: reader, parseHook, codecs: DECOMPRESSORS });
  decoder.on('block', (b: BlockInfo) => progress.block(b));
  // avsc emits errors without ending the stream; end it with the error, named.
  decoder.on('error', (e: Error) => {
    progress.failure ??= progress.classify(e);
    if (!decoder.destroyed) decoder.destroy(progress.failure);
  });
  return decoder;
}

/** Waits for the header; counts its bytes (the chunks seen until then hold it). */
function readHeader(
  source: ReadStream,
  decoder: avsc.streams.BlockDecoder,
  p: Progress,
): Promise<RecordingInfo> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const keep = (c: string | Buffer): void => void chunks.push(Buffer.from(c));
    source.on('data', keep); // before the pipe, so a chunk is kept before the decoder sees it
    source.pipe(decoder);
    decoder.once('error', () => reject(p.failure));
    decoder.once('finish', () => {
      const short = p.size < OCF_MAGIC.length;
      reject(
        short
          ? p.error('bad_header', `not an Avro object container file (${p.size} bytes)`)
          : p.error('truncated', `file ends inside the header (${p.size} bytes)`),
      );
    });
    decoder.once('metadata', (_type: unknown, codec: string, h: ContainerHeader) => {
      source.off('data', keep);
      p.bytes = HEADER_TYPE.decode(Buffer.concat(chunks)).offset;
      p.headerRead = true;
      const metadata: Record<string, string> = {};
      for (const [k, v] of Object.entries(h.meta)) if (!k.startsWith('avro.')) metadata[k] = v.toString();
      resolve({ path: p.path, codec, metadata, schema: p.schema });
    });
  });
}

async function openFile(path: string): Promise<{ fh: FileHandle; size: number }> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new RecordingError(`cannot open ${path}: ${(e as Error).message}`, { context: { path }, cause: e });
  }
  const stat = await fh.stat();
  if (stat.isDirectory()) {
    await fh.close();
    throw new RecordingError(`${path} is a directory, not a recording (.avro file)`, { context: { path } });
  }
  return { fh, size: stat.size };
}

async function* frames(decoder: AsyncIterable<unknown>, p: Progress): AsyncGenerator<HitFrame> {
  const records = decoder[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<unknown>;
    try {
      next = await records.next();
    } catch (e) {
      throw p.failure ?? p.classify(e as Error);
    }
    if (next.done === true) break;
    let frame: HitFrame;
    try {
      frame = frameFromRecord(next.value as FrameRecord);
    } catch (e) {
      throw p.badFrame(e as Error);
    }
    p.frames++;
    yield frame;
  }
  p.checkEnd();
}

/** Opens a recording and reads its header; iterate it for the frames (once). */
export async function openRecording(path: string): Promise<Recording> {
  const { fh, size } = await openFile(path);
  const progress = new Progress(path, size);
  const source = fh.createReadStream();
  const decoder = frameDecoder(progress);
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    decoder.destroy();
    source.destroy();
    if (!source.closed) await new Promise<void>((resolve) => source.once('close', () => resolve()));
  };
  let info: RecordingInfo;
  try {
    info = await readHeader(source, decoder, progress);
  } catch (e) {
    await close();
    throw e;
  }
  let used = false;
  return {
    info,
    close,
    [Symbol.asyncIterator]() {
      if (used) throw new RecordingError(`${path}: a recording can be iterated once; open it again`);
      used = true;
      return (async function* () {
        try {
          yield* frames(decoder, progress);
        } finally {
          await close();
        }
      })();
    },
  };
}

/** The frames of a recording, in order. */
export async function* readRecording(path: string): AsyncGenerator<HitFrame> {
  yield* await openRecording(path);
}
