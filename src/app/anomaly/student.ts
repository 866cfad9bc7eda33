/**
 * `anomaly student`: distils the autoencoder (teacher) into boosted trees (student) that regress
 * each station term of the teacher's score from summary features of the hits, plus a novelty
 * term on the same features, all on ordinary events only (as the teacher was trained: no exotic
 * class in training or calibration); calibrates the student's own threshold for the budget on a
 * fresh ordinary sample; and measures how well it agrees with the teacher, on fresh ordinary
 * events and per exotic class on fresh seeds (efficiency of each at its own threshold, the
 * regression alone at its own, and the overlap).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulationConfig } from '../../config/index.js';
import { EXOTIC_CLASSES, type DetectorGeometry, type ExoticClass } from '../../domain/index.js';
import { totalRateHz } from '../../sim/index.js';
import {
  calibrateThreshold,
  fitNovelty,
  predictStudent,
  scoreImages,
  STUDENT_FEATURES_PER_STATION,
  studentFeatureMatrix,
  trainStudent,
  type StudentModel,
} from '../../anomaly/index.js';
import { anomalySample, ANOMALY_SEEDS } from './samples.js';
import { loadAnomalyModel, scoreModeOf, type AnomalyModel } from './store.js';
import { STUDENT_FILE, teacherFingerprint } from './online.js';

export interface StudentOptions {
  readonly geometry: DetectorGeometry;
  readonly simulation: SimulationConfig;
  readonly modelDir: string;
  readonly trainEvents: number;
  readonly calibrationEvents: number;
  readonly testEvents: number;
  /** Events per exotic class for the agreement (evaluation only, fresh seeds). */
  readonly exoticEvents: number;
  readonly budgetHz: number;
  readonly seed: number;
  readonly command: string;
  readonly progress?: (message: string) => void;
}

/** Seed offset of the student's samples (apart from the teacher's). */
const STUDENT_SEED = 77_000_003;
const CHUNK = 2000;

interface Scored {
  readonly x: Float64Array;
  readonly teacherTotal: Float64Array;
  readonly teacherTerms: Float64Array;
  readonly n: number;
}

/** Features and teacher scores of n events (ordinary, or one exotic class), in chunks. */
function scoredSample(
  o: StudentOptions,
  t: AnomalyModel,
  n: number,
  seed: number,
  exotic?: ExoticClass,
): Scored {
  const spec = t.meta.spec;
  const xs: Float64Array[] = [];
  const totals: Float64Array[] = [];
  const terms: Float64Array[] = [];
  for (let start = 0; start < n; start += CHUNK) {
    const m = Math.min(CHUNK, n - start);
    const s = anomalySample(o.geometry, o.simulation, spec, m, seed + start, exotic, true);
    const sc = scoreImages(t.net, spec, s.images, scoreModeOf(t));
    xs.push(studentFeatureMatrix(spec, s.hits));
    totals.push(sc.score);
    terms.push(sc.perStation);
  }
  return { x: cat(xs), teacherTotal: cat(totals), teacherTerms: cat(terms), n };
}

function cat(a: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(a.reduce((k, v) => k + v.length, 0));
  let off = 0;
  for (const v of a) {
    out.set(v, off);
    off += v.length;
  }
  return out;
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i]!;
    sb += b[i]!;
  }
  const ma = sa / n;
  const mb = sb / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

const fractionOver = (v: ArrayLike<number>, thr: number): number =>
  Array.prototype.filter.call(v, (x: number) => x > thr).length / Math.max(1, v.length);

/** The regression forests and the novelty term, each scaled to its value at the budget on the training sample. */
export function fitStudent(o: StudentOptions, t: AnomalyModel, train: Scored): StudentModel {
  const spec = t.meta.spec;
  const regression = trainStudent(
    spec,
    train.x,
    train.teacherTerms,
    train.n,
    scoreModeOf(t).combine ?? 'mean',
    train.teacherTotal,
  );
  const novelty = fitNovelty(train.x, train.n, spec.channels * STUDENT_FEATURES_PER_STATION);
  const raw = predictStudent(
    { ...regression, novelty, scales: { regression: 1, novelty: 1 } },
    train.x,
    train.n,
  );
  const rate = totalRateHz(o.simulation, Infinity);
  const at = (v: Float64Array): number => calibrateThreshold(v, o.budgetHz, rate).threshold;
  return { ...regression, novelty, scales: { regression: at(raw.regression), novelty: at(raw.novelty!) } };
}

/** Agreement with the teacher on fresh ordinary events and per exotic class (evaluation only). */
function measureAgreement(
  o: StudentOptions,
  teacher: AnomalyModel,
  student: StudentModel,
  thresholds: { teacher: number; student: number; regression: number },
): Record<string, number> {
  const base = o.seed + STUDENT_SEED;
  const agreement: Record<string, number> = {};
  const test = scoredSample(o, teacher, o.testEvents, base + ANOMALY_SEEDS.test);
  const ts = predictStudent(student, test.x, test.n);
  agreement['ordinary_n'] = test.n;
  agreement['ordinary_pearson_total'] = pearson(ts.total, test.teacherTotal);
  agreement['ordinary_pearson_regression'] = pearson(ts.regression, test.teacherTotal);
  agreement['ordinary_pearson_terms'] = pearson(ts.perStation, test.teacherTerms);
  agreement['ordinary_pass_teacher'] = fractionOver(test.teacherTotal, thresholds.teacher);
  agreement['ordinary_pass_student'] = fractionOver(ts.total, thresholds.student);
  agreement['ordinary_pass_regression'] = fractionOver(ts.regression, thresholds.regression);
  for (const [k, c] of EXOTIC_CLASSES.entries()) {
    const e = scoredSample(o, teacher, o.exoticEvents, base + ANOMALY_SEEDS.exotic + 1000 * k, c);
    const es = predictStudent(student, e.x, e.n);
    let both = 0;
    for (let i = 0; i < e.n; i++)
      if (e.teacherTotal[i]! > thresholds.teacher && es.total[i]! > thresholds.student) both++;
    agreement[`${c}_n`] = e.n;
    agreement[`${c}_eff_teacher`] = fractionOver(e.teacherTotal, thresholds.teacher);
    agreement[`${c}_eff_student`] = fractionOver(es.total, thresholds.student);
    agreement[`${c}_eff_regression`] = fractionOver(es.regression, thresholds.regression);
    agreement[`${c}_both`] = both / e.n;
  }
  return agreement;
}

/** Trains, calibrates and measures the student; writes modelDir/student.json. */
export async function distilStudent(o: StudentOptions): Promise<StudentModel> {
  const say = o.progress ?? (() => {});
  const teacher = await loadAnomalyModel(o.modelDir);
  const tCal = teacher.meta.calibration;
  if (tCal === undefined)
    throw new Error('the teacher has no calibration: run `showertrig anomaly calibrate`');
  const spec = teacher.meta.spec;
  const base = o.seed + STUDENT_SEED;
  const t0 = performance.now();
  const secs = (): string => ((performance.now() - t0) / 1000).toFixed(0);
  say(`scoring ${o.trainEvents} ordinary events with the teacher`);
  const train = scoredSample(o, teacher, o.trainEvents, base + ANOMALY_SEEDS.train);
  say(`scored in ${secs()} s; training the student (ordinary events only)`);
  const student = fitStudent(o, teacher, train);
  say(`calibrating the student on ${o.calibrationEvents} fresh ordinary events`);
  const cal = anomalySample(
    o.geometry,
    o.simulation,
    spec,
    o.calibrationEvents,
    base + ANOMALY_SEEDS.calibration,
    undefined,
    true,
  );
  const cs = predictStudent(student, studentFeatureMatrix(spec, cal.hits), o.calibrationEvents);
  const rate = totalRateHz(o.simulation, Infinity);
  const calibration = calibrateThreshold(cs.total, o.budgetHz, rate, {
    values: cs.perStation,
    channels: spec.channels,
  });
  const regressionThreshold = calibrateThreshold(cs.regression, o.budgetHz, rate).threshold;
  say(`measuring agreement on ${o.testEvents} ordinary events and ${o.exoticEvents} per exotic class`);
  const agreement = measureAgreement(o, teacher, student, {
    teacher: tCal.threshold,
    student: calibration.threshold,
    regression: regressionThreshold,
  });
  const out: StudentModel & { teacher: string } = {
    ...student,
    calibration,
    agreement,
    command: o.command,
    teacher: teacherFingerprint(o.modelDir),
  };
  writeFileSync(join(o.modelDir, STUDENT_FILE), `${JSON.stringify(out)}\n`);
  say(`wrote ${join(o.modelDir, STUDENT_FILE)} in ${secs()} s`);
  return out;
}
