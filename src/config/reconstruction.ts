/** config `reconstruction`: clustering, CNN model and backend, micro-batching. */
import type { z } from 'zod';
import { DEFAULT_MAX_HITS } from '../domain/index.js';
import { num, oneOf, parseWith, section, str } from './kit.js';

export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

export const reconstructionSchema = section(
  {
    dbscanEpsMm: num(2.0, { above: 0, max: 1000 }, 'DBSCAN neighbourhood radius in the plane, mm'),
    dbscanMinHits: num(3, { min: 1, max: 10000, integer: true }, 'DBSCAN minimum hits for a core point, the point itself included (as scikit-learn)'),
    maxHits: num(DEFAULT_MAX_HITS, { min: 1, max: 1e8, integer: true }, 'frames with more hits are refused with status too_many_hits (dead-lettered)'),
    modelDir: str('models/default', 'directory holding the CNN model.json + weights (tfjs layers format)'),
    backend: oneOf(BACKENDS, 'auto', 'inference backend; auto tries tensorflow-gpu, tensorflow, wasm, cpu in that order'),
    batchSize: num(64, { min: 1, max: 65536, integer: true }, 'micro-batch: reconstruct at this many frames ...'),
    batchTimeoutMs: num(20, { min: 0, max: 60000 }, '... or this long after the first frame of the batch, ms'),
  },
  'event reconstruction: DBSCAN clustering, CNN energy/vertex regression, micro-batching',
);

export type ReconstructionConfig = Readonly<z.output<typeof reconstructionSchema>>;

export function parseReconstruction(raw: unknown, path = 'reconstruction'): ReconstructionConfig {
  return parseWith(reconstructionSchema, raw, path);
}

export const DEFAULT_RECONSTRUCTION: ReconstructionConfig = parseReconstruction({});
