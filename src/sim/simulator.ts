/**
 * The DAQ simulator: Poisson arrivals per event class (superposed into one stream whose rate is
 * piecewise constant: the injected excess multiplies one class's rate inside its window), each
 * arrival's class drawn in proportion to the class rates at that time, and the event generated
 * with a per-event Rng forked from the run's Rng. Same config and seed ⇒ same frames, hits
 * byte for byte (timestamps too when cfg.startTimeNs is set).
 */
import { ConfigError, type SimulationConfig } from '../config/index.js';
import {
  EVENT_CLASSES,
  Rng,
  type DetectorGeometry,
  type EventClass,
  type HitFrame,
} from '../domain/index.js';
import { createEventGenerator } from './events.js';
import { withInjections } from './exotic/index.js';

export interface Simulator {
  /** The next event in arrival order, with truth. */
  next(): HitFrame;
  /** Simulated time of the last event returned, seconds since the run started. */
  readonly elapsedS: number;
}

/** Rate of one class at time tS (s), Hz, including an active excess. */
export function classRateHz(cfg: SimulationConfig, eventClass: EventClass, tS: number): number {
  const base = cfg.ratesHz[eventClass];
  const x = cfg.excess;
  if (x === undefined || x.eventClass !== eventClass) return base;
  return tS >= x.startS && tS < x.startS + x.durationS ? base * x.rateFactor : base;
}

export function totalRateHz(cfg: SimulationConfig, tS: number): number {
  let r = 0;
  for (const c of EVENT_CLASSES) r += classRateHz(cfg, c, tS);
  return r;
}

/**
 * Time of the next arrival after tS for a unit-exponential hazard, integrating the piecewise
 * constant total rate across the excess window's edges. Infinity if no event can ever come.
 */
export function nextArrivalS(cfg: SimulationConfig, tS: number, hazard: number): number {
  const edges = cfg.excess === undefined ? [] : [cfg.excess.startS, cfg.excess.startS + cfg.excess.durationS];
  let t = tS;
  let h = hazard;
  for (;;) {
    const rate = totalRateHz(cfg, t);
    const edge = edges.find((e) => e > t) ?? Infinity;
    if (rate > 0) {
      const dt = h / rate;
      if (t + dt < edge) return t + dt;
      h -= rate * (edge - t);
    }
    if (edge === Infinity) return Infinity;
    t = edge;
  }
}

export function createSimulator(g: DetectorGeometry, cfg: SimulationConfig, runId: string): Simulator {
  const everRate = Math.max(
    totalRateHz(cfg, Infinity),
    cfg.excess === undefined ? 0 : totalRateHz(cfg, cfg.excess.startS),
  );
  if (!(everRate > 0))
    throw new ConfigError('simulation.ratesHz', 'at least one class with a rate > 0', cfg.ratesHz);
  const rng = new Rng(cfg.seed);
  const generator = createEventGenerator(g, cfg);
  const startNs = BigInt(Math.round(cfg.startTimeNs ?? Date.now() * 1e6));
  let tS = 0;
  let seq = 0;
  const ordinary: Simulator = {
    get elapsedS() {
      return tS;
    },
    next(): HitFrame {
      const t = nextArrivalS(cfg, tS, rng.exponential(1));
      if (t === Infinity)
        throw new ConfigError('simulation.ratesHz', 'a rate > 0 after the excess window', cfg.ratesHz);
      tS = t;
      const eventClass = pickClass(cfg, tS, rng.uniform());
      const eventRng = rng.fork();
      const { hits, truth } = generator.generate(eventClass, eventRng);
      const eventId = `${runId}-${seq++}`;
      return { runId, eventId, timestampNs: startNs + BigInt(Math.round(tS * 1e9)), hits, truth };
    },
  };
  // Exotic signatures and faults (simulation.inject), superposed on the ordinary stream.
  return withInjections(g, cfg, ordinary, totalRateHz(cfg, Infinity), runId, startNs);
}

function pickClass(cfg: SimulationConfig, tS: number, u: number): EventClass {
  const total = totalRateHz(cfg, tS);
  let acc = 0;
  const target = u * total;
  let last: EventClass = 'noise';
  for (const c of EVENT_CLASSES) {
    const r = classRateHz(cfg, c, tS);
    if (r <= 0) continue;
    last = c;
    acc += r;
    if (target < acc) return c;
  }
  return last;
}
