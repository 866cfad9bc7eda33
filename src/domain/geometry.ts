/**
 * Detector geometry and material constants. Every length carries its unit in the name.
 * Frame: x, y transverse (plane centre = 0), z along the beam; station k's TT plane is at
 * z = k * stationPitchCm; the brick wall in front of station k ends at its plane (by default with
 * no gap: lead directly in front of the TT plane, as in the method paper, where d = 0 is the first
 * TT plane and d ∈ [−7.5, 0] cm lies inside the first brick).
 */
export interface LeadConstants {
  readonly radiationLengthCm: number;
  readonly criticalEnergyMeV: number;
  readonly moliereRadiusCm: number;
  readonly atomicNumber: number;
}

export interface DetectorGeometry {
  readonly nStations: number;
  readonly stationPitchCm: number;
  readonly brickThicknessCm: number;
  readonly leadPlates: number;
  readonly leadPlateThicknessMm: number;
  /** Distance from the last lead plate to the TT plane behind it. */
  readonly brickToPlaneGapCm: number;
  readonly planeWidthCm: number;
  readonly planeHeightCm: number;
  readonly pixelPitchMm: number;
  readonly lead: LeadConstants;
}

export const DEFAULT_GEOMETRY: DetectorGeometry = {
  nStations: 3,
  stationPitchCm: 13.0,
  brickThicknessCm: 7.4955,
  leadPlates: 56,
  leadPlateThicknessMm: 1.0,
  brickToPlaneGapCm: 0,
  planeWidthCm: 90,
  planeHeightCm: 75,
  pixelPitchMm: 0.5,
  lead: { radiationLengthCm: 0.5612, criticalEnergyMeV: 7.43, moliereRadiusCm: 1.6, atomicNumber: 82 },
};

export function pixelsX(g: DetectorGeometry): number {
  return Math.round((g.planeWidthCm * 10) / g.pixelPitchMm);
}
export function pixelsY(g: DetectorGeometry): number {
  return Math.round((g.planeHeightCm * 10) / g.pixelPitchMm);
}
/** Fraction of the brick's thickness that is lead. */
export function leadFraction(g: DetectorGeometry): number {
  return (g.leadPlates * g.leadPlateThicknessMm) / 10 / g.brickThicknessCm;
}
/** Pixel centre → cm. */
export function pixelToXCm(g: DetectorGeometry, ix: number): number {
  return (ix + 0.5) * (g.pixelPitchMm / 10) - g.planeWidthCm / 2;
}
export function pixelToYCm(g: DetectorGeometry, iy: number): number {
  return (iy + 0.5) * (g.pixelPitchMm / 10) - g.planeHeightCm / 2;
}
/** cm → pixel index (may fall outside the plane; callers check). */
export function xCmToPixel(g: DetectorGeometry, xCm: number): number {
  return Math.floor((xCm + g.planeWidthCm / 2) / (g.pixelPitchMm / 10));
}
export function yCmToPixel(g: DetectorGeometry, yCm: number): number {
  return Math.floor((yCm + g.planeHeightCm / 2) / (g.pixelPitchMm / 10));
}
/** z of station k's TT plane, cm. */
export function planeZCm(g: DetectorGeometry, station: number): number {
  return station * g.stationPitchCm;
}
