/** config `anomaly`: the model-independent trigger path (autoencoder score with a rate budget). */
import type { z } from 'zod';
import { bool, num, oneOf, parseWith, section, str } from './kit.js';

/** Which model scores online: the autoencoder itself, or its distilled boosted-tree student. */
export const ANOMALY_SCORERS = ['student', 'teacher'] as const;

export const anomalySchema = section(
  {
    enabled: bool(
      false,
      'score every event on the anomaly path (anomaly.scorer from modelDir). Off by default: with the shipped student it costs about a fifth of end-to-end throughput',
    ),
    modelDir: str(
      'models/anomaly',
      'anomaly autoencoder directory (model.json + weights.bin; threshold and calibration in its metadata)',
    ),
    budgetHz: num(
      0.5,
      { above: 0, max: 1e6 },
      'rate of ordinary events allowed over the anomaly threshold, Hz (sets the threshold at calibration)',
    ),
    scorer: oneOf(
      ANOMALY_SCORERS,
      'student',
      'online scorer: student (boosted trees distilled from the autoencoder, modelDir/student.json, its own threshold) or teacher (the autoencoder, ~10x the reconstruction cost)',
    ),
    driftWindowS: num(
      10,
      { above: 0, max: 3600 },
      'window of event time for the online anomaly rate and the per-station score drift, s',
    ),
    driftStepS: num(
      1,
      { above: 0, max: 3600 },
      'the drift and rate are evaluated once per this much event time, s',
    ),
  },
  'the anomaly path: autoencoder reconstruction error on coarse station images, threshold set by a rate budget',
);

export type AnomalyConfig = Readonly<z.output<typeof anomalySchema>>;

export function parseAnomaly(raw: unknown, path = 'anomaly'): AnomalyConfig {
  return parseWith(anomalySchema, raw, path);
}
