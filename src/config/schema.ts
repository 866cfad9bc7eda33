/**
 * The one config schema: every section, its defaults, ranges and descriptions. config/default.json,
 * config/schema.json and docs/config.md are generated from it (`npm run config:gen`); a test
 * checks the committed files are current.
 */
import { z } from 'zod';
import { anomalySchema } from './anomaly.js';
import { detectorSchema } from './detector.js';
import { kafkaSchema } from './kafka.js';
import { parseWith, section } from './kit.js';
import { reconstructionSchema } from './reconstruction.js';
import { serviceSchema } from './service.js';
import { simulationSchema } from './simulation.js';
import { triggerSchema } from './trigger.js';
import { validationSchema } from './validation.js';

export const configSchema = section(
  {
    detector: detectorSchema.prefault({}),
    simulation: simulationSchema.prefault({}),
    reconstruction: reconstructionSchema.prefault({}),
    trigger: triggerSchema.prefault({}),
    kafka: kafkaSchema.prefault({}),
    service: serviceSchema.prefault({}),
    validation: validationSchema.prefault({}),
    anomaly: anomalySchema.prefault({}),
  },
  'showertrig configuration',
);

export type ShowertrigConfig = Readonly<z.output<typeof configSchema>>;

/** Validates a raw (merged) config; throws ConfigError naming the first bad field and its allowed range. */
export function parseConfig(raw: unknown): ShowertrigConfig {
  return parseWith(configSchema, raw, '');
}

/** Deep merge of plain objects; arrays and scalars in `over` replace those in `base`. */
export function mergeRaw(base: unknown, over: unknown): unknown {
  if (!isPlain(base) || !isPlain(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeRaw(base[k], v);
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every default, as JSON (config/default.json). */
export function configDefaults(): unknown {
  return JSON.parse(JSON.stringify(parseConfig({}))) as unknown;
}

/** The schema as JSON Schema (draft 2020-12) of the input (config/schema.json, for editors). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
