/**
 * Field readers for self-describing decoded bodies (msgpack maps): each checks one field's type
 * and throws DecodeError('schema_mismatch') naming the field path.
 */
import { DecodeError } from '../domain/index.js';

export type Obj = Readonly<Record<string, unknown>>;

function mismatch(path: string, want: string, v: unknown): DecodeError {
  const got = v === null ? 'null' : Array.isArray(v) ? 'array' : v instanceof Uint8Array ? 'bytes' : typeof v;
  return new DecodeError('schema_mismatch', `${path}: expected ${want}, got ${got}`, { field: path });
}

export function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array)
    throw mismatch(path, 'a map', v);
  return v as Obj;
}

export function str(o: Obj, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw mismatch(`${path}.${key}`, 'a string', v);
  return v;
}

/** Optional field: absent or nil → undefined. */
export function optStr(o: Obj, key: string, path: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw mismatch(`${path}.${key}`, 'a string or nil', v);
  return v;
}

export function num(o: Obj, key: string, path: string): number {
  const v = o[key];
  if (typeof v !== 'number') throw mismatch(`${path}.${key}`, 'a number', v);
  return v;
}

export function int32(o: Obj, key: string, path: string): number {
  const v = num(o, key, path);
  if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31)
    throw mismatch(`${path}.${key}`, 'a 32-bit integer', v);
  return v;
}

export function bool(o: Obj, key: string, path: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw mismatch(`${path}.${key}`, 'a boolean', v);
  return v;
}

/** A 64-bit integer; msgpack decoders may hand back a small one as a number. */
export function int64(o: Obj, key: string, path: string): bigint {
  const v = o[key];
  if (typeof v === 'bigint' && v >= -(2n ** 63n) && v < 2n ** 63n) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  throw mismatch(`${path}.${key}`, 'a 64-bit integer', v);
}

export function bytes(o: Obj, key: string, path: string): Uint8Array {
  const v = o[key];
  if (!(v instanceof Uint8Array)) throw mismatch(`${path}.${key}`, 'bytes', v);
  return v;
}

export function oneOf<T extends string>(o: Obj, key: string, path: string, allowed: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new DecodeError(
      'schema_mismatch',
      `${path}.${key}: expected one of ${allowed.join('|')}, got ${JSON.stringify(typeof v === 'string' ? v.slice(0, 40) : typeof v)}`,
      { field: `${path}.${key}` },
    );
  }
  return v as T;
}

export function strList(o: Obj, key: string, path: string): string[] {
  const v = o[key];
  if (!Array.isArray(v)) throw mismatch(`${path}.${key}`, 'an array of strings', v);
  for (let i = 0; i < v.length; i++)
    if (typeof v[i] !== 'string') throw mismatch(`${path}.${key}[${i}]`, 'a string', v[i]);
  return v as string[];
}
