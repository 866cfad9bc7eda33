/**
 * The online anomaly scorer behind the narrow interface (score(batch) → total and station terms,
 * with the threshold and drift reference of the model file): the distilled student
 * (modelDir/student.json) by default, or the autoencoder teacher. A student distilled from another
 * teacher than the one in modelDir is refused, so a retrained autoencoder needs a new student.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnomalyConfig } from '../../config/index.js';
import { ModelError } from '../../domain/index.js';
import {
  createAutoencoderScorer,
  createStudentScorer,
  LiveAnomalyMonitor,
  type AnomalyScorer,
  type LiveAnomalyState,
  type StudentModel,
} from '../../anomaly/index.js';
import { createAnomalyStage, type AnomalyStage } from '../../pipeline/index.js';
import type { AnomalyMetrics } from '../../telemetry/index.js';
import { resolveModelDir } from '../model.js';
import { loadAnomalyModel, scoreModeOf, type AnomalyModel } from './store.js';

export const STUDENT_FILE = 'student.json';

/** Content hash of the teacher's weights: what a student records as the teacher it learnt from. */
export function teacherFingerprint(dir: string): string {
  return createHash('sha256')
    .update(readFileSync(join(dir, 'weights.bin')))
    .digest('hex')
    .slice(0, 16);
}

export function teacherScorer(m: AnomalyModel): AnomalyScorer {
  const cal = m.meta.calibration;
  if (cal?.stationQuantiles === undefined)
    throw new ModelError('the anomaly model has no calibration: run `showertrig anomaly calibrate`');
  return createAutoencoderScorer(m.net, m.meta.spec, scoreModeOf(m), {
    threshold: cal.threshold,
    budgetHz: cal.budgetHz,
    totalRateHz: cal.totalRateHz,
    stationQuantiles: cal.stationQuantiles,
  });
}

export function readStudent(dir: string): (StudentModel & { teacher?: string }) | undefined {
  const path = join(dir, STUDENT_FILE);
  if (!existsSync(path)) return undefined;
  const m = JSON.parse(readFileSync(path, 'utf8')) as StudentModel & { teacher?: string };
  if (m.kind !== 'showertrig-anomaly-student') throw new ModelError(`${path}: not an anomaly student`);
  return m;
}

/** The scorer anomaly.scorer names, from anomaly.modelDir (a relative one not found here: the shipped one). */
export async function loadAnomalyScorer(config: AnomalyConfig): Promise<AnomalyScorer> {
  const a = { ...config, modelDir: resolveModelDir(config.modelDir) };
  if (a.scorer === 'teacher') return teacherScorer(await loadAnomalyModel(a.modelDir));
  const s = readStudent(a.modelDir);
  if (s === undefined)
    throw new ModelError(
      `${join(a.modelDir, STUDENT_FILE)} is missing: distil one with \`showertrig anomaly student\`, or set anomaly.scorer to teacher`,
    );
  const fp = teacherFingerprint(a.modelDir);
  if (s.teacher !== undefined && s.teacher !== fp)
    throw new ModelError(
      `${join(a.modelDir, STUDENT_FILE)} was distilled from another autoencoder (weights ${s.teacher}, now ${fp}): re-distil it with \`showertrig anomaly student\``,
    );
  return createStudentScorer(s);
}

/** One pipeline's anomaly stage: its own window monitor, the process's metrics. */
export function onlineAnomalyStage(
  scorer: AnomalyScorer,
  a: AnomalyConfig,
  metrics?: AnomalyMetrics,
  onState?: (s: LiveAnomalyState) => void,
): AnomalyStage {
  const monitor = new LiveAnomalyMonitor(scorer.reference, {
    windowS: a.driftWindowS,
    stepS: a.driftStepS,
    cAlpha: 1.95,
    minEvents: 100,
  });
  return createAnomalyStage({
    scorer,
    monitor,
    ...(metrics === undefined ? {} : { metrics }),
    ...(onState === undefined ? {} : { onState }),
  });
}
