/**
 * Event samples for the anomaly path: ordinary events of the configured mix (signal, every
 * background, noise; never an exotic class) and events of one exotic class, each from its own
 * seed, with their station images.
 */
import type { SimulationConfig } from '../../config/index.js';
import { Rng, type DetectorGeometry, type ExoticClass, type Hits, type Truth } from '../../domain/index.js';
import { createExoticGenerator, drawFault, isFault } from '../../sim/index.js';
import { fillImage, imageSize, type ImageSpec } from '../../anomaly/index.js';

export interface AnomalySample {
  readonly hits: Hits[];
  readonly truth: Truth[];
  readonly images: Float32Array;
  /** Fault classes: the same ordinary events without the fault (hits kept only with keepHits). */
  readonly unfaulted?: { readonly hits: Hits[]; readonly images: Float32Array };
}

/** Seed offsets of the anomaly samples (training, validation, calibration, test, exotic classes). */
export const ANOMALY_SEEDS = {
  train: 3_000_017,
  validation: 3_100_019,
  calibration: 3_200_003,
  test: 3_300_001,
  exotic: 3_400_007,
} as const;

export function anomalySample(
  g: DetectorGeometry,
  sim: SimulationConfig,
  spec: ImageSpec,
  n: number,
  seed: number,
  exotic?: ExoticClass,
  keepHits = true,
): AnomalySample {
  const gen = createExoticGenerator(g, sim);
  const rng = new Rng(seed);
  const size = imageSize(spec);
  const images = new Float32Array(n * size);
  const hits: Hits[] = [];
  const truth: Truth[] = [];
  const fault = exotic !== undefined && isFault(exotic);
  const unfaulted = fault ? { hits: [] as Hits[], images: new Float32Array(n * size) } : undefined;
  for (let i = 0; i < n; i++) {
    const r = rng.fork();
    let ev;
    if (exotic !== undefined && isFault(exotic)) {
      // The fault drawn first, then the ordinary event it hits: the same event is kept without it.
      const f = drawFault(g, exotic, r);
      const base = gen.ordinary(r);
      fillImage(spec, base.hits, unfaulted!.images, i * size);
      if (keepHits) unfaulted!.hits.push(base.hits);
      ev = gen.withFault(base, f, r);
    } else {
      ev = exotic === undefined ? gen.ordinary(r) : gen.exotic(exotic, r);
    }
    fillImage(spec, ev.hits, images, i * size);
    if (keepHits) hits.push(ev.hits);
    truth.push(ev.truth);
  }
  return { hits, truth, images, ...(unfaulted === undefined ? {} : { unfaulted }) };
}
