/**
 * Energy calibration by numerical inversion of the response (as in jet energy scale
 * calibrations): in bins of TRUE energy, the response r_b = ⟨E_reco / E_true⟩ maps the bin's
 * true energy Ē_b to where its showers are reconstructed, x_b = r_b·Ē_b; the calibration is the
 * correction factor c(ln E_reco), piecewise linear in ln E_reco between the knots ln x_b
 * (constant beyond the first and last). Because the spread of E_reco within a true bin straddles
 * several knots, the factors are solved for jointly: the mean of ΔE/E = E_cal/E_true − 1 in every
 * true-energy bin of the calibration sample is linear in them, and is set to zero in the least-
 * squares sense with a light smoothness penalty. That is the bias reported per true-energy bin, and what a
 * regressor trained on a bounded prior gets wrong at the ends of the range (pulled towards the
 * middle); a calibration in bins of reconstructed energy cannot undo it.
 *
 * Bins are equal in ln E_true (nBins over the sample's range), merged with a neighbour until
 * each holds at least minPerBin events; the means are taken after a 5σ clip (lost showers with
 * E_reco far off must not steer the scale). The calibrated energy E_reco·c(ln E_reco) is kept
 * non-decreasing in E_reco.
 */
export interface EnergyCalibration {
  readonly lnEnergy: number[];
  readonly factor: number[];
}

export interface CalibrationFitOptions {
  /** Bins equal in ln E_true before merging (default 24). */
  readonly nBins?: number;
  /** Fewest events per bin (default 150). */
  readonly minPerBin?: number;
  /** Weight of the second-difference penalty on the factors, relative to the data (default 0.02). */
  readonly smoothing?: number;
}

export function fitEnergyCalibration(
  eTrue: ArrayLike<number>,
  eReco: ArrayLike<number>,
  o: CalibrationFitOptions = {},
): EnergyCalibration {
  const nBins = o.nBins ?? 24;
  const minPerBin = o.minPerBin ?? 150;
  const idx = Array.from({ length: eTrue.length }, (_, i) => i).filter(
    (i) => eReco[i]! > 0 && eTrue[i]! > 0 && Number.isFinite(eReco[i]!) && Number.isFinite(eTrue[i]!),
  );
  if (idx.length < 2 * minPerBin)
    throw new RangeError(`energy calibration needs at least ${2 * minPerBin} events, got ${idx.length}`);
  const bins = trueEnergyBins(idx, eTrue, nBins, minPerBin);
  const ratios = (sel: number[]): number[] => sel.map((i) => eReco[i]! / eTrue[i]!);
  // A bin's knot: where its showers are reconstructed on average, ln(⟨E_reco/E_true⟩ · Ē_true).
  const knotOf = (sel: number[]): { ln: number; sel: number[] } => ({
    ln: Math.log(clippedMean(ratios(sel), 5) * (sel.reduce((a, i) => a + eTrue[i]!, 0) / sel.length)),
    sel,
  });
  // Knots must increase with the true energy; a bin whose showers are reconstructed no higher than
  // the previous one's is merged into it (the pull towards the middle flattens the top of the range).
  const merged: { ln: number; sel: number[] }[] = [];
  for (const k of bins.map(knotOf)) {
    const last = merged[merged.length - 1];
    if (last !== undefined && !(k.ln > last.ln)) {
      const joined = knotOf([...last.sel, ...k.sel]);
      merged[merged.length - 1] = { ln: Math.max(last.ln, joined.ln), sel: joined.sel };
    } else merged.push(k);
  }
  const lnEnergy = merged.map((k) => k.ln);
  // The mean calibrated ratio of true bin b is linear in the factors: Σ_k A[b][k]·c_k, with A the
  // bin's mean of (E_reco/E_true)·w_k(E_reco), w_k the interpolation weights. Solve A·c = 1 in the
  // least-squares sense with a light second-difference penalty (neighbouring knots are closer than
  // the resolution, so the plain solve would let adjacent factors oscillate).
  const n = lnEnergy.length;
  const A = merged.map((k) => {
    const r = ratios(k.sel);
    const inlier = clipped(r, 5);
    const row = new Array<number>(n).fill(0);
    let m = 0;
    k.sel.forEach((i, j) => {
      if (!inlier[j]) return;
      m++;
      for (const [kk, w] of interpolationWeights(lnEnergy, Math.log(eReco[i]!))) row[kk]! += r[j]! * w;
    });
    return row.map((v) => v / Math.max(1, m));
  });
  const factor = solveSmoothed(A, o.smoothing ?? 0.02);
  const c = { lnEnergy, factor };
  monotone(c);
  return c;
}

/** Piecewise-linear interpolation weights of x on the knots (clamped: constant beyond the ends). */
function interpolationWeights(knots: number[], x: number): [number, number][] {
  const n = knots.length;
  if (n === 1 || x <= knots[0]!) return [[0, 1]];
  if (x >= knots[n - 1]!) return [[n - 1, 1]];
  let k = 0;
  while (x > knots[k + 1]!) k++;
  const t = (x - knots[k]!) / (knots[k + 1]! - knots[k]!);
  return [
    [k, 1 - t],
    [k + 1, t],
  ];
}

/** argmin |A·c − 1|² + λ·s·|D₂c|² (s = mean diagonal of AᵀA), by Gaussian elimination on the normal equations. */
function solveSmoothed(A: number[][], lambda: number): number[] {
  const n = A[0]!.length;
  const M = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  for (const row of A) {
    for (let i = 0; i < n; i++) {
      M[i]![n]! += row[i]!;
      for (let j = 0; j < n; j++) M[i]![j]! += row[i]! * row[j]!;
    }
  }
  let scale = 0;
  for (let i = 0; i < n; i++) scale += M[i]![i]! / n;
  for (let k = 1; k + 1 < n; k++) {
    const d: [number, number][] = [
      [k - 1, 1],
      [k, -2],
      [k + 1, 1],
    ];
    for (const [i, a] of d) for (const [j, b] of d) M[i]![j]! += lambda * scale * a * b;
  }
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r]![col]!) > Math.abs(M[piv]![col]!)) piv = r;
    [M[col], M[piv]] = [M[piv]!, M[col]!];
    const p = M[col]![col]!;
    if (Math.abs(p) < 1e-300)
      throw new RangeError('energy calibration: singular response matrix (too few events per bin)');
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = M[r]![col]! / p;
      if (f !== 0) for (let j = col; j <= n; j++) M[r]![j]! -= f * M[col]![j]!;
    }
  }
  return M.map((row, i) => row[n]! / row[i]!);
}

/** Index lists of the true-energy bins: equal in ln E, merged until each has minPerBin events. */
function trueEnergyBins(
  idx: number[],
  eTrue: ArrayLike<number>,
  nBins: number,
  minPerBin: number,
): number[][] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const i of idx) {
    lo = Math.min(lo, Math.log(eTrue[i]!));
    hi = Math.max(hi, Math.log(eTrue[i]!));
  }
  const width = (hi - lo) / nBins || 1;
  const raw: number[][] = Array.from({ length: nBins }, () => []);
  for (const i of idx) raw[Math.min(nBins - 1, Math.floor((Math.log(eTrue[i]!) - lo) / width))]!.push(i);
  const bins: number[][] = [];
  let open: number[] = [];
  for (const b of raw) {
    open = open.concat(b);
    if (open.length >= minPerBin) {
      bins.push(open);
      open = [];
    }
  }
  if (open.length > 0) {
    if (bins.length === 0) bins.push(open);
    else bins[bins.length - 1] = bins[bins.length - 1]!.concat(open);
  }
  return bins;
}

/** Keeps E·c(ln E) non-decreasing at the knots (the calibrated scale never reverses). */
function monotone(c: { lnEnergy: number[]; factor: number[] }): void {
  for (let b = 1; b < c.factor.length; b++) {
    const prev = Math.exp(c.lnEnergy[b - 1]!) * c.factor[b - 1]!;
    const here = Math.exp(c.lnEnergy[b]!) * c.factor[b]!;
    if (here < prev) c.factor[b] = prev / Math.exp(c.lnEnergy[b]!);
  }
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
  if (c === null || typeof c !== 'object' || !Array.isArray(c.lnEnergy) || !Array.isArray(c.factor))
    return 'lnEnergy and factor arrays';
  if (c.lnEnergy.length !== c.factor.length || c.lnEnergy.length === 0)
    return 'lnEnergy and factor of the same, non-zero length';
  if (!c.lnEnergy.every((v, i) => Number.isFinite(v) && (i === 0 || v > c.lnEnergy![i - 1]!)))
    return 'strictly increasing finite lnEnergy';
  if (!c.factor.every((v) => Number.isFinite(v) && v > 0)) return 'finite positive factors';
  return undefined;
}

/** Which values survive an iterative nSigma clip around the mean. */
function clipped(v: number[], nSigma: number): boolean[] {
  let lo = -Infinity;
  let hi = Infinity;
  for (let round = 0; round < 10; round++) {
    const kept = v.filter((x) => x >= lo && x <= hi);
    const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
    const sd = Math.sqrt(kept.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, kept.length - 1));
    if (mean - nSigma * sd === lo && mean + nSigma * sd === hi) break;
    [lo, hi] = [mean - nSigma * sd, mean + nSigma * sd];
  }
  return v.map((x) => x >= lo && x <= hi);
}

/** Mean of the values that survive the clip. */
function clippedMean(v: number[], nSigma: number): number {
  const keep = clipped(v, nSigma);
  let sum = 0;
  let n = 0;
  v.forEach((x, i) => {
    if (keep[i]) {
      sum += x;
      n++;
    }
  });
  return sum / n;
}
