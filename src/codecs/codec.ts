/**
 * The Codec contract shared by the avro and msgpack implementations, and the checks both apply
 * to a decoded body before it becomes a domain object.
 */
import { DecodeError, ShowertrigError, type Hits } from '../domain/index.js';
import type { MessageKind } from './avro-types.js';
import { HEADER_BYTES, headerBytes, type CodecName } from './wire.js';

/**
 * Encodes values of one message kind to header + body, and back.
 * decode never throws anything but DecodeError (with a short `reason`), whatever the bytes.
 */
export interface Codec<T> {
  readonly name: CodecName;
  readonly kind: MessageKind;
  /** The newest schema version encode writes (reco events and candidates: 2 only for those with a classification, else 1). */
  readonly schemaVersion: number;
  encode(value: T): Buffer;
  decode(bytes: Uint8Array): T;
}

/** A value that cannot be encoded (wrong type, out of range): a bug in the producer, not bad input. */
export class EncodeError extends ShowertrigError {
  override readonly name: string = 'EncodeError';
}

export function encodeFailure(codec: CodecName, kind: MessageKind, e: unknown): EncodeError {
  const msg = e instanceof Error ? e.message : String(e);
  return new EncodeError(`${codec} ${kind}: cannot encode: ${msg.slice(0, 300)}`, {
    context: { codec, kind },
    cause: e,
  });
}

/** header + body in one allocation. */
export function withHeader(codec: CodecName, kind: MessageKind, version: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  out.set(headerBytes(codec, kind, version), 0);
  out.set(body, HEADER_BYTES);
  return out;
}

/** A Buffer view of the body (no copy): avsc needs Buffer methods. */
export function bodyOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset + HEADER_BYTES, bytes.byteLength - HEADER_BYTES);
}

/**
 * Checks the representational invariants of decoded hits: parallel arrays of one length,
 * stations that fit the Uint8 station array. Physics limits (plane size, counts > 0) are
 * checkHits' job downstream, where they are reported as reconstruction statuses.
 */
export function checkDecodedHits(h: Hits, stations: ArrayLike<number>): Hits {
  const n = stations.length;
  if (h.ix.length !== n || h.iy.length !== n || h.count.length !== n) {
    throw new DecodeError(
      'corrupt',
      `hit arrays differ in length (${n}, ${h.ix.length}, ${h.iy.length}, ${h.count.length})`,
    );
  }
  for (let i = 0; i < n; i++) {
    const s = stations[i]!;
    if (!(s >= 0 && s <= 255)) throw new DecodeError('corrupt', `hit ${i}: station ${s} outside 0..255`);
  }
  return h;
}
