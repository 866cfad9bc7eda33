/** config `simulation.inject`: exotic signatures and detector faults injected into the simulated stream. */
import { z } from 'zod';
import { EXOTIC_CLASSES, type ExoticClass } from '../domain/index.js';
import { num, oneOf, parseWith, section } from './kit.js';

const injectionSchema = section(
  {
    exotic: oneOf(EXOTIC_CLASSES, 'dark-photon', 'exotic signature or detector fault to inject'),
    rateHz: num(
      1,
      { min: 0, max: 1e6 },
      'physics exotics: extra events per second; faults: ordinary events per second that the fault is applied to (capped at every event)',
    ),
    startS: num(10, { min: 0 }, 'start, simulated seconds after the first event'),
    durationS: num(10, { above: 0 }, 'length of the injection, s'),
  },
  "one injection (the CLI's --inject class:rate:start:duration)",
);

export type Injection = Readonly<z.output<typeof injectionSchema>> & { readonly exotic: ExoticClass };

export const injectionsSchema = z
  .array(injectionSchema)
  .default([])
  .describe('exotic signatures and detector faults injected into the simulated stream (off when empty)');

/** "dark-photon:2:10:30" → dark photons at 2 Hz from t = 10 s for 30 s (the CLI's --inject form). */
export function parseInjectFlag(flag: string): Injection {
  const [exotic, rate, start, duration] = flag.split(':');
  const raw = {
    exotic,
    rateHz: Number(rate ?? 1),
    startS: Number(start ?? 10),
    durationS: Number(duration ?? 10),
  };
  return parseWith(injectionSchema, raw, '--inject');
}
