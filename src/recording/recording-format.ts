/**
 * Recordings are standard Avro object container files (Avro 1.x spec, "Object Container Files"):
 *   header = magic "Obj\x01", metadata map<bytes> (avro.schema, avro.codec, ours), 16-byte sync
 *   block* = long record count, long byte size, (deflated) records, the 16-byte sync
 * Records are hit_frame.v3 (schemas/), so any Avro library reads them. avsc's BlockEncoder and
 * BlockDecoder frame the blocks; this file holds what both sides share.
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

/** avsc's codec shape: bytes in, bytes out through a node-style callback. */
type AvscCodec = (buf: Buffer, cb: (err: Error | null, out?: Buffer) => void) => void;

/** Synchronous, so a block is (de)compressed where it is framed: blocks stay in order, errors name their block. */
function syncCodec(f: (buf: Buffer) => Buffer): AvscCodec {
  return (buf, cb) => {
    let out: Buffer;
    try {
      out = f(buf);
    } catch (e) {
      cb(e as Error);
      return;
    }
    cb(null, out);
  };
}

const identity: AvscCodec = (buf, cb) => cb(null, buf);

/** The writer's codecs; `level` is zlib's 0..9 for deflate. */
export function compressors(level = 6): Record<ContainerCodec, AvscCodec> {
  return { null: identity, deflate: syncCodec((b) => deflateRawSync(b, { level })) };
}

/** The reader's codecs (a codec not listed here is reported as unsupported). */
export const DECOMPRESSORS: Record<ContainerCodec, AvscCodec> = {
  null: identity,
  deflate: syncCodec((b) => inflateRawSync(b, { maxOutputLength: MAX_BLOCK_BYTES })),
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
