import { ShowertrigError } from '../domain/index.js';

/** A configuration value that failed validation. `field` is the dotted path, e.g. "detector.stationPitchCm". */
export class ConfigError extends ShowertrigError {
  override readonly name: string = 'ConfigError';
  constructor(
    readonly field: string,
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`config ${field}: expected ${expected}, got ${describe(got)}`, {
      retriable: false,
      context: { field },
    });
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return String(v); // NaN, Infinity as themselves, not JSON's null
  if (typeof v === 'bigint') return `${v}n`;
  if (v === undefined) return 'nothing';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
