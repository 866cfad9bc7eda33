/**
 * The 4-byte header in front of every message body (see schemas/README.md):
 *   byte 0  magic 0xB7
 *   byte 1  codec: 1 = avro (plain Avro binary of the schema), 2 = msgpack
 *   byte 2  message kind: 1 frame, 2 reco, 3 candidate, 4 alert, 5 dead letter, 6 anomaly
 *   byte 3  schema version (1)
 * It lets any consumer (and the dead-letter path) classify a message without decoding it.
 */
import { DecodeError } from '../domain/index.js';
import type { MessageKind } from './avro-types.js';

export type CodecName = 'avro' | 'msgpack';
export const CODEC_NAMES: readonly CodecName[] = ['avro', 'msgpack'];

/** Reasons a DecodeError can carry (metric label and DLQ reason). */
export type DecodeReason =
  | 'truncated'
  | 'bad_header'
  | 'codec_mismatch'
  | 'schema_mismatch'
  | 'unsupported_version'
  | 'trailing_data'
  | 'corrupt';

export const MAGIC = 0xb7;
export const HEADER_BYTES = 4;
const CODEC_IDS: Readonly<Record<CodecName, number>> = { avro: 1, msgpack: 2 };
const KIND_IDS: Readonly<Record<MessageKind, number>> = {
  frame: 1,
  reco: 2,
  candidate: 3,
  alert: 4,
  deadLetter: 5,
  anomaly: 6,
};

export interface WireHeader {
  readonly codec: CodecName;
  readonly kind: MessageKind;
  readonly version: number;
}

export function headerBytes(codec: CodecName, kind: MessageKind, version: number): Uint8Array {
  return Uint8Array.of(MAGIC, CODEC_IDS[codec], KIND_IDS[kind], version);
}

function byId<K extends string>(ids: Readonly<Record<K, number>>, id: number): K | undefined {
  for (const [k, v] of Object.entries(ids) as [K, number][]) if (v === id) return k;
  return undefined;
}

/** Reads the header; throws DecodeError('truncated' | 'bad_header'). */
export function readHeader(buf: Uint8Array): WireHeader {
  if (buf.length < HEADER_BYTES)
    throw new DecodeError(
      'truncated',
      `message of ${buf.length} bytes is shorter than the ${HEADER_BYTES}-byte header`,
      { bytes: buf.length },
    );
  if (buf[0] !== MAGIC)
    throw new DecodeError(
      'bad_header',
      `bad magic byte 0x${buf[0]!.toString(16)} (want 0x${MAGIC.toString(16)})`,
    );
  const codec = byId(CODEC_IDS, buf[1]!);
  if (codec === undefined) throw new DecodeError('bad_header', `unknown codec id ${buf[1]}`);
  const kind = byId(KIND_IDS, buf[2]!);
  if (kind === undefined) throw new DecodeError('bad_header', `unknown message kind id ${buf[2]}`);
  return { codec, kind, version: buf[3]! };
}

/** Reads the header and checks it names what the caller expects. */
export function expectHeader(
  buf: Uint8Array,
  codec: CodecName,
  kind: MessageKind,
  versions: readonly number[],
): WireHeader {
  const h = readHeader(buf);
  if (h.kind !== kind)
    throw new DecodeError('schema_mismatch', `message is a ${h.kind}, expected a ${kind}`, {
      got: h.kind,
      want: kind,
    });
  if (h.codec !== codec)
    throw new DecodeError('codec_mismatch', `message is ${h.codec}-encoded, decoder is ${codec}`, {
      got: h.codec,
      want: codec,
    });
  if (!versions.includes(h.version)) {
    throw new DecodeError(
      'unsupported_version',
      `${kind} schema version ${h.version} is not supported (supported: ${versions.join(', ')})`,
      { version: h.version },
    );
  }
  return h;
}

/** Maps a library error raised while decoding a body to a DecodeError. */
export function classifyBodyError(e: unknown, codec: CodecName, kind: MessageKind): DecodeError {
  if (e instanceof DecodeError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  let reason: DecodeReason = 'corrupt';
  // msgpackr reads fixed-size numbers through a DataView: a cut body shows as an out-of-bounds offset.
  if (/truncated|unexpected end|outside the bounds/i.test(msg)) reason = 'truncated';
  else if (/trailing|end of buffer not reached/i.test(msg)) reason = 'trailing_data';
  return new DecodeError(reason, `${codec} ${kind}: ${msg.slice(0, 200)}`, { codec, kind }, e);
}
