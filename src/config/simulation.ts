import { EVENT_CLASSES, type EventClass } from '../domain/index.js';
import { bool, noUnknownKeys, num, numRange, oneOf, optionalNum, section, type Raw } from './fields.js';

export interface ExcessInjection {
  readonly eventClass: EventClass;
  /** Multiplies that class's rate while active. */
  readonly rateFactor: number;
  readonly startS: number;
  readonly durationS: number;
}

export interface SimulationConfig {
  readonly seed: number;
  /** Poisson arrival rate per class, Hz. */
  readonly ratesHz: Readonly<Record<EventClass, number>>;
  readonly energyRangeGeV: readonly [number, number];
  readonly dRangeCm: readonly [number, number];
  /** Transverse origins are drawn uniformly within the plane minus this margin. */
  readonly originMarginCm: number;
  /** Mean dark-count noise hits per station per event. */
  readonly darkHitsPerStation: number;
  readonly countFluctuation: 'poisson' | 'negative-binomial';
  /** Negative-binomial shape k (variance = mu + mu^2/k); ignored for poisson. */
  readonly negBinomialK: number;
  readonly hotPixelsPerStation: number;
  readonly deadPixelFraction: number;
  readonly excess?: ExcessInjection;
  /** Timestamps start here (ns since epoch); undefined = wall clock at start. */
  readonly startTimeNs?: number;
}

export const DEFAULT_SIMULATION: SimulationConfig = {
  seed: 1,
  ratesHz: { signal: 5, neutrino: 20, muon: 50, noise: 10 },
  energyRangeGeV: [1, 100],
  dRangeCm: [-7.5, 0],
  originMarginCm: 5,
  darkHitsPerStation: 5,
  countFluctuation: 'poisson',
  negBinomialK: 20,
  hotPixelsPerStation: 0,
  deadPixelFraction: 0,
};

export function parseSimulation(raw: unknown, path = 'simulation'): SimulationConfig {
  const r = section(raw, path);
  const d = DEFAULT_SIMULATION;
  noUnknownKeys(r, path, [...Object.keys(d), 'excess', 'startTimeNs']);
  const rp = `${path}.ratesHz`;
  const rr = section(r['ratesHz'], rp);
  noUnknownKeys(rr, rp, EVENT_CLASSES);
  const ratesHz = Object.fromEntries(
    EVENT_CLASSES.map((c) => [c, num(rr, rp, c, d.ratesHz[c], { min: 0, max: 1e7 })]),
  ) as Record<EventClass, number>;
  const cfg: SimulationConfig = {
    seed: num(r, path, 'seed', d.seed, { min: 0, max: 2 ** 32 - 1, integer: true }),
    ratesHz,
    energyRangeGeV: numRange(r, path, 'energyRangeGeV', d.energyRangeGeV, { min: 0.1, max: 10000 }),
    dRangeCm: numRange(r, path, 'dRangeCm', d.dRangeCm, { min: -100, max: 0 }),
    originMarginCm: num(r, path, 'originMarginCm', d.originMarginCm, { min: 0, max: 100 }),
    darkHitsPerStation: num(r, path, 'darkHitsPerStation', d.darkHitsPerStation, { min: 0, max: 1e5 }),
    countFluctuation: oneOf(r, path, 'countFluctuation', ['poisson', 'negative-binomial'] as const, d.countFluctuation),
    negBinomialK: num(r, path, 'negBinomialK', d.negBinomialK, { above: 0, max: 1e6 }),
    hotPixelsPerStation: num(r, path, 'hotPixelsPerStation', d.hotPixelsPerStation, { min: 0, max: 1e5, integer: true }),
    deadPixelFraction: num(r, path, 'deadPixelFraction', d.deadPixelFraction, { min: 0, max: 0.5 }),
    excess: r['excess'] === undefined ? undefined : parseExcess(section(r['excess'], `${path}.excess`), `${path}.excess`),
    startTimeNs: optionalNum(r, path, 'startTimeNs', { min: 0 }),
  };
  return cfg;
}

export function parseExcess(r: Raw, path: string): ExcessInjection {
  noUnknownKeys(r, path, ['eventClass', 'rateFactor', 'startS', 'durationS', 'enabled']);
  void bool(r, path, 'enabled', true);
  return {
    eventClass: oneOf(r, path, 'eventClass', EVENT_CLASSES, 'signal'),
    rateFactor: num(r, path, 'rateFactor', 3, { min: 0, max: 1e6 }),
    startS: num(r, path, 'startS', 10, { min: 0 }),
    durationS: num(r, path, 'durationS', 10, { above: 0 }),
  };
}

/** "signal:3:10:20" → class signal, ×3 from t=10 s for 20 s (the CLI's --excess form). */
export function parseExcessFlag(flag: string): ExcessInjection {
  const [cls, factor, start, duration] = flag.split(':');
  return parseExcess(
    { eventClass: cls, rateFactor: Number(factor ?? 3), startS: Number(start ?? 10), durationS: Number(duration ?? 10) },
    '--excess',
  );
}
