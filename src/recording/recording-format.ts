/**
 * Recordings are standard Avro object container files (Avro 1.x spec, "Object Container Files"):
 *   header = magic "Obj\x01", metadata map<bytes> (avro.schema, avro.codec, ours), 16-byte sync
 *   block* = long record count, long byte size, (deflated) records, the 16-byte sync
 * Records are hit_frame.v1 (schemas/hit_frame.v1.avsc), so any Avro library reads them.
 */
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

/** Block counts and sizes (plain JS numbers: always far below 2^53). */
export const LONG_TYPE = avsc.Type.forSchema('long');

/** Metadata keys we add beside avro.schema and avro.codec. */
export const META_SCHEMA_NAME = 'showertrig.schema';

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
