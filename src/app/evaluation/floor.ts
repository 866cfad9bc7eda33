/**
 * Information floors for E and d: the strongest feature regressor (boosted trees on the paper's 12
 * moments + per-station signal sums and hit counts) given MORE than any real reconstruction has.
 *
 * - "ideal readout": the same shower physics (the configured shower fluctuations: profile, lateral,
 *   particle counts) read out perfectly: each pixel reports the charged particles crossing it (no
 *   photoelectron statistics, cross-talk, saturation, noise, threshold, dark or hot pixels).
 * - "ideal readout + true d" (energy): as above with the true vertex depth as one more feature,
 *   so the energy estimate no longer pays for not knowing where the shower started.
 *
 * These rows are not baselines (no detector delivers them); they say how much room the realistic
 * response leaves. They train, calibrate and score on their own seeds, like the baselines.
 */
import type { SimulationConfig } from '../../config/index.js';
import { Rng, type DetectorGeometry } from '../../domain/index.js';
import {
  calibrateEnergy,
  DEFAULT_GBT,
  DEFAULT_MOMENT_FEATURES,
  featureCount,
  featuresOf,
  fitEnergyCalibration,
  predictGbt,
  trainGbt,
  type GbtModel,
} from '../../reconstruction/index.js';
import { summariseEnergyVertex, type EnergyVertexSummary } from '../../report/index.js';
import { generateEvent } from '../../sim/index.js';

/** Seed offsets of the floor's samples from the evaluation seed (disjoint from SEED_OFFSETS). */
export const FLOOR_SEED_OFFSETS = { training: 3_000_017, calibration: 4_000_037, test: 5_000_011 } as const;

export const FLOOR_NAMES = [
  'floor: GBT 18 f., ideal readout',
  'floor: GBT 18 f. + true d, ideal readout (E only)',
] as const;

interface Rows {
  /** n × (p + 1): the 18 features on the truth particle counts, then the true d. */
  readonly x: Float64Array;
  readonly n: number;
  readonly p: number;
  readonly energyGeV: Float64Array;
  readonly dCm: Float64Array;
}

/** Feature rows of n fresh signal showers, computed on the truth particle counts (the ideal readout). */
export function idealReadoutRows(g: DetectorGeometry, sim: SimulationConfig, n: number, seed: number): Rows {
  const p = featureCount('moments+signal', g.nStations);
  const x = new Float64Array(n * (p + 1));
  const energyGeV = new Float64Array(n);
  const dCm = new Float64Array(n);
  const rng = new Rng(seed >>> 0);
  for (let i = 0; i < n; i++) {
    const ev = generateEvent(g, sim, 'signal', rng);
    featuresOf('moments+signal', ev.particles, g, DEFAULT_MOMENT_FEATURES, x, i * (p + 1));
    x[i * (p + 1) + p] = ev.truth.dCm;
    energyGeV[i] = ev.truth.energyGeV;
    dCm[i] = ev.truth.dCm;
  }
  return { x, n, p, energyGeV, dCm };
}

/** The first `cols` columns of each row (drops the true-d column when cols = p). */
function columns(r: Rows, cols: number): Float64Array {
  const out = new Float64Array(r.n * cols);
  for (let i = 0; i < r.n; i++) out.set(r.x.subarray(i * (r.p + 1), i * (r.p + 1) + cols), i * cols);
  return out;
}

function predict(
  m: GbtModel,
  x: Float64Array,
  n: number,
  cols: number,
  f: (v: number) => number = (v) => v,
): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => f(predictGbt(m, x, i * cols)));
}

export interface FloorOptions {
  readonly trainEvents: number;
  readonly calibrationEvents: number;
  readonly testEvents: number;
  readonly seed: number;
  readonly progress?: (message: string) => void;
}

/** Both floor rows, scored on `testEvents` fresh showers. */
export function informationFloor(
  g: DetectorGeometry,
  sim: SimulationConfig,
  o: FloorOptions,
): EnergyVertexSummary[] {
  const say = o.progress ?? (() => {});
  say(
    `floor: simulating ${o.trainEvents} + ${o.calibrationEvents} + ${o.testEvents} showers (ideal readout)`,
  );
  const train = idealReadoutRows(g, sim, o.trainEvents, o.seed + FLOOR_SEED_OFFSETS.training);
  const cal = idealReadoutRows(g, sim, o.calibrationEvents, o.seed + FLOOR_SEED_OFFSETS.calibration);
  const test = idealReadoutRows(g, sim, o.testEvents, o.seed + FLOOR_SEED_OFFSETS.test);
  const lnE = train.energyGeV.map(Math.log);
  const truth = { energyGeV: Array.from(test.energyGeV), dCm: Array.from(test.dCm) };
  const out: EnergyVertexSummary[] = [];
  for (const [k, cols] of [
    [0, train.p],
    [1, train.p + 1],
  ] as const) {
    say(`floor: training ${FLOOR_NAMES[k]}`);
    const xTrain = columns(train, cols);
    const energy = trainGbt(xTrain, lnE, train.n, cols, DEFAULT_GBT);
    // With the true d among the inputs a d regressor is meaningless: that row reports E only.
    const d =
      k === 0
        ? trainGbt(xTrain, train.dCm, train.n, cols, { ...DEFAULT_GBT, seed: DEFAULT_GBT.seed + 1 })
        : undefined;
    const calibration = fitEnergyCalibration(
      cal.energyGeV,
      predict(energy, columns(cal, cols), cal.n, cols, Math.exp),
    );
    const xTest = columns(test, cols);
    const energyGeV = predict(energy, xTest, test.n, cols, (v) => calibrateEnergy(calibration, Math.exp(v)));
    const dCm = d === undefined ? Float64Array.from(test.dCm, () => NaN) : predict(d, xTest, test.n, cols);
    out.push(
      summariseEnergyVertex(FLOOR_NAMES[k], truth, {
        energyGeV: Array.from(energyGeV),
        dCm: Array.from(dCm),
      }),
    );
  }
  return out;
}
