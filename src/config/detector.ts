import { DEFAULT_GEOMETRY, type DetectorGeometry } from '../domain/index.js';
import { ConfigError } from './errors.js';
import { noUnknownKeys, num, section } from './fields.js';

export function parseDetector(raw: unknown, path = 'detector'): DetectorGeometry {
  const r = section(raw, path);
  const d = DEFAULT_GEOMETRY;
  noUnknownKeys(r, path, Object.keys(d));
  const leadPath = `${path}.lead`;
  const l = section(r['lead'], leadPath);
  noUnknownKeys(l, leadPath, Object.keys(d.lead));
  const g: DetectorGeometry = {
    nStations: num(r, path, 'nStations', d.nStations, { min: 2, max: 16, integer: true }),
    stationPitchCm: num(r, path, 'stationPitchCm', d.stationPitchCm, { above: 0, max: 1000 }),
    brickThicknessCm: num(r, path, 'brickThicknessCm', d.brickThicknessCm, { above: 0, max: 100 }),
    leadPlates: num(r, path, 'leadPlates', d.leadPlates, { min: 1, max: 1000, integer: true }),
    leadPlateThicknessMm: num(r, path, 'leadPlateThicknessMm', d.leadPlateThicknessMm, { above: 0, max: 100 }),
    brickToPlaneGapCm: num(r, path, 'brickToPlaneGapCm', d.brickToPlaneGapCm, { min: 0, max: 100 }),
    planeWidthCm: num(r, path, 'planeWidthCm', d.planeWidthCm, { above: 0, max: 1000 }),
    planeHeightCm: num(r, path, 'planeHeightCm', d.planeHeightCm, { above: 0, max: 1000 }),
    pixelPitchMm: num(r, path, 'pixelPitchMm', d.pixelPitchMm, { above: 0.01, max: 100 }),
    lead: {
      radiationLengthCm: num(l, leadPath, 'radiationLengthCm', d.lead.radiationLengthCm, { above: 0, max: 100 }),
      criticalEnergyMeV: num(l, leadPath, 'criticalEnergyMeV', d.lead.criticalEnergyMeV, { above: 0, max: 1000 }),
      moliereRadiusCm: num(l, leadPath, 'moliereRadiusCm', d.lead.moliereRadiusCm, { above: 0, max: 100 }),
      atomicNumber: num(l, leadPath, 'atomicNumber', d.lead.atomicNumber, { min: 1, max: 120, integer: true }),
    },
  };
  const leadCm = (g.leadPlates * g.leadPlateThicknessMm) / 10;
  if (leadCm > g.brickThicknessCm) {
    throw new ConfigError(`${path}.leadPlates`, `total lead (${leadCm} cm) <= brickThicknessCm (${g.brickThicknessCm})`, g.leadPlates);
  }
  if (g.brickThicknessCm + g.brickToPlaneGapCm > g.stationPitchCm) {
    throw new ConfigError(`${path}.brickThicknessCm`, `brick + gap <= stationPitchCm (${g.stationPitchCm})`, g.brickThicknessCm);
  }
  const px = (g.planeWidthCm * 10) / g.pixelPitchMm;
  if (Math.abs(px - Math.round(px)) > 1e-6 || px > 65535) {
    throw new ConfigError(`${path}.pixelPitchMm`, 'a pitch that divides planeWidthCm into at most 65535 pixels', g.pixelPitchMm);
  }
  return g;
}
