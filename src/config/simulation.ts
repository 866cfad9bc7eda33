/** config `simulation`: the DAQ simulator's event mix, physics options and an injectable excess. */
import type { z } from 'zod';
import { EVENT_CLASSES, type EventClass } from '../domain/index.js';
import { injectionsSchema } from './inject.js';
import { bool, num, numRange, oneOf, optionalNum, parseWith, section } from './kit.js';
import { physicsSchema } from './physics.js';

/**
 * Tuned to the method paper, Table 1 (Gaussian-fit row: E RMSE 7.23 GeV, σ_E 26 %, σ_d 0.92 cm) and
 * Fig. 5a (σ_E ∝ 1/√E) by scripts/tune-detector.ts; values, errors and the fit in reports/tuning.md.
 */
const FANO = 3;
const PROFILE = 1.6;
const RADIUS = 0.3;

const excessSchema = section(
  {
    enabled: bool(true, 'false switches the injection off while keeping its settings'),
    eventClass: oneOf(EVENT_CLASSES, 'signal', 'class whose rate is multiplied'),
    rateFactor: num(4, { min: 0, max: 1e6 }, "multiplies that class's rate while active"),
    // after the excess monitor's warm-up (trigger.excess windowS + minTrailingS = 40 s), so the default injection is tested
    startS: num(60, { min: 0 }, 'start, simulated seconds after the first event'),
    durationS: num(30, { above: 0 }, 'length of the excess, s'),
  },
  "an injected rate excess (the CLI's --excess class:factor:start:duration)",
);

/** The injection as the simulator sees it; a disabled one is absent. */
export interface ExcessInjection {
  readonly eventClass: EventClass;
  readonly rateFactor: number;
  readonly startS: number;
  readonly durationS: number;
}

const enabledExcess = excessSchema.transform(({ enabled, ...x }): ExcessInjection | undefined =>
  enabled ? x : undefined,
);

/**
 * The Target Tracker readout (src/sim/response.ts): SciFi mats with SiPM readout as in LHCb's
 * SciFi tracker and SND@LHC's target tracker. Sources of the defaults: docs/detector-response.md.
 */
export const responseSchema = section(
  {
    photoelectronsPerMip: num(
      16,
      { above: 0, max: 1e4 },
      'mean photoelectrons for one minimum-ionising particle crossing the plane (LHCb SciFi: ~16 pe per MIP)',
    ),
    crossTalkProbability: num(
      0.05,
      { min: 0, max: 0.9 },
      'probability that an avalanche fires a neighbouring SiPM cell (optical cross-talk, chained)',
    ),
    sipmCellsPerPixel: num(
      208,
      { min: 1, max: 1e6, integer: true },
      'SiPM cells behind one 0.5 mm pixel (two 104-cell LHCb SciFi channels): the signal saturates there',
    ),
    electronicNoisePe: num(0.15, { min: 0, max: 100 }, 'Gaussian electronic noise, photoelectrons (sigma)'),
    thresholdPe: num(
      1.5,
      { above: 0, max: 1e4 },
      'a pixel reports a hit when its amplitude reaches this many photoelectrons (LHCb SciFi lowest threshold)',
    ),
    adcCountsPerPe: num(4, { above: 0, max: 1e4 }, 'ADC counts per photoelectron'),
    adcMax: num(
      1023,
      { min: 1, max: 2 ** 31 - 1, integer: true },
      'largest ADC value (10-bit charge ADC); overflow saturates here',
    ),
  },
  'TT readout response: charged particles per pixel -> photoelectrons -> cross-talk -> SiPM saturation -> noise -> threshold -> ADC',
);

export type ResponseConfig = Readonly<z.output<typeof responseSchema>>;

/**
 * Default rates, 85.3 Hz in all. signal, muon and noise are demonstrator choices: 20 Hz of signal
 * gives about 4 Hz of selected signal (the soft benchmark recoil spectrum passes the default
 * selection at about 20 %), the excess the trigger must find; muons and noise are the detector's
 * own backgrounds. The neutrino classes keep the ratios of the physics
 * (src/sim/nu-flux.ts neutrinoClassYields, from the sources in physics.ts; a test keeps these
 * numbers equal to it): per DIS interaction (CC + NC, all flavours) 1.25e-4 ν–e elastic, 2.87e-3
 * νe/ν̄e quasi-elastic and 1.08e-2 NC single-π⁰ interactions.
 */
const DEFAULT_RATES_HZ: Record<EventClass, number> = {
  signal: 20,
  neutrino: 20,
  muon: 35,
  noise: 10,
  nuElastic: 0.0025,
  nueCCQE: 0.057,
  ncPi0: 0.22,
};
const RATE_NOTE: Partial<Record<EventClass, string>> = {
  neutrino: 'ν DIS (CC + NC, all flavours)',
  nuElastic: 'ν e⁻ → ν e⁻ elastic, the irreducible background (physics ratio to neutrino)',
  nueCCQE: 'νe n → e⁻ p, ν̄e p → e⁺ n quasi-elastic (physics ratio to neutrino)',
  ncPi0: 'ν N → ν N π⁰ (physics ratio to neutrino)',
};

/**
 * The physical fluctuation model (countFluctuation 'sampling'), its free parameters fitted by
 * scripts/tune-detector.ts so that the method paper's Gaussian-fit baseline on the paper's sample
 * reproduces the paper's full simulation (Table 1: E RMSE, σ_E, σ_d; Fig. 5a: σ_E ∝ 1/√E).
 */
export const fluctuationSchema = section(
  {
    planeFanoFactor: num(
      FANO,
      { min: 1, max: 1000 },
      'variance / mean of the charged particles crossing a plane (F ≥ 1; relative spread √(F/μ) shrinks with the count μ). Tuned to the method paper, Table 1 (σ_E, E RMSE) and Fig. 5a (1/√E)',
    ),
    profileSpreadScale: num(
      PROFILE,
      { min: 0, max: 5 },
      "multiplies GFlash's shower-to-shower spreads of ln T and ln α (1 = GFlash homogeneous media). Tuned to the method paper, Table 1 (σ_d) and Fig. 5a (constant term)",
    ),
    lateralRadiusSpread: num(
      RADIUS,
      { min: 0, max: 2 },
      'relative (log-normal) plane-to-plane fluctuation of the lateral scale of the particles about the axis. Tuned to the method paper, Table 1 (σ_d)',
    ),
  },
  'the shower fluctuation model: per-plane sampling, correlated profile and lateral fluctuations',
);

const ratesShape = Object.fromEntries(
  EVENT_CLASSES.map((c) => [
    c,
    num(
      DEFAULT_RATES_HZ[c],
      { min: 0, max: 1e7 },
      `${c} events, Hz${RATE_NOTE[c] === undefined ? '' : `: ${RATE_NOTE[c]}`}`,
    ),
  ]),
) as Record<EventClass, ReturnType<typeof num>>;

export const simulationSchema = section(
  {
    seed: num(
      1,
      { min: 0, max: 2 ** 32 - 1, integer: true },
      'random seed: the same seed gives identical frames',
    ),
    ratesHz: section(ratesShape, 'Poisson arrival rate per event class, Hz').prefault({}),
    energyRangeGeV: numRange(
      [1, 100],
      { min: 0.1, max: 10000 },
      'shower energies lie in [low, high], GeV: the visible energy of every shower class is drawn inside it',
    ),
    signalSpectrum: oneOf(
      ['dark-photon', 'flat'],
      'dark-photon',
      'signal recoil spectrum: dark-photon = χe⁻ → χe⁻ from physics.darkPhoton (dσ/dE_R folded with the χ spectrum, angle from two-body kinematics); flat = E uniform in energyRangeGeV, θ² uniform below 2mₑ/E (calibration and training samples)',
    ),
    physics: physicsSchema.prefault({}),
    dRangeCm: numRange(
      [-7.5, 0],
      { min: -100, max: 0 },
      'longitudinal vertex d (cm before the TT plane) drawn uniformly in [low, high]',
    ),
    originMarginCm: num(
      5,
      { min: 0, max: 100 },
      'transverse origins are drawn uniformly within the plane minus this margin, cm',
    ),
    darkHitsPerStation: num(
      5,
      { min: 0, max: 1e5 },
      'mean dark-noise pixels above threshold per station per event',
    ),
    response: responseSchema.prefault({}),
    countFluctuation: oneOf(
      ['sampling', 'poisson', 'negative-binomial'],
      'sampling',
      'shower fluctuations beyond the mean GFlash shower: sampling = the physical model of simulation.fluctuations; poisson or negative-binomial (fixed k) = per-plane counts only, GFlash profile spreads, no lateral fluctuation',
    ),
    negBinomialK: num(
      20,
      { above: 0, max: 1e6 },
      'negative-binomial shape k (variance = mu + mu^2/k); only for countFluctuation negative-binomial',
    ),
    fluctuations: fluctuationSchema.prefault({}),
    hotPixelsPerStation: num(
      0,
      { min: 0, max: 1e5, integer: true },
      'pixels per station that fire in every event',
    ),
    deadPixelFraction: num(0, { min: 0, max: 0.5 }, 'fraction of pixels that never fire'),
    excess: enabledExcess.optional(),
    inject: injectionsSchema,
    startTimeNs: optionalNum(
      { min: 0 },
      'timestamp of t = 0, ns since the epoch; absent: the wall clock at start',
    ),
  },
  'the DAQ simulator',
);

export type SimulationConfig = Readonly<z.output<typeof simulationSchema>>;

export function parseSimulation(raw: unknown, path = 'simulation'): SimulationConfig {
  return parseWith(simulationSchema, raw, path);
}

export const DEFAULT_SIMULATION: SimulationConfig = parseSimulation({});
export const DEFAULT_RESPONSE: ResponseConfig = DEFAULT_SIMULATION.response;

/**
 * "signal:3:10:20" → class signal, ×3 from t=10 s for 20 s (the CLI's --excess form; parts left
 * out take the config defaults); "none" → no injection. Returned in the config's raw form, to
 * merge over a file's `simulation.excess`.
 */
export function excessFlagRaw(flag: string): Record<string, unknown> {
  if (flag === 'none') return { enabled: false };
  const [cls, factor, start, duration] = flag.split(':');
  const raw: Record<string, unknown> = { enabled: true, eventClass: cls };
  if (factor !== undefined) raw['rateFactor'] = Number(factor);
  if (start !== undefined) raw['startS'] = Number(start);
  if (duration !== undefined) raw['durationS'] = Number(duration);
  parseWith(excessSchema, raw, '--excess');
  return raw;
}

/** The --excess flag parsed (undefined for "none"). */
export function parseExcessFlag(flag: string): ExcessInjection | undefined {
  return parseWith(enabledExcess, excessFlagRaw(flag), '--excess');
}
