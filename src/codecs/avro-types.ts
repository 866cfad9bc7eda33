/**
 * avsc types built from the schema files in schemas/ (the contract; this code never restates it).
 * Two deviations from avsc's defaults, both about untrusted input:
 *  - every Avro `long` is a bigint: our longs are ns timestamps (~1.7e18), beyond 2^53;
 *  - arrays are bounded while decoding: a block count larger than the bytes left is rejected
 *    before anything is allocated (avsc would allocate and loop `count` times on corrupt input);
 *  - array<int> decodes to Int32Array and encodes from typed arrays (the hit arrays).
 */
import { readFileSync } from 'node:fs';
import avsc from 'avsc';
import { ContractError, DecodeError } from '../domain/index.js';

/** Message kinds with a schema; the value is the file stem in schemas/. */
export const SCHEMA_FILES = {
  frame: 'hit_frame',
  reco: 'reco_event',
  candidate: 'candidate',
  alert: 'excess_alert',
  deadLetter: 'dead_letter',
  anomaly: 'anomaly',
} as const;
export type MessageKind = keyof typeof SCHEMA_FILES;

/** The first schema version of every kind. */
export const CURRENT_SCHEMA_VERSION = 1;

/**
 * The newest schema version this build writes per kind; it reads every version from 1 up to it.
 * frame v2: truth.interaction (the event class among all classes; eventClass keeps the nearest
 * v1 class, so v1 readers read v2 data). frame v3: truth.exotic (the injected exotic class), written
 * only for a frame that carries one on the wire (writeVersion), always in recordings (one schema
 * per file; version 2 readers resolve it by dropping the field). reco/candidate v2: the optional classification, written
 * only for an event that carries one (writeVersion), so that everything the cut selection
 * produces stays version 1, readable by builds that know version 1 only. reco v3: the optional
 * anomaly score, written only for an event that carries one (the anomaly path on); candidates do
 * not carry it (the score travels in tt.reco and tt.anomalies).
 */
export const WRITE_VERSIONS: Readonly<Record<MessageKind, number>> = {
  frame: 3,
  reco: 3,
  candidate: 2,
  alert: 1,
  deadLetter: 1,
  anomaly: 1,
};

/** The versions this build decodes for a kind: 1 … its write version. */
export function readVersions(kind: MessageKind): number[] {
  return Array.from({ length: WRITE_VERSIONS[kind] }, (_, i) => i + 1);
}

/**
 * The version one message is written in: reco events 3 with an anomaly score, else 2 with a
 * classification, else 1; candidates 2 with a classification, else 1; frames 3 with an exotic
 * class in their truth, else 2; other kinds their write version.
 */
export function writeVersion(kind: MessageKind, value: unknown): number {
  if (kind === 'frame')
    return (value as { truth?: { exotic?: unknown } }).truth?.exotic === undefined ? 2 : 3;
  if (kind === 'reco') {
    const e = value as { classification?: unknown; anomaly?: unknown };
    return e.anomaly !== undefined ? 3 : e.classification === undefined ? 1 : 2;
  }
  if (kind === 'candidate')
    return (value as { event: { classification?: unknown } }).event.classification === undefined ? 1 : 2;
  return WRITE_VERSIONS[kind];
}

const SCHEMAS_DIR = new URL('../../schemas/', import.meta.url);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const bigintLong = avsc.types.LongType.__with({
  fromBuffer: (buf: Buffer): bigint => buf.readBigInt64LE(0),
  toBuffer: (n: bigint): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(n, 0);
    return b;
  },
  fromJSON: (v: unknown): bigint => BigInt(v as string | number),
  toJSON: (n: bigint): string => n.toString(),
  isValid: (n: unknown): boolean => typeof n === 'bigint' && n >= INT64_MIN && n <= INT64_MAX,
  compare: (a: bigint, b: bigint): number => (a === b ? 0 : a < b ? -1 : 1),
});

/** The part of avsc's internal Tap that the bounded reader needs. */
interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
}
interface ReadableType {
  _read(tap: Tap): unknown;
}

class BoundedArrayType extends avsc.types.ArrayType {
  /** Same wire logic as avsc's ArrayType._read, plus the bound. Items of our schemas take >= 1 byte. */
  _read(tap: Tap): unknown[] {
    const items = this.itemsType as unknown as ReadableType;
    const out: unknown[] = [];
    let n: number;
    while ((n = tap.readLong())) {
      if (n < 0) {
        n = -n;
        tap.skipLong();
      }
      if (!(n <= tap.buf.length - tap.pos))
        throw new DecodeError('truncated', 'truncated buffer: array block larger than the bytes left');
      while (n--) out.push(items._read(tap));
    }
    return out;
  }
}

/**
 * array<int> as Int32Array: decodes straight into a typed array and encodes from any array-like
 * of 32-bit integers (typed arrays included), saving a JS-array copy each way for hit arrays.
 */
class IntArrayType extends avsc.types.ArrayType {
  _read(tap: Tap): Int32Array {
    let out = new Int32Array(0);
    let n: number;
    while ((n = tap.readLong())) {
      if (n < 0) {
        n = -n;
        tap.skipLong();
      }
      if (!(n <= tap.buf.length - tap.pos))
        throw new DecodeError('truncated', 'truncated buffer: array block larger than the bytes left');
      const start = out.length;
      if (start === 0) out = new Int32Array(n);
      else {
        const grown = new Int32Array(start + n);
        grown.set(out);
        out = grown;
      }
      for (let i = 0; i < n; i++) {
        const v = tap.readLong();
        if (v !== (v | 0)) throw new ContractError(`invalid "int": ${v}`);
        out[start + i] = v;
      }
    }
    return out;
  }

  _write(tap: Tap & { writeLong(n: number): void }, val: unknown): void {
    if (!(Array.isArray(val) || ArrayBuffer.isView(val)))
      throw new ContractError(`invalid array<int>: ${typeof val}`);
    const a = val as ArrayLike<unknown>;
    const n = a.length;
    if (n) {
      tap.writeLong(n);
      for (let i = 0; i < n; i++) {
        const v = a[i];
        if (typeof v !== 'number' || v !== (v | 0))
          throw new ContractError(`invalid "int" at [${i}]: ${String(v)}`);
        tap.writeLong(v);
      }
    }
    tap.writeLong(0);
  }
}

function typeHook(schema: unknown, opts: unknown): avsc.Type | undefined {
  if (typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'array') {
    const items = (schema as { items?: unknown }).items;
    return items === 'int'
      ? new IntArrayType(schema as avsc.Schema, opts)
      : new BoundedArrayType(schema as avsc.Schema, opts);
  }
  return undefined;
}

/** Parsed JSON of schemas/<stem>.v<version>.avsc (default: the version this build writes). */
export function readSchemaFile(kind: MessageKind, version = WRITE_VERSIONS[kind]): object {
  const url = new URL(`${SCHEMA_FILES[kind]}.v${version}.avsc`, SCHEMAS_DIR);
  return JSON.parse(readFileSync(url, 'utf8')) as object;
}

/** An avsc type for any schema object, with bigint longs and bounded arrays. */
export function avroTypeFor(schema: object): avsc.Type {
  return avsc.Type.forSchema(schema as avsc.Schema, {
    registry: { long: bigintLong },
    typeHook: typeHook as never,
    wrapUnions: false,
  });
}

const cache = new Map<string, avsc.Type>();

/** The avsc type for a message kind and schema version (default: the written one; parsed once per process; types are immutable). */
export function avroType(kind: MessageKind, version = WRITE_VERSIONS[kind]): avsc.Type {
  const key = `${kind}.v${version}`;
  let t = cache.get(key);
  if (t === undefined) {
    t = avroTypeFor(readSchemaFile(kind, version));
    cache.set(key, t);
  }
  return t;
}
