/**
 * Loads the configuration once: defaults ← JSON file(s) ← overrides (CLI flags), then validates
 * every section. Any invalid value throws ConfigError naming the field and its allowed range.
 */
import { readFileSync } from 'node:fs';
import type { DetectorGeometry } from '../domain/index.js';
import { parseDetector } from './detector.js';
import { ConfigError } from './errors.js';
import { noUnknownKeys, section } from './fields.js';
import { parseKafka, type KafkaConfig } from './kafka.js';
import { parseReconstruction, type ReconstructionConfig } from './reconstruction.js';
import { parseService, type ServiceConfig } from './service.js';
import { parseSimulation, type SimulationConfig } from './simulation.js';
import { parseTrigger, type TriggerConfig } from './trigger.js';

export interface ShowertrigConfig {
  readonly detector: DetectorGeometry;
  readonly simulation: SimulationConfig;
  readonly reconstruction: ReconstructionConfig;
  readonly trigger: TriggerConfig;
  readonly kafka: KafkaConfig;
  readonly service: ServiceConfig;
}

const SECTIONS = ['detector', 'simulation', 'reconstruction', 'trigger', 'kafka', 'service'] as const;

export function parseConfig(raw: unknown): ShowertrigConfig {
  const r = section(raw, 'config');
  noUnknownKeys(r, 'config', SECTIONS);
  return {
    detector: parseDetector(r['detector']),
    simulation: parseSimulation(r['simulation']),
    reconstruction: parseReconstruction(r['reconstruction']),
    trigger: parseTrigger(r['trigger']),
    kafka: parseKafka(r['kafka']),
    service: parseService(r['service']),
  };
}

/** Deep merge of plain objects; arrays and scalars in `over` replace those in `base`. */
export function mergeRaw(base: unknown, over: unknown): unknown {
  if (!isPlain(base) || !isPlain(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeRaw(base[k], v);
  return out;
}

export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('--config', 'a readable JSON file', `${path} (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ConfigError('--config', 'valid JSON', `${path} (${(e as Error).message})`);
  }
}

/** Files are merged in order, then overrides; the result is validated once. */
export function loadConfig(files: readonly string[] = [], overrides: unknown = {}): ShowertrigConfig {
  let raw: unknown = {};
  for (const f of files) raw = mergeRaw(raw, readConfigFile(f));
  return parseConfig(mergeRaw(raw, overrides));
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
