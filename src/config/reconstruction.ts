/** config `reconstruction`: clustering, CNN model and backend, micro-batching. */
import type { z } from 'zod';
import { DEFAULT_MAX_HITS } from '../domain/index.js';
import { bool, fail, num, numOrAuto, oneOf, parseWith, section, str } from './kit.js';

export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

/** Online hot-pixel masking (src/reconstruction/hit-cleaning/hot-pixels.ts derives the defaults and their false-mask probability). */
const hotPixelsSchema = section(
  {
    enabled: bool(
      true,
      'mask pixels that fire in too many frames before clustering and the CNN (per trigger process; nothing is masked during the first window)',
    ),
    windowFrames: num(
      1000,
      { min: 10, max: 65535, integer: true },
      "frames per occupancy window: masks are decided at each window's end; the first window is the warm-up",
    ),
    maskFraction: num(
      0.01,
      { above: 0, max: 1 },
      "a pixel firing in at least this fraction of a window's frames is masked (a normal pixel fires in ~2e-5 of them under the default rates)",
    ),
    unmaskFraction: num(
      0.005,
      { above: 0, max: 1 },
      "a masked pixel firing in fewer than this fraction of a window's frames is unmasked (<= maskFraction: hysteresis)",
    ),
  },
  "online hot-pixel masking from each pixel's firing frequency",
).superRefine((h, ctx) => {
  if (h.unmaskFraction > h.maskFraction)
    return fail(ctx, ['unmaskFraction'], `<= maskFraction (${h.maskFraction})`, h.unmaskFraction);
  if (h.maskFraction * h.windowFrames < 2)
    fail(
      ctx,
      ['maskFraction'],
      `>= 2 / windowFrames (${2 / h.windowFrames}): a mask needs at least 2 fires in a window, else one dark count masks a pixel`,
      h.maskFraction,
    );
});

export const reconstructionSchema = section(
  {
    dbscanEpsMm: num(2.0, { above: 0, max: 1000 }, 'DBSCAN neighbourhood radius in the plane, mm'),
    dbscanMinHits: num(
      3,
      { min: 1, max: 10000, integer: true },
      'DBSCAN minimum hits for a core point, the point itself included (as scikit-learn)',
    ),
    maxHits: num(
      DEFAULT_MAX_HITS,
      { min: 1, max: 1e8, integer: true },
      'frames with more hits are refused with status too_many_hits (dead-lettered)',
    ),
    modelDir: str('models/default', 'directory holding the CNN model.json + weights (tfjs layers format)'),
    backend: oneOf(
      BACKENDS,
      'auto',
      'inference backend; auto tries tensorflow-gpu, tensorflow, wasm, cpu in that order',
    ),
    batchSize: num(
      64,
      { min: 1, max: 65536, integer: true },
      'micro-batch: reconstruct at this many frames ...',
    ),
    threads: numOrAuto(
      'auto',
      { min: 0, max: 64, integer: true },
      'worker threads that prepare each batch (DBSCAN, robust centre, the CNN inputs) beside the thread that runs the CNN, which prepares a share too; 0: that thread alone; "auto": one fewer than the cores, at most 4',
    ),
    batchTimeoutMs: num(
      20,
      { min: 0, max: 60000 },
      '... or this long after the first frame of the batch, ms',
    ),
    hotPixels: hotPixelsSchema.prefault({}),
  },
  'event reconstruction: DBSCAN clustering, CNN energy/vertex regression, micro-batching',
);

/** reconstruction.threads as a count: "auto" is one fewer than `cores`, at most 4. */
export function reconstructionThreads(threads: number | 'auto', cores: number): number {
  return threads === 'auto' ? Math.max(0, Math.min(4, cores - 1)) : threads;
}

export type ReconstructionConfig = Readonly<z.output<typeof reconstructionSchema>>;

export function parseReconstruction(raw: unknown, path = 'reconstruction'): ReconstructionConfig {
  return parseWith(reconstructionSchema, raw, path);
}

export const DEFAULT_RECONSTRUCTION: ReconstructionConfig = parseReconstruction({});
