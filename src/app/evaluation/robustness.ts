/**
 * The default model under a mis-modelled detector, without retraining: each variant changes the
 * simulation of the evaluation events only (photoelectron yield, negative-binomial k, dark noise,
 * dead and hot pixels, a displaced station), and the same evaluation runs on them, so the table
 * says what a wrong simulation costs in resolution and bias.
 */
import type { SimulationConfig } from '../../config/index.js';
import type { DetectorGeometry } from '../../domain/index.js';
import { misalignStation, type HitsTransform } from './samples.js';

export interface RobustnessVariant {
  readonly name: string;
  readonly simulation: SimulationConfig;
  readonly transform?: HitsTransform;
}

/** Hot pixels per station in the dead+hot variant: 0.01 % of the 2.7 million pixels of a plane. */
export const HOT_PIXEL_FRACTION = 1e-4;

export function robustnessVariants(g: DetectorGeometry, sim: SimulationConfig): RobustnessVariant[] {
  const r = sim.response;
  const nPix = Math.round((g.planeWidthCm * 10) / g.pixelPitchMm) * Math.round((g.planeHeightCm * 10) / g.pixelPitchMm);
  return [
    { name: 'nominal', simulation: sim },
    { name: 'photoelectron yield −20 %', simulation: { ...sim, response: { ...r, photoelectronsPerMip: r.photoelectronsPerMip * 0.8 } } },
    { name: 'photoelectron yield +20 %', simulation: { ...sim, response: { ...r, photoelectronsPerMip: r.photoelectronsPerMip * 1.2 } } },
    { name: `negative-binomial k halved (${sim.negBinomialK / 2})`, simulation: { ...sim, countFluctuation: 'negative-binomial', negBinomialK: sim.negBinomialK / 2 } },
    { name: `dark noise ×10 (${sim.darkHitsPerStation * 10} hits/station)`, simulation: { ...sim, darkHitsPerStation: sim.darkHitsPerStation * 10 } },
    {
      name: `2 % dead pixels + ${Math.round(HOT_PIXEL_FRACTION * nPix)} hot pixels/station`,
      simulation: { ...sim, deadPixelFraction: 0.02, hotPixelsPerStation: Math.round(HOT_PIXEL_FRACTION * nPix) },
    },
    { name: 'station 1 displaced by 1 mm in x', simulation: sim, transform: misalignStation(g, 1, 1, 0) },
  ];
}
