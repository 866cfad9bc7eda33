/**
 * Recordings are standard Avro object container files (Avro 1.x spec, "Object Container Files"):
 *   header = magic "Obj\x01", metadata map<bytes> (avro.schema, avro.codec, ours), 16-byte sync
 *   block* = long record count, long byte size, (deflated) records, the 16-byte sync
 * Records are hit_frame.v3 (schemas/), so any Avro library reads them. avsc encodes everything
 * (header, varints, records, schema resolution); the writer and reader here only loop over the
 * blocks. avsc's BlockEncoder/BlockDecoder streams would do that loop too, but their object-mode
 * stream per record cost 9 % of the write and read time and up to a third with the null codec
 * (bench/results/library-replacements.md). This file holds what both sides share.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import avsc from 'avsc';
import { Rng, ShowertrigError } from '../domain/index.js';

export const OCF_MAGIC = Buffer.from('Obj\x01', 'latin1');
export const SYNC_BYTES = 16;
export type ContainerCodec = 'null' | 'deflate';

export interface ContainerHeader {
  magic: Buffer;
  meta: Record<string, Buffer>;
  sync: Buffer;
}

/** The header record exactly as the Avro spec defines it. */
export const HEADER_TYPE = avsc.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: SYNC_BYTES } },
  ],
});

/** Metadata keys we add beside avro.schema and avro.codec. */
export const META_SCHEMA_NAME = 'showertrig.schema';

/** No writer of ours makes blocks near this; a block inflating past it is corrupt (or a zip bomb). */
const MAX_BLOCK_BYTES = 1 << 30;

/** zig-zag varint longs: a block's record count and byte size. */
export const LONG_TYPE = avsc.Type.forSchema('long');

/** Compresses one block's records; `level` is zlib's 0..9 for deflate. */
export function compressor(codec: ContainerCodec, level = 6): (raw: Buffer) => Buffer {
  // null: a copy, since the block buffer is reused for the next block while this one is written.
  return codec === 'deflate' ? (raw) => deflateRawSync(raw, { level }) : (raw) => Buffer.from(raw);
}

/** The reader's codecs (a codec not listed here is reported as unsupported). */
export const DECOMPRESSORS: Readonly<Record<ContainerCodec, (data: Buffer) => Buffer>> = {
  null: (data) => data,
  deflate: (data) => inflateRawSync(data, { maxOutputLength: MAX_BLOCK_BYTES }),
};

/**
 * A container sync marker derived from a seed, so the same seed gives byte-identical files.
 * (Writers usually draw it at random; the spec only needs it to be unlikely inside the data.)
 */
export function syncMarkerFromSeed(seed: number): Uint8Array {
  const rng = new Rng((seed ^ 0x0c0ffee5) >>> 0);
  const out = new Uint8Array(SYNC_BYTES);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < SYNC_BYTES; i += 4) dv.setUint32(i, rng.nextU32(), true);
  return out;
}

/** A recording that cannot be opened, created or written (missing file, disk full, ...). */
export class RecordingError extends ShowertrigError {
  override readonly name: string = 'RecordingError';
}
