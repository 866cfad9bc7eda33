import { ConfigError } from './errors.js';
import { noUnknownKeys, num, numRange, optionalNum, section } from './fields.js';

export interface SelectionConfig {
  readonly energyWindowGeV: readonly [number, number];
  /** The origin must lie this far inside the plane edges. */
  readonly fiducialMarginCm: number;
  readonly minStations: number;
  readonly maxFitRmsCm: number;
  readonly minHits: number;
}

export interface ExcessConfig {
  /** Sliding window length for counting selected events. */
  readonly windowS: number;
  /** How often a window is evaluated (window step). */
  readonly stepS: number;
  /** Expected background rate of selected events, Hz; when absent, estimated from the trailing window. */
  readonly backgroundRateHz?: number;
  readonly trailingWindowS: number;
  /** Alert when Z reaches this (one-sided Gaussian equivalent of the Poisson tail probability). */
  readonly zThreshold: number;
  /** CUSUM on per-step counts: reference shift k (in units of the expected count's sigma) and decision h. */
  readonly cusumK: number;
  readonly cusumH: number;
  /** No new alert of the same method within this many seconds after one. */
  readonly holdoffS: number;
  /** Event-time tolerance for out-of-order frames: a step bin closes this long after newer frames pass it. */
  readonly allowedLatenessS: number;
}

export interface TriggerConfig {
  readonly selection: SelectionConfig;
  readonly excess: ExcessConfig;
}

export function parseTrigger(raw: unknown, path = 'trigger'): TriggerConfig {
  const r = section(raw, path);
  noUnknownKeys(r, path, ['selection', 'excess']);
  const sp = `${path}.selection`;
  const s = section(r['selection'], sp);
  noUnknownKeys(s, sp, ['energyWindowGeV', 'fiducialMarginCm', 'minStations', 'maxFitRmsCm', 'minHits']);
  const ep = `${path}.excess`;
  const e = section(r['excess'], ep);
  noUnknownKeys(e, ep, ['windowS', 'stepS', 'backgroundRateHz', 'trailingWindowS', 'zThreshold', 'cusumK', 'cusumH', 'holdoffS', 'allowedLatenessS']);
  const excess: ExcessConfig = {
    windowS: num(e, ep, 'windowS', 10, { above: 0, max: 86400 }),
    stepS: num(e, ep, 'stepS', 1, { above: 0, max: 86400 }),
    backgroundRateHz: optionalNum(e, ep, 'backgroundRateHz', { min: 0 }),
    trailingWindowS: num(e, ep, 'trailingWindowS', 120, { above: 0, max: 864000 }),
    zThreshold: num(e, ep, 'zThreshold', 5, { above: 0, max: 40 }),
    cusumK: num(e, ep, 'cusumK', 0.5, { min: 0, max: 100 }),
    cusumH: num(e, ep, 'cusumH', 8, { above: 0, max: 1000 }),
    holdoffS: num(e, ep, 'holdoffS', 30, { min: 0 }),
    allowedLatenessS: num(e, ep, 'allowedLatenessS', 2, { min: 0, max: 3600 }),
  };
  if (excess.stepS > excess.windowS) throw new ConfigError(`${ep}.stepS`, `<= windowS (${excess.windowS})`, excess.stepS);
  if (excess.trailingWindowS < excess.windowS) {
    throw new ConfigError(`${ep}.trailingWindowS`, `>= windowS (${excess.windowS})`, excess.trailingWindowS);
  }
  const wholeSteps = (v: number): boolean => Math.abs(v / excess.stepS - Math.round(v / excess.stepS)) < 1e-9;
  if (!wholeSteps(excess.windowS)) throw new ConfigError(`${ep}.windowS`, `a whole multiple of stepS (${excess.stepS})`, excess.windowS);
  if (!wholeSteps(excess.trailingWindowS)) {
    throw new ConfigError(`${ep}.trailingWindowS`, `a whole multiple of stepS (${excess.stepS})`, excess.trailingWindowS);
  }
  return {
    selection: {
      energyWindowGeV: numRange(s, sp, 'energyWindowGeV', [1, 100], { min: 0 }),
      fiducialMarginCm: num(s, sp, 'fiducialMarginCm', 2, { min: 0, max: 100 }),
      minStations: num(s, sp, 'minStations', 2, { min: 1, max: 16, integer: true }),
      maxFitRmsCm: num(s, sp, 'maxFitRmsCm', 1.0, { above: 0 }),
      minHits: num(s, sp, 'minHits', 10, { min: 0, integer: true }),
    },
    excess,
  };
}
