/**
 * Wire formats: a 4-byte header (codec, message kind, schema version) + an Avro or msgpack body.
 * Producers pick a codec; consumers need not know it: the free decode functions read the header.
 * The schemas are the files in schemas/ (see schemas/README.md).
 */
import type {
  AnomalyEvent,
  Candidate,
  DeadLetter,
  ExcessAlert,
  HitFrame,
  RecoEvent,
} from '../domain/index.js';
import { createAvroCodecs } from './avro.js';
import type { Codec } from './codec.js';
import { createMsgpackCodecs } from './msgpack.js';
import { CODEC_NAMES, readHeader, type CodecName } from './wire.js';
import type { MessageKind } from './avro-types.js';

export type { Codec } from './codec.js';
export { EncodeError } from './codec.js';
export {
  CODEC_NAMES,
  HEADER_BYTES,
  MAGIC,
  readHeader,
  type CodecName,
  type DecodeReason,
  type WireHeader,
} from './wire.js';
export {
  avroType,
  avroTypeFor,
  readSchemaFile,
  CURRENT_SCHEMA_VERSION,
  WRITE_VERSIONS,
  readVersions,
  SCHEMA_FILES,
  type MessageKind,
} from './avro-types.js';
export { frameToRecord, frameFromRecord, type FrameRecord } from './avro-frame.js';

/** All message codecs of one wire codec. */
export interface CodecSet {
  readonly name: CodecName;
  readonly frame: Codec<HitFrame>;
  readonly reco: Codec<RecoEvent>;
  readonly candidate: Codec<Candidate>;
  readonly alert: Codec<ExcessAlert>;
  readonly deadLetter: Codec<DeadLetter>;
  readonly anomaly: Codec<AnomalyEvent>;
}

export interface CodecConfig {
  /** The codec producers write with; decoding accepts either (the header says which). */
  readonly codec: CodecName;
}

export const DEFAULT_CODEC_CONFIG: CodecConfig = { codec: 'avro' };

export function createCodecs(name: CodecName = DEFAULT_CODEC_CONFIG.codec): CodecSet {
  return name === 'avro' ? { name, ...createAvroCodecs() } : { name, ...createMsgpackCodecs() };
}

/** Checks a user-given codec name (CLI flag, config) and returns it typed. */
export function isCodecName(s: string): s is CodecName {
  return (CODEC_NAMES as readonly string[]).includes(s);
}

// Default codec sets behind the free functions, built on first use (schemas are read then).
const sets: Partial<Record<CodecName, CodecSet>> = {};
function codecSet(name: CodecName): CodecSet {
  return (sets[name] ??= createCodecs(name));
}

type KindValue = {
  frame: HitFrame;
  reco: RecoEvent;
  candidate: Candidate;
  alert: ExcessAlert;
  deadLetter: DeadLetter;
  anomaly: AnomalyEvent;
};

/** Decodes any message of `kind` whatever its codec; throws DecodeError only. */
function decodeAny<K extends MessageKind>(kind: K, bytes: Uint8Array): KindValue[K] {
  const h = readHeader(bytes);
  return (codecSet(h.codec)[kind] as unknown as Codec<KindValue[K]>).decode(bytes);
}

export const encodeFrame = (f: HitFrame, codec: CodecName = 'avro'): Buffer =>
  codecSet(codec).frame.encode(f);
export const decodeFrame = (b: Uint8Array): HitFrame => decodeAny('frame', b);
export const encodeRecoEvent = (e: RecoEvent, codec: CodecName = 'avro'): Buffer =>
  codecSet(codec).reco.encode(e);
export const decodeRecoEvent = (b: Uint8Array): RecoEvent => decodeAny('reco', b);
export const encodeCandidate = (c: Candidate, codec: CodecName = 'avro'): Buffer =>
  codecSet(codec).candidate.encode(c);
export const decodeCandidate = (b: Uint8Array): Candidate => decodeAny('candidate', b);
export const encodeExcessAlert = (a: ExcessAlert, codec: CodecName = 'avro'): Buffer =>
  codecSet(codec).alert.encode(a);
export const decodeExcessAlert = (b: Uint8Array): ExcessAlert => decodeAny('alert', b);
export const encodeDeadLetter = (d: DeadLetter, codec: CodecName = 'avro'): Buffer =>
  codecSet(codec).deadLetter.encode(d);
export const decodeDeadLetter = (b: Uint8Array): DeadLetter => decodeAny('deadLetter', b);
export const encodeAnomaly = (a: AnomalyEvent, codec: CodecName = 'avro'): Buffer =>
  codecSet(codec).anomaly.encode(a);
export const decodeAnomaly = (b: Uint8Array): AnomalyEvent => decodeAny('anomaly', b);
