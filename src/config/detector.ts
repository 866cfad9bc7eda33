/** config `detector`: TT station geometry and lead constants. Defaults: DEFAULT_GEOMETRY (domain). */
import type { z } from 'zod';
import { DEFAULT_GEOMETRY, type DetectorGeometry } from '../domain/index.js';
import { fail, num, section } from './kit.js';

const d = DEFAULT_GEOMETRY;
const l = d.lead;

export const detectorSchema = section(
  {
    nStations: num(
      d.nStations,
      { min: 2, max: 16, integer: true },
      'number of TT stations (brick wall + tracker plane each)',
    ),
    stationPitchCm: num(
      d.stationPitchCm,
      { above: 0, max: 1000 },
      'distance between consecutive TT planes along the beam, cm',
    ),
    brickThicknessCm: num(
      d.brickThicknessCm,
      { above: 0, max: 100 },
      'thickness of the brick wall in front of each plane, cm',
    ),
    leadPlates: num(d.leadPlates, { min: 1, max: 1000, integer: true }, 'lead plates per brick'),
    leadPlateThicknessMm: num(
      d.leadPlateThicknessMm,
      { above: 0, max: 100 },
      'thickness of one lead plate, mm',
    ),
    brickToPlaneGapCm: num(
      d.brickToPlaneGapCm,
      { min: 0, max: 100 },
      'gap from the last lead plate to the TT plane behind it, cm',
    ),
    planeWidthCm: num(d.planeWidthCm, { above: 0, max: 1000 }, 'TT plane width (x), cm'),
    planeHeightCm: num(d.planeHeightCm, { above: 0, max: 1000 }, 'TT plane height (y), cm'),
    pixelPitchMm: num(
      d.pixelPitchMm,
      { above: 0.01, max: 100 },
      'pixel pitch in x and y, mm; must divide planeWidthCm into at most 65535 pixels',
    ),
    lead: section(
      {
        radiationLengthCm: num(
          l.radiationLengthCm,
          { above: 0, max: 100 },
          'radiation length X0 of lead, cm',
        ),
        criticalEnergyMeV: num(l.criticalEnergyMeV, { above: 0, max: 1000 }, 'critical energy of lead, MeV'),
        moliereRadiusCm: num(l.moliereRadiusCm, { above: 0, max: 100 }, 'Molière radius of lead, cm'),
        atomicNumber: num(
          l.atomicNumber,
          { min: 1, max: 120, integer: true },
          'atomic number Z of the absorber',
        ),
      },
      'absorber material constants (GFlash parametrisation)',
    ).prefault({}),
  },
  'detector geometry: stations, bricks, planes, pixels',
).superRefine((g, ctx) => {
  const leadCm = (g.leadPlates * g.leadPlateThicknessMm) / 10;
  if (leadCm > g.brickThicknessCm)
    fail(
      ctx,
      ['leadPlates'],
      `total lead (${leadCm} cm) <= brickThicknessCm (${g.brickThicknessCm})`,
      g.leadPlates,
    );
  if (g.brickThicknessCm + g.brickToPlaneGapCm > g.stationPitchCm) {
    fail(
      ctx,
      ['brickThicknessCm'],
      `brick + gap <= stationPitchCm (${g.stationPitchCm})`,
      g.brickThicknessCm,
    );
  }
  const px = (g.planeWidthCm * 10) / g.pixelPitchMm;
  if (Math.abs(px - Math.round(px)) > 1e-6 || px > 65535) {
    fail(
      ctx,
      ['pixelPitchMm'],
      'a pitch that divides planeWidthCm into at most 65535 pixels',
      g.pixelPitchMm,
    );
  }
});

/** The schema's output is exactly the domain's geometry type. */
const _sameShape: (g: z.output<typeof detectorSchema>) => DetectorGeometry = (g) => g;
void _sameShape;
