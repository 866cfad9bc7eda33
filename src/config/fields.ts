/**
 * Field readers for config sections: each reads one key of a raw object, applies the default,
 * and throws ConfigError naming the dotted field path and the allowed range.
 */
import { ConfigError } from './errors.js';

export type Raw = Readonly<Record<string, unknown>>;

export interface NumberRule {
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
  integer?: boolean;
}

export function section(raw: unknown, path: string): Raw {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(path, 'an object', raw);
  return raw as Raw;
}

/** Rejects keys the section does not know, so a typo never silently falls back to a default. */
export function noUnknownKeys(raw: Raw, path: string, known: readonly string[]): void {
  for (const k of Object.keys(raw)) {
    if (!known.includes(k)) throw new ConfigError(`${path}.${k}`, `one of the known keys [${known.join(', ')}]`, k);
  }
}

export function num(raw: Raw, path: string, key: string, def: number, rule: NumberRule = {}): number {
  const v = raw[key] ?? def;
  const field = `${path}.${key}`;
  const lo = rule.above !== undefined ? `(${rule.above}` : `[${rule.min ?? '-inf'}`;
  const range = `${rule.integer ? 'an integer' : 'a number'} in ${lo}, ${rule.max ?? 'inf'}]`;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(field, range, v);
  if (rule.integer && !Number.isInteger(v)) throw new ConfigError(field, range, v);
  if (rule.min !== undefined && v < rule.min) throw new ConfigError(field, range, v);
  if (rule.above !== undefined && v <= rule.above) throw new ConfigError(field, range, v);
  if (rule.max !== undefined && v > rule.max) throw new ConfigError(field, range, v);
  return v;
}

export function optionalNum(raw: Raw, path: string, key: string, rule: NumberRule = {}): number | undefined {
  if (raw[key] === undefined || raw[key] === null) return undefined;
  return num(raw, path, key, 0, rule);
}

export function str(raw: Raw, path: string, key: string, def: string): string {
  const v = raw[key] ?? def;
  if (typeof v !== 'string' || v.length === 0) throw new ConfigError(`${path}.${key}`, 'a non-empty string', v);
  return v;
}

export function oneOf<T extends string>(raw: Raw, path: string, key: string, allowed: readonly T[], def: T): T {
  const v = raw[key] ?? def;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(`${path}.${key}`, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, v);
  }
  return v as T;
}

export function bool(raw: Raw, path: string, key: string, def: boolean): boolean {
  const v = raw[key] ?? def;
  if (typeof v !== 'boolean') throw new ConfigError(`${path}.${key}`, 'true or false', v);
  return v;
}

export function strList(raw: Raw, path: string, key: string, def: readonly string[]): string[] {
  const v = raw[key] ?? def;
  if (!Array.isArray(v) || v.length === 0 || v.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new ConfigError(`${path}.${key}`, 'a non-empty list of non-empty strings', v);
  }
  return [...(v as string[])];
}

/** A [lo, hi] pair with lo < hi, both within the rule. */
export function numRange(
  raw: Raw,
  path: string,
  key: string,
  def: readonly [number, number],
  rule: NumberRule = {},
): [number, number] {
  const v = raw[key] ?? def;
  const field = `${path}.${key}`;
  if (!Array.isArray(v) || v.length !== 2) throw new ConfigError(field, 'a pair [low, high]', v);
  const lo = num({ v: v[0] }, field, 'v', 0, rule);
  const hi = num({ v: v[1] }, field, 'v', 0, rule);
  if (!(lo < hi)) throw new ConfigError(field, 'low < high', v);
  return [lo, hi];
}
