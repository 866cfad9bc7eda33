/** The display hub's configuration from the service configuration (one place for the mapping). */
import type { ShowertrigConfig } from '../config/index.js';
import { reconstructorConfig } from '../reconstruction/index.js';
import type { DisplayHubConfig } from './hub.js';

export function displayHubConfig(
  cfg: ShowertrigConfig,
  reco: { readonly backend: string; readonly model: string },
  mode: string,
): DisplayHubConfig {
  const g = cfg.detector;
  const ex = cfg.trigger.excess;
  return {
    info: {
      mode,
      backend: reco.backend,
      model: reco.model,
      excess: { windowS: ex.windowS, stepS: ex.stepS, zThreshold: ex.zThreshold },
      geometry: {
        nStations: g.nStations,
        stationPitchCm: g.stationPitchCm,
        planeWidthCm: g.planeWidthCm,
        planeHeightCm: g.planeHeightCm,
        pixelPitchMm: g.pixelPitchMm,
      },
    },
    detail: { geometry: g, transverse: reconstructorConfig(cfg.reconstruction).transverse },
    latenessS: ex.allowedLatenessS,
    trailingWindowS: ex.trailingWindowS,
  };
}
