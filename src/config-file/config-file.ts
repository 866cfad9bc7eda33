/**
 * Reads configuration files: the schema's defaults ← each --config file (deep merge, in order) ←
 * overrides from flags, validated once (src/config). Reading is I/O, so it lives here, not in config.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, kafkaFromEnv, mergeRaw, parseConfig, type ShowertrigConfig } from '../config/index.js';

export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      '--config',
      'a readable JSON file',
      `${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ConfigError('--config', 'valid JSON', `${path} (${(e as Error).message})`);
  }
}

/**
 * `commandDefaults` (a command's own defaults, e.g. embedded run's injected excess) ← files, merged
 * in order ← the environment's Kafka settings (SHOWERTRIG_KAFKA_*: brokers, TLS files, SASL
 * credentials) ← overrides (flags); the result is validated once against the schema and its defaults.
 */
export function loadConfig(
  files: readonly (string | undefined)[] = [],
  overrides: unknown = {},
  commandDefaults: unknown = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): ShowertrigConfig {
  let raw: unknown = commandDefaults;
  for (const f of files) if (f !== undefined) raw = mergeRaw(raw, readConfigFile(f));
  const fromEnv = kafkaFromEnv(env);
  if (Object.keys(fromEnv).length > 0) raw = mergeRaw(raw, { kafka: fromEnv });
  return parseConfig(mergeRaw(raw, overrides));
}
