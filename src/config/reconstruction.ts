import { noUnknownKeys, num, oneOf, section, str } from './fields.js';

export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

export interface ReconstructionConfig {
  /** DBSCAN neighbourhood radius, mm, in the plane. */
  readonly dbscanEpsMm: number;
  /** DBSCAN minimum points (hits) for a core point, the point itself included (as scikit-learn). */
  readonly dbscanMinHits: number;
  /** Frames with more hits are refused with status too_many_hits. */
  readonly maxHits: number;
  /** Directory holding model.json + weights (tfjs layers format). */
  readonly modelDir: string;
  readonly backend: BackendChoice;
  /** Micro-batch: flush at this many frames ... */
  readonly batchSize: number;
  /** ... or after this long since the first frame of the batch. */
  readonly batchTimeoutMs: number;
}

export const DEFAULT_RECONSTRUCTION: ReconstructionConfig = {
  dbscanEpsMm: 2.0,
  dbscanMinHits: 3,
  maxHits: 200_000,
  modelDir: 'models/default',
  backend: 'auto',
  batchSize: 64,
  batchTimeoutMs: 20,
};

export function parseReconstruction(raw: unknown, path = 'reconstruction'): ReconstructionConfig {
  const r = section(raw, path);
  const d = DEFAULT_RECONSTRUCTION;
  noUnknownKeys(r, path, Object.keys(d));
  return {
    dbscanEpsMm: num(r, path, 'dbscanEpsMm', d.dbscanEpsMm, { above: 0, max: 1000 }),
    dbscanMinHits: num(r, path, 'dbscanMinHits', d.dbscanMinHits, { min: 1, max: 10000, integer: true }),
    maxHits: num(r, path, 'maxHits', d.maxHits, { min: 1, max: 1e8, integer: true }),
    modelDir: str(r, path, 'modelDir', d.modelDir),
    backend: oneOf(r, path, 'backend', BACKENDS, d.backend),
    batchSize: num(r, path, 'batchSize', d.batchSize, { min: 1, max: 65536, integer: true }),
    batchTimeoutMs: num(r, path, 'batchTimeoutMs', d.batchTimeoutMs, { min: 0, max: 60000 }),
  };
}
