/**
 * The DAQ simulator (physics only, no I/O): a seeded, deterministic parametric Monte Carlo of
 * EM showers (GFlash longitudinal + lateral profiles, Rossi-normalised charged counts), neutrino,
 * muon and noise events in the TT stations, with Poisson arrivals and an injectable excess.
 */
export { createSimulator, classRateHz, totalRateHz, nextArrivalS, type Simulator } from './simulator.js';
export {
  generateEvent,
  createEventGenerator,
  drawTruth,
  ELECTRON_MASS_GEV,
  type TruthDraw,
  type GeneratedEvent,
  type EventGenerator,
} from './events.js';
export {
  gflashParams,
  sampleProfile,
  rossiNmax,
  profileDensity,
  chargedMean,
  meanLongitudinalProfile,
  meanChargedProfile,
  type GflashParams,
  type ShowerProfile,
} from './longitudinal.js';
export { gflashRadial, radialContainment, sampleRadius, type RadialProfile } from './lateral.js';
export { depthAtStationX0, GAP_ANGLE_RAD, PRIMARY_TRACK_DEPTH_X0 } from './shower.js';
export { poisson, gamma, negativeBinomial, lnFactorial } from './counts.js';
export { digitisePixel, digitiseHits, withCrossTalk, amplitudeToAdc, darkNoiseAdc, overlayNoise, type NoiseHit } from './response.js';
