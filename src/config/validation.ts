/** config `validation`: content plausibility of incoming frames and event-id collisions. */
import type { z } from 'zod';
import { DEFAULT_PLAUSIBILITY } from '../domain/index.js';
import { num, numRange, parseWith, section } from './kit.js';

const d = DEFAULT_PLAUSIBILITY;

export const validationSchema = section(
  {
    maxCountPerHit: num(
      d.maxCountPerHit,
      { min: 1, max: 2 ** 31 - 1, integer: true },
      'largest count (charged particles) one pixel may report; a 100 GeV shower core gives tens',
    ),
    maxTotalCount: num(
      d.maxTotalCount,
      { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true },
      'largest sum of counts of one frame (a 100 GeV shower: about 2,000)',
    ),
    timestampRangeS: numRange(
      d.timestampRangeS,
      { min: 0, max: 9.2e9 },
      'DAQ timestamps outside [low, high], s since the Unix epoch, are refused',
    ),
    maxIdLength: num(
      d.maxIdLength,
      { min: 1, max: 65536, integer: true },
      'longest run id or event id, characters',
    ),
    truthEnergyRangeGeV: numRange(
      d.truthEnergyRangeGeV,
      { min: 0, max: 1e9 },
      'simulation truth energies outside [low, high], GeV, are refused',
    ),
    maxTruthSlope: num(
      d.maxTruthSlope,
      { above: 0, max: 1e6 },
      'largest |dx/dz|, |dy/dz| of a truth direction',
    ),
    duplicateIdWindow: num(
      100_000,
      { min: 0, max: 10_000_000, integer: true },
      'event ids remembered per process: a frame reusing a remembered id with different content is dead-lettered as duplicate_id (the same content again is a redelivery and processed as usual); 0 = off',
    ),
  },
  'content validation of incoming frames beyond the detector shape: implausible frames go to the DLQ with a reason',
);

export type ValidationConfig = Readonly<z.output<typeof validationSchema>>;

/** The schema's defaults. */
export const DEFAULT_VALIDATION: ValidationConfig = parseWith(validationSchema, {}, 'validation');
