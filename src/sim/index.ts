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
export { Pixeliser, type StationTruthRecorder } from './deposit.js';
export { poisson, gamma, negativeBinomial, lnFactorial } from './counts.js';
export {
  digitisePixel,
  digitiseHits,
  withCrossTalk,
  amplitudeToAdc,
  darkNoiseAdc,
  overlayNoise,
  type NoiseHit,
} from './response.js';
export {
  recoilAngle,
  maxRecoilGeV,
  slopesOf,
  rotateSlopes,
  PROTON_MASS_GEV,
  PI0_MASS_GEV,
  ALPHA,
  FERMI_GEV2,
  HBARC2_GEV2_CM2,
} from './kinematics.js';
export {
  darkPhotonModel,
  drawChiEnergy,
  drawRecoil,
  chiElectronDsigmaDT,
  type DarkPhotonModel,
  type Recoil,
} from './dark-photon.js';
export {
  SPECIES,
  speciesFlux,
  relativeFlux,
  drawNeutrinoEnergy,
  electronCouplings,
  elasticShape,
  elasticSlopeCm2PerGeV,
  neutrinoClassYields,
  type Species,
  type SpeciesFlux,
} from './nu-flux.js';
export { drawElastic, drawElasticY, elasticSpeciesWeights, type ElasticScatter } from './nu-elastic.js';
export { drawQuasiElastic, drawQ2, type QuasiElastic } from './nue-ccqe.js';
export { drawNcPi0, decayPi0, PAIR_MEAN_FREE_PATH_X0, type NcPi0, type Photon } from './nc-pi0.js';
export {
  protonRangeCm,
  protonEnergyAfter,
  protonDedxMeVPerCm,
  PROTON_DEDX_MIN_MEV_PER_CM,
} from './proton-range.js';
export { isNeutrinoClass, zAtLeadDepth, type NeutrinoClass } from './neutrino-events.js';
export * from './exotic/index.js';
