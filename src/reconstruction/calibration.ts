/**
 * Energy calibration: E_cal = E_reco · c(ln E_reco), c piecewise linear in ln E_reco between
 * the centres of equal-population bins of the calibration sample (constant beyond the first and
 * last), each c_b the inverse of the 3σ-clipped mean of E_reco / E_true in its bin, so that the
 * mean of ΔE/E = E_cal/E_true − 1 (the reported bias) vanishes as a function of what is measured; a bias left in bins of true energy near
 * the ends of the simulated range (regression towards the middle) is reported, not hidden.
 */
export interface EnergyCalibration {
  readonly lnEnergy: number[];
  readonly factor: number[];
}

export function fitEnergyCalibration(eTrue: ArrayLike<number>, eReco: ArrayLike<number>, nBins = 20): EnergyCalibration {
  const idx = Array.from({ length: eTrue.length }, (_, i) => i).filter((i) => eReco[i]! > 0 && eTrue[i]! > 0 && Number.isFinite(eReco[i]!));
  if (idx.length < 2 * nBins) throw new RangeError(`energy calibration needs at least ${2 * nBins} events, got ${idx.length}`);
  idx.sort((a, b) => eReco[a]! - eReco[b]!);
  const lnEnergy: number[] = [];
  const factor: number[] = [];
  for (let b = 0; b < nBins; b++) {
    const sel = idx.slice(Math.floor((b * idx.length) / nBins), Math.floor(((b + 1) * idx.length) / nBins));
    let ln = 0;
    for (const i of sel) ln += Math.log(eReco[i]!);
    lnEnergy.push(ln / sel.length);
    factor.push(1 / clippedMean(sel.map((i) => eReco[i]! / eTrue[i]!)));
  }
  return { lnEnergy, factor };
}

export function calibrateEnergy(c: EnergyCalibration, eGeV: number): number {
  const n = c.lnEnergy.length;
  if (n === 0 || !(eGeV > 0)) return eGeV;
  const x = Math.log(eGeV);
  if (x <= c.lnEnergy[0]!) return eGeV * c.factor[0]!;
  if (x >= c.lnEnergy[n - 1]!) return eGeV * c.factor[n - 1]!;
  let k = 0;
  while (x > c.lnEnergy[k + 1]!) k++;
  const t = (x - c.lnEnergy[k]!) / (c.lnEnergy[k + 1]! - c.lnEnergy[k]!);
  return eGeV * (c.factor[k]! + t * (c.factor[k + 1]! - c.factor[k]!));
}

/** Validates a parsed calibration (increasing finite knots, positive finite factors); a message or undefined. */
export function energyCalibrationProblem(raw: unknown): string | undefined {
  const c = raw as Partial<EnergyCalibration> | null;
  if (c === null || typeof c !== 'object' || !Array.isArray(c.lnEnergy) || !Array.isArray(c.factor)) return 'lnEnergy and factor arrays';
  if (c.lnEnergy.length !== c.factor.length || c.lnEnergy.length === 0) return 'lnEnergy and factor of the same, non-zero length';
  if (!c.lnEnergy.every((v, i) => Number.isFinite(v) && (i === 0 || v > c.lnEnergy![i - 1]!))) return 'strictly increasing finite lnEnergy';
  if (!c.factor.every((v) => Number.isFinite(v) && v > 0)) return 'finite positive factors';
  return undefined;
}

function clippedMean(v: number[]): number {
  let lo = -Infinity;
  let hi = Infinity;
  let mean = NaN;
  for (let round = 0; round < 10; round++) {
    const kept = v.filter((x) => x >= lo && x <= hi);
    mean = kept.reduce((a, b) => a + b, 0) / kept.length;
    const sd = Math.sqrt(kept.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, kept.length - 1));
    const [nlo, nhi] = [mean - 3 * sd, mean + 3 * sd];
    if (nlo === lo && nhi === hi) break;
    lo = nlo;
    hi = nhi;
  }
  return mean;
}
