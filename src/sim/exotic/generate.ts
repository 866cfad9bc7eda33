/**
 * One exotic event of a named class: a physics exotic on its own (with readout noise), or a
 * detector fault applied to an ordinary event drawn from the configured class mix.
 */
import type { SimulationConfig } from '../../config/index.js';
import {
  EVENT_CLASSES,
  type DetectorGeometry,
  type EventClass,
  type ExoticClass,
  type Rng,
} from '../../domain/index.js';
import { createEventGenerator, type GeneratedEvent } from '../events.js';
import { applyFault, drawFault, FAULT_CLASSES, type FaultClass, type FaultInstance } from './faults.js';
import { createExoticPhysicsGenerator, type PhysicsExotic } from './physics.js';

export const isFault = (c: ExoticClass): c is FaultClass => (FAULT_CLASSES as readonly string[]).includes(c);

export interface ExoticGenerator {
  /** An ordinary event of the configured mix (class drawn in proportion to simulation.ratesHz). */
  ordinary(rng: Rng): GeneratedEvent;
  /** An exotic event; a fault takes `fault` if given (a fixed broken channel), else draws one. */
  exotic(cls: ExoticClass, rng: Rng, fault?: FaultInstance): GeneratedEvent;
  /** The ordinary event `ev` with the fault applied (truth marked with the fault's class). */
  withFault(ev: GeneratedEvent, fault: FaultInstance, rng: Rng): GeneratedEvent;
}

export function createExoticGenerator(g: DetectorGeometry, cfg: SimulationConfig): ExoticGenerator {
  const base = createEventGenerator(g, cfg);
  const physics = createExoticPhysicsGenerator(g, cfg);
  const total = EVENT_CLASSES.reduce((s, c) => s + cfg.ratesHz[c], 0);
  const pick = (u: number): EventClass => {
    let acc = 0;
    for (const c of EVENT_CLASSES) {
      acc += cfg.ratesHz[c];
      if (u * total < acc) return c;
    }
    return EVENT_CLASSES[EVENT_CLASSES.length - 1]!;
  };
  const withFault = (ev: GeneratedEvent, fault: FaultInstance, rng: Rng): GeneratedEvent => ({
    ...ev,
    hits: applyFault(g, fault, ev.hits, cfg.response, rng),
    truth: { ...ev.truth, exotic: fault.cls },
  });
  const ordinary = (rng: Rng): GeneratedEvent => base.generate(pick(rng.uniform()), rng);
  return {
    ordinary,
    withFault,
    exotic(cls, rng, fault) {
      if (!isFault(cls)) return physics.generate(cls as PhysicsExotic, rng);
      const f = fault ?? drawFault(g, cls, rng);
      return withFault(ordinary(rng), f, rng);
    },
  };
}
