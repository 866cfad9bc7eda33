/**
 * Building blocks of the config schema (zod). Every field carries its default and a description
 * (the generated docs/config.md and config/default.json come from them), and every failure
 * message is the field's allowed range, so a ZodError maps to one ConfigError naming the dotted
 * field path, the range and the value given.
 */
import { z } from 'zod';
import { ConfigError } from './errors.js';

export interface NumberRule {
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
  integer?: boolean;
}

/** "an integer in [1, 16]", "a number in (0, 1000]": the text every range failure shows. */
export function rangeText(rule: NumberRule): string {
  const lo = rule.above !== undefined ? `(${rule.above}` : `[${rule.min ?? '-inf'}`;
  return `${rule.integer ? 'an integer' : 'a number'} in ${lo}, ${rule.max ?? 'inf'}]`;
}

/** A finite number within the rule, failing with the range text. */
export function numberIn(rule: NumberRule): z.ZodNumber {
  const error = rangeText(rule);
  let s = z.number({ error });
  if (rule.integer) s = s.int({ error });
  if (rule.min !== undefined) s = s.gte(rule.min, { error });
  if (rule.above !== undefined) s = s.gt(rule.above, { error });
  if (rule.max !== undefined) s = s.lte(rule.max, { error });
  return s;
}

/** A number field with a default. */
export const num = (def: number, rule: NumberRule, description: string) =>
  numberIn(rule).default(def).describe(description);

/** A number that may be absent (or null, so an override file can unset it): undefined then. */
export const optionalNum = (rule: NumberRule, description: string) =>
  numberIn(rule)
    .nullish()
    .transform((v) => v ?? undefined)
    .optional()
    .describe(description);

/** A number within the rule, or the string "auto" (the caller resolves it, e.g. from the cores). */
export const numOrAuto = (def: number | 'auto', rule: NumberRule, description: string) => {
  const error = `${rangeText(rule)} or "auto"`;
  return z
    .union([z.literal('auto'), numberIn(rule)], { error })
    .default(def)
    .describe(description);
};

export const str = (def: string, description: string) =>
  z
    .string({ error: 'a non-empty string' })
    .min(1, { error: 'a non-empty string' })
    .default(def)
    .describe(description);

export const bool = (def: boolean, description: string) =>
  z.boolean({ error: 'true or false' }).default(def).describe(description);

export function oneOf<const T extends readonly [string, ...string[]]>(
  allowed: T,
  def: T[number],
  description: string,
) {
  return z
    .enum(allowed, { error: `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}` })
    .default(def as never)
    .describe(description);
}

export const strList = (def: readonly string[], description: string) => {
  const error = 'a non-empty list of non-empty strings';
  return z
    .array(z.string({ error }).min(1, { error }), { error })
    .min(1, { error })
    .default([...def])
    .describe(description);
};

/** A [low, high] pair with low < high, both within the rule. */
export function numRange(def: readonly [number, number], rule: NumberRule, description: string) {
  return z
    .tuple([numberIn(rule), numberIn(rule)], { error: 'a pair [low, high]' })
    .refine(([lo, hi]) => lo < hi, { error: 'low < high' })
    .default([def[0], def[1]])
    .describe(description);
}

/** An object section that refuses unknown keys, so a typo never silently falls back to a default. */
export function section<S extends z.ZodRawShape>(shape: S, description: string) {
  const known = Object.keys(shape).join(', ');
  return z
    .strictObject(shape, {
      error: (iss) => (iss.code === 'unrecognized_keys' ? `one of the known keys [${known}]` : 'an object'),
    })
    .describe(description);
}

/** Adds a cross-field failure to `path` (relative to the refined object) with the value that broke it. */
export function fail(
  ctx: z.RefinementCtx,
  path: readonly (string | number)[],
  message: string,
  input: unknown,
): void {
  ctx.addIssue({ code: 'custom', path: [...path], message, input });
}

/** Parses with `schema`, throwing ConfigError for the first problem (paths are prefixed with `root`). */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown, root: string): z.output<S> {
  const r = schema.safeParse(raw ?? {}, { reportInput: true });
  if (r.success) return r.data;
  throw toConfigError(r.error.issues[0]!, root);
}

function toConfigError(issue: z.core.$ZodIssue, root: string): ConfigError {
  const path = issue.path.map(String);
  const join = (p: readonly string[]): string =>
    root === '' ? p.join('.') || 'config' : [root, ...p].join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    return new ConfigError(
      root === '' && path.length === 0 ? `config.${key}` : join([...path, key]),
      issue.message,
      key,
    );
  }
  // Elements of a [low, high] pair report the pair's path, as the range applies to both.
  const field = path.length > 0 && /^\d+$/.test(path[path.length - 1]!) ? path.slice(0, -1) : path;
  return new ConfigError(join(field), issue.message, issue.input);
}
