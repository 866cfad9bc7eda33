/**
 * A minimal protocol-buffers writer (wire format only, proto3 semantics), enough to write the
 * TensorFlow messages of a SavedModel (graph-def.ts). Field numbers come from the caller; each
 * method appends one field, so a message is written field by field in the order of the calls:
 *   varint   wire type 0: int32/int64/enum/bool (negative values as 64-bit two's complement, 10 bytes)
 *   fixed32  wire type 5: float
 *   bytes    wire type 2: bytes, string (UTF-8), nested messages, packed repeated scalars
 * Nothing is skipped for default values: the caller writes what it means to send.
 */

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }

  private tag(field: number, wireType: 0 | 2 | 5): this {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff)
      throw new RangeError(`protobuf field number ${field}`);
    return this.push(varintBytes(BigInt(field) * 8n + BigInt(wireType)));
  }

  /** int32, int64, enum (any safe integer; negative ones take 10 bytes, as protobuf writes them). */
  varint(field: number, value: number): this {
    return this.tag(field, 0).push(varintBytes(integer(value)));
  }

  bool(field: number, value: boolean): this {
    return this.varint(field, value ? 1 : 0);
  }

  /** float (IEEE 754 single, little-endian). */
  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.tag(field, 5).push(b);
  }

  bytes(field: number, value: Uint8Array): this {
    return this.tag(field, 2)
      .push(varintBytes(BigInt(value.length)))
      .push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A nested message (written by `write` into a fresh writer). */
  message(field: number, write: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    write(w);
    return this.bytes(field, w.finish());
  }

  /** A packed repeated int32/int64/enum field. */
  packedVarints(field: number, values: readonly number[]): this {
    const w = new ProtoWriter();
    for (const v of values) w.push(varintBytes(integer(v)));
    return this.bytes(field, w.finish());
  }

  /** A map<K, V> entry: a message with the key as field 1 and the value as field 2. */
  mapEntry(field: number, key: string, writeValue: (w: ProtoWriter) => void): this {
    return this.message(field, (e) => e.string(1, key).message(2, writeValue));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

function integer(value: number): bigint {
  if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf varint: ${value} is not a safe integer`);
  return value < 0 ? BigInt.asUintN(64, BigInt(value)) : BigInt(value);
}

/** Base-128 varint of an unsigned value < 2^64: 7 bits per byte, least significant first, high bit = more. */
export function varintBytes(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 64n) throw new RangeError(`protobuf varint out of range: ${value}`);
  const out: number[] = [];
  let v = value;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** Decodes one varint at `offset` (tests and diagnostics): the value and the offset after it. */
export function readVarint(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let v = 0n;
  for (let i = 0, o = offset; i < 10; i++, o++) {
    if (o >= bytes.length) throw new RangeError('protobuf varint runs past the end');
    const b = bytes[o]!;
    v |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) {
      const signed = BigInt.asIntN(64, v);
      if (signed > MAX_SAFE || signed < -MAX_SAFE)
        throw new RangeError(`protobuf varint ${signed} beyond a safe integer`);
      return { value: Number(signed), next: o + 1 };
    }
  }
  throw new RangeError('protobuf varint longer than 10 bytes');
}
