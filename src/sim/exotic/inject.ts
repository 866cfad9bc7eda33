/**
 * Injections in the simulated stream (config simulation.inject). A physics exotic is a Poisson
 * process of its own (rateHz inside [startS, startS + durationS)) superposed on the ordinary
 * stream; a fault is applied to ordinary events inside its window with probability
 * min(1, rateHz / ordinary rate), the same fault instance (station, region) for the whole
 * window. Deterministic: each injection draws from its own Rng forked from the run seed.
 */
import type { Injection, SimulationConfig } from '../../config/index.js';
import { Rng, type DetectorGeometry, type HitFrame } from '../../domain/index.js';
import { drawFault, type FaultInstance } from './faults.js';
import { createExoticGenerator, isFault } from './generate.js';

/** Seed salt so the injections' random streams never coincide with the ordinary stream's. */
const INJECT_SALT = 0x51ec7;

export interface OrdinaryStream {
  next(): HitFrame;
  readonly elapsedS: number;
}

interface Physics {
  readonly inj: Injection;
  readonly rng: Rng;
  nextS: number;
  seq: number;
}

/** Each injection's random stream and, for a fault, the instance (station, region) it applies for its whole window. */
export function injectionStreams(
  g: DetectorGeometry,
  cfg: SimulationConfig,
): { inj: Injection; rng: Rng; fault?: FaultInstance }[] {
  const root = new Rng((cfg.seed ^ INJECT_SALT) >>> 0);
  return cfg.inject.map((inj) => {
    const rng = root.fork();
    return isFault(inj.exotic) ? { inj, rng, fault: drawFault(g, inj.exotic, rng) } : { inj, rng };
  });
}

export function withInjections(
  g: DetectorGeometry,
  cfg: SimulationConfig,
  ordinary: OrdinaryStream,
  ordinaryRateHz: number,
  runId: string,
  startNs: bigint,
): OrdinaryStream {
  const injections = cfg.inject;
  if (injections.length === 0) return ordinary;
  const gen = createExoticGenerator(g, cfg);
  const physics: Physics[] = [];
  const faults: { inj: Injection; rng: Rng; fault: FaultInstance }[] = [];
  for (const { inj, rng, fault } of injectionStreams(g, cfg)) {
    if (fault !== undefined) faults.push({ inj, rng, fault });
    else if (inj.rateHz > 0)
      physics.push({ inj, rng, nextS: inj.startS + rng.exponential(inj.rateHz), seq: 0 });
  }
  let pending: HitFrame | undefined;
  let pendingS = 0;
  let tS = 0;
  const fromStart = (f: HitFrame): number => Number(f.timestampNs - startNs) / 1e9;
  return {
    get elapsedS() {
      return tS;
    },
    next(): HitFrame {
      if (pending === undefined) {
        pending = ordinary.next();
        pendingS = fromStart(pending);
      }
      const due = physics
        .filter((p) => p.nextS < p.inj.startS + p.inj.durationS)
        .sort((a, b) => a.nextS - b.nextS)[0];
      if (due !== undefined && due.nextS < pendingS) {
        tS = due.nextS;
        const ev = gen.exotic(due.inj.exotic, due.rng.fork());
        due.nextS += due.rng.exponential(due.inj.rateHz);
        const eventId = `${runId}-${due.inj.exotic}-${due.seq++}`;
        return {
          runId,
          eventId,
          timestampNs: startNs + BigInt(Math.round(tS * 1e9)),
          hits: ev.hits,
          truth: ev.truth,
        };
      }
      let f = pending;
      pending = undefined;
      tS = pendingS;
      for (const x of faults) {
        const { startS, durationS, rateHz } = x.inj;
        if (tS < startS || tS >= startS + durationS) continue;
        if (x.rng.uniform() >= Math.min(1, rateHz / ordinaryRateHz) || f.truth === undefined) continue;
        const ev = gen.withFault({ hits: f.hits, truth: f.truth, particles: f.hits }, x.fault, x.rng);
        f = { ...f, hits: ev.hits, truth: ev.truth };
      }
      return f;
    },
  };
}
