/**
 * Shared flag handling for commands: node:util parseArgs with strict checking, plus typed
 * readers that fail with a message naming the flag.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { WIRE_CODECS } from '../config/index.js';
import { ShowertrigError } from '../domain/index.js';

export class UsageError extends ShowertrigError {
  override readonly name: string = 'UsageError';
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(argv: readonly string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseFlags<O extends Options>(argv: readonly string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options, strict: true, allowPositionals });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * `--events -5` → `--events=-5`: parseArgs would read "-5" as an option and fail with an
 * "ambiguous argument" message; joined, the flag's own check names the allowed range.
 */
function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : undefined;
    if (
      name !== undefined &&
      options[name]?.type === 'string' &&
      next !== undefined &&
      /^-(\d|\.\d|inf)/i.test(next)
    ) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

export function intFlag(
  v: string | undefined,
  flag: string,
  def: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${flag}: expected ${allowed('an integer', min, max)}, got ${JSON.stringify(v)}`);
  return n;
}

export function numFlag(
  v: string | undefined,
  flag: string,
  def: number,
  min = -Infinity,
  max = Infinity,
): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${flag}: expected ${allowed('a number', min, max)}, got ${JSON.stringify(v)}`);
  return n;
}

/** "an integer >= 0", "a number in [0, 1]": open-ended ranges without a huge bound. */
function allowed(what: string, min: number, max: number): string {
  const unboundedAbove = max === Infinity || max >= Number.MAX_SAFE_INTEGER;
  if (min === -Infinity) return unboundedAbove ? what : `${what} <= ${max}`;
  return unboundedAbove ? `${what} >= ${min}` : `${what} in [${min}, ${max}]`;
}

/** --codec avro|msgpack → the kafka.codec override ({} when absent). */
export function codecOverride(v: string | undefined): { codec?: string } {
  if (v === undefined) return {};
  if (!(WIRE_CODECS as readonly string[]).includes(v))
    throw new UsageError(`--codec: expected one of ${WIRE_CODECS.join(', ')}, got ${JSON.stringify(v)}`);
  return { codec: v };
}

/** "1" | "10" | "max" → speed factor. */
export function parseSpeed(v: string | undefined, def: number): number {
  if (v === undefined) return def;
  if (v === 'max') return Infinity;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--speed: expected a positive number or "max", got ${JSON.stringify(v)}`);
  return n;
}
