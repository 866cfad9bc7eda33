/**
 * The default model under a mis-modelled detector, without retraining: each variant changes the
 * simulation of the evaluation events only (photoelectron yield, shower fluctuations ×1.5, dark noise,
 * dead and hot pixels, a displaced station), and the same evaluation runs on them, so the table
 * says what a wrong simulation costs in resolution and bias. One variant shows what the trigger's
 * online hot-pixel mask recovers of the dead + hot pixel case.
 */
import { DEFAULT_RECONSTRUCTION, type SimulationConfig } from '../../config/index.js';
import type { DetectorGeometry } from '../../domain/index.js';
import { createHotPixelMask, type HotPixelConfig } from '../../reconstruction/index.js';
import { createSimulator } from '../../sim/index.js';
import { misalignStation, type HitsTransform } from './samples.js';

export interface RobustnessVariant {
  readonly name: string;
  readonly simulation: SimulationConfig;
  readonly transform?: HitsTransform;
  /** How the variant was made, where its name cannot say it all (a line under the table). */
  readonly note?: string;
}

/** Hot pixels per station in the dead+hot variant: 0.01 % of the 2.7 million pixels of a plane. */
export const HOT_PIXEL_FRACTION = 1e-4;

/**
 * `hotPixels` are the mask's settings (config reconstruction.hotPixels; the masked variant runs
 * the mask even where the config disables it in the trigger).
 */
export function robustnessVariants(
  g: DetectorGeometry,
  sim: SimulationConfig,
  hotPixels: HotPixelConfig = DEFAULT_RECONSTRUCTION.hotPixels,
): RobustnessVariant[] {
  const r = sim.response;
  const nPix =
    Math.round((g.planeWidthCm * 10) / g.pixelPitchMm) * Math.round((g.planeHeightCm * 10) / g.pixelPitchMm);
  const defects: SimulationConfig = {
    ...sim,
    deadPixelFraction: 0.02,
    hotPixelsPerStation: Math.round(HOT_PIXEL_FRACTION * nPix),
  };
  const defectsName = `2 % dead pixels + ${defects.hotPixelsPerStation} hot pixels/station`;
  const mask = { ...hotPixels, enabled: true };
  return [
    { name: 'nominal', simulation: sim },
    {
      name: 'photoelectron yield −20 %',
      simulation: { ...sim, response: { ...r, photoelectronsPerMip: r.photoelectronsPerMip * 0.8 } },
    },
    {
      name: 'photoelectron yield +20 %',
      simulation: { ...sim, response: { ...r, photoelectronsPerMip: r.photoelectronsPerMip * 1.2 } },
    },
    sim.countFluctuation === 'sampling'
      ? {
          name: `shower fluctuations ×1.5 (Fano ${(sim.fluctuations.planeFanoFactor * 1.5).toFixed(2)}, profile and lateral spreads ×1.5)`,
          simulation: { ...sim, fluctuations: scaledFluctuations(sim, 1.5) },
        }
      : {
          name: `negative-binomial k halved (${sim.negBinomialK / 2})`,
          simulation: { ...sim, countFluctuation: 'negative-binomial', negBinomialK: sim.negBinomialK / 2 },
        },
    {
      name: `dark noise ×10 (${sim.darkHitsPerStation * 10} hits/station)`,
      simulation: { ...sim, darkHitsPerStation: sim.darkHitsPerStation * 10 },
    },
    { name: defectsName, simulation: defects },
    {
      name: `${defectsName}, hot pixels masked`,
      simulation: defects,
      transform: learnedHotPixelMask(g, defects, mask),
      note:
        `the trigger's online hot-pixel mask (reconstruction.hotPixels: window ${mask.windowFrames} frames, mask at ≥ ${mask.maskFraction} of them), ` +
        `learned on ${mask.windowFrames} warm-up frames of the configured event mix (signal, neutrino, muon, noise) with the same defects, then frozen and applied to the evaluation events`,
    },
    { name: 'station 1 displaced by 1 mm in x', simulation: sim, transform: misalignStation(g, 1, 1, 0) },
  ];
}

/**
 * A hits transform that drops the pixels the hot-pixel mask learns from one window of simulated
 * frames of `sim` (the configured event mix; the defects are a function of sim.seed, so they are
 * those of the evaluation events). The warm-up runs on the first call, so listing the variants costs nothing.
 */
export function learnedHotPixelMask(
  g: DetectorGeometry,
  sim: SimulationConfig,
  cfg: HotPixelConfig,
): HitsTransform {
  let apply: HitsTransform | undefined;
  return (hits) => {
    if (apply === undefined) {
      const mask = createHotPixelMask(g, cfg);
      const warmup = createSimulator(g, sim, 'hot-pixel-warmup');
      for (let i = 0; i < cfg.windowFrames; i++) mask.observe(warmup.next().hits);
      apply = (h) => mask.apply(h);
    }
    return apply(hits);
  };
}

/** The shower fluctuation model with every spread × f (the Fano factor's excess over Poisson too). */
function scaledFluctuations(sim: SimulationConfig, f: number): SimulationConfig['fluctuations'] {
  const x = sim.fluctuations;
  return {
    planeFanoFactor: x.planeFanoFactor * f,
    profileSpreadScale: x.profileSpreadScale * f,
    lateralRadiusSpread: x.lateralRadiusSpread * f,
  };
}
