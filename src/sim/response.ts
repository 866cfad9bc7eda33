/**
 * Target Tracker readout response (pure, seeded): what a plane reports for a pixel instead of
 * the number of charged particles that crossed it. SHiP's Target Tracker is planned as
 * scintillating-fibre mats read by SiPM arrays, the technology of the LHCb SciFi tracker and of
 * the SND@LHC target tracker; the parameters (config `simulation.response`, sources in
 * docs/detector-response.md) follow those detectors. Per pixel with n > 0 crossing particles:
 *
 *   1. photoelectrons   N_pe ~ Poisson(n · μ_pe)         μ_pe photoelectrons per MIP
 *   2. optical cross-talk: every avalanche fires a neighbour cell with probability p_xt, in a
 *      chain (geometric), so N_av = N_pe + NB(mean N_pe·p_xt/(1 − p_xt), shape N_pe)
 *   3. SiPM saturation  A = N_cells · (1 − exp(−N_av / N_cells))   (finite cell count)
 *   4. electronic noise A += σ_noise · N(0, 1)            (pe units)
 *   5. threshold        A < threshold → no hit
 *   6. ADC              round(A · gain) clamped to [1, adcMax]
 *
 * Dark-count noise is added after digitisation: a thermal avalanche is a single pe, below a
 * threshold above 1 pe unless cross-talk fires a second cell, so `darkHitsPerStation` is the
 * mean number of noise pixels above threshold and their amplitude is 2 pe plus the cross-talk
 * chain. The output count of a hit is therefore in ADC counts, never a particle number.
 */
import type { ResponseConfig } from '../config/index.js';
import type { Hits, Rng } from '../domain/index.js';
import { negativeBinomial, poisson } from './counts.js';

/** Digitises one pixel with `particles` crossing charged particles; 0 = below threshold. */
export function digitisePixel(particles: number, r: ResponseConfig, rng: Rng): number {
  const pe = poisson(rng, particles * r.photoelectronsPerMip);
  return pe > 0 || r.electronicNoisePe > 0 ? amplitudeToAdc(withCrossTalk(pe, r, rng), r, rng) : 0;
}

/** Avalanches after the cross-talk chain: each of `pe` starts a geometric chain of extra cells. */
export function withCrossTalk(pe: number, r: ResponseConfig, rng: Rng): number {
  const p = r.crossTalkProbability;
  if (!(p > 0) || pe <= 0) return pe;
  return pe + negativeBinomial(rng, (pe * p) / (1 - p), pe);
}

/** Saturation, noise, threshold and ADC for `avalanches` fired-cell equivalents; 0 = no hit. */
export function amplitudeToAdc(avalanches: number, r: ResponseConfig, rng: Rng): number {
  const cells = r.sipmCellsPerPixel;
  let a = cells * -Math.expm1(-avalanches / cells);
  if (r.electronicNoisePe > 0) a += r.electronicNoisePe * rng.normal();
  if (!(a >= r.thresholdPe)) return 0;
  return Math.min(r.adcMax, Math.max(1, Math.round(a * r.adcCountsPerPe)));
}

/** ADC value of a dark-noise pixel that passed the threshold: two cells plus the cross-talk chain. */
export function darkNoiseAdc(r: ResponseConfig, rng: Rng): number {
  for (let attempt = 0; attempt < 100; attempt++) {
    const adc = amplitudeToAdc(withCrossTalk(1, r, rng) + 1, r, rng);
    if (adc > 0) return adc;
  }
  return Math.min(r.adcMax, Math.max(1, Math.round(r.thresholdPe * r.adcCountsPerPe)));
}

/**
 * Digitises every hit (particle counts in, ADC counts out), dropping those below threshold.
 * Hits keep their order; the arrays are fresh.
 */
export function digitiseHits(h: Hits, r: ResponseConfig, rng: Rng): Hits {
  const n = h.count.length;
  const adc = new Int32Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const a = digitisePixel(h.count[i]!, r, rng);
    adc[i] = a;
    if (a > 0) kept++;
  }
  const out = {
    station: new Uint8Array(kept),
    ix: new Int32Array(kept),
    iy: new Int32Array(kept),
    count: new Int32Array(kept),
  };
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (adc[i] === 0) continue;
    out.station[j] = h.station[i]!;
    out.ix[j] = h.ix[i]!;
    out.iy[j] = h.iy[i]!;
    out.count[j] = adc[i]!;
    j++;
  }
  return out;
}

/** A noise pixel to overlay: station, pixel key (iy·nx + ix) and its ADC value. */
export interface NoiseHit {
  readonly station: number;
  readonly key: number;
  readonly adc: number;
}

/**
 * Overlays noise pixels on hits sorted by (station, iy, ix): the result stays sorted, a noise
 * pixel that coincides with a hit adds its ADC value to it (clamped to adcMax).
 */
export function overlayNoise(h: Hits, noise: readonly NoiseHit[], nx: number, adcMax: number): Hits {
  if (noise.length === 0) return h;
  const sorted = [...noise].sort((a, b) => a.station - b.station || a.key - b.key);
  const n = h.count.length;
  const cap = n + sorted.length;
  const st = new Uint8Array(cap);
  const ix = new Int32Array(cap);
  const iy = new Int32Array(cap);
  const count = new Int32Array(cap);
  let i = 0;
  let k = 0;
  let m = 0;
  const put = (s: number, x: number, y: number, c: number): void => {
    if (m > 0 && st[m - 1] === s && ix[m - 1] === x && iy[m - 1] === y) {
      count[m - 1] = Math.min(adcMax, count[m - 1]! + c);
      return;
    }
    st[m] = s;
    ix[m] = x;
    iy[m] = y;
    count[m] = c;
    m++;
  };
  while (i < n || k < sorted.length) {
    const hk = i < n ? h.station[i]! * 2 ** 32 + h.iy[i]! * nx + h.ix[i]! : Infinity;
    const z = sorted[k];
    const nk = z === undefined ? Infinity : z.station * 2 ** 32 + z.key;
    if (hk <= nk) {
      put(h.station[i]!, h.ix[i]!, h.iy[i]!, h.count[i]!);
      i++;
    } else {
      const row = Math.floor(z!.key / nx);
      put(z!.station, z!.key - row * nx, row, z!.adc);
      k++;
    }
  }
  return { station: st.slice(0, m), ix: ix.slice(0, m), iy: iy.slice(0, m), count: count.slice(0, m) };
}
