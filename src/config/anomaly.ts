/** config `anomaly`: the model-independent trigger path (autoencoder score with a rate budget). */
import type { z } from 'zod';
import { bool, num, parseWith, section, str } from './kit.js';

export const anomalySchema = section(
  {
    enabled: bool(
      false,
      'score every event with the anomaly autoencoder (needs a trained model in modelDir)',
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
  },
  'the anomaly path: autoencoder reconstruction error on coarse station images, threshold set by a rate budget',
);

export type AnomalyConfig = Readonly<z.output<typeof anomalySchema>>;

export function parseAnomaly(raw: unknown, path = 'anomaly'): AnomalyConfig {
  return parseWith(anomalySchema, raw, path);
}
