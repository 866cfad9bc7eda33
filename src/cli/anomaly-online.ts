/**
 * The file side of `showertrig anomaly student` (distil the autoencoder into the online student)
 * and `anomaly dq` (the online path's data-quality check with an injected detector fault).
 */
import { anomalyApp } from '../app/index.js';
import type { ShowertrigConfig } from '../config/index.js';
import { intFlag, numFlag } from './args.js';

type Values = Record<string, string | string[] | boolean | undefined>;
const str = (v: Values, k: string): string | undefined => (typeof v[k] === 'string' ? v[k] : undefined);

export async function runAnomalyStudent(
  cfg: ShowertrigConfig,
  v: Values,
  o: { modelDir: string; seed: number; budgetHz: number; command: string; say: (m: string) => void },
): Promise<number> {
  const app = await anomalyApp();
  const { modelDir, seed, budgetHz, command, say } = o;
  const values = {
    events: str(v, 'events'),
    'calibration-events': str(v, 'calibration-events'),
    'val-events': str(v, 'val-events'),
    'background-events': str(v, 'background-events'),
  };
  const m = await app.distilStudent({
    geometry: cfg.detector,
    simulation: cfg.simulation,
    modelDir,
    trainEvents: intFlag(values.events, 'events', 20_000, 100),
    calibrationEvents: intFlag(values['calibration-events'], 'calibration-events', 20_000, 100),
    testEvents: intFlag(values['val-events'], 'val-events', 4000, 10),
    exoticEvents: intFlag(values['background-events'], 'background-events', 400, 10),
    budgetHz,
    seed,
    command,
    progress: say,
  });
  process.stdout.write(
    JSON.stringify({
      calibration: { ...m.calibration, stationQuantiles: undefined },
      agreement: m.agreement,
    }) + '\n',
  );
  return 0;
}

export async function runAnomalyDq(
  cfg: ShowertrigConfig,
  v: Values,
  o: { modelDir: string; say: (m: string) => void },
): Promise<number> {
  const app = await anomalyApp();
  const { modelDir, say } = o;
  const values = { duration: str(v, 'duration') };
  const scorer = await app.loadAnomalyScorer({ ...cfg.anomaly, modelDir });
  const durationS = numFlag(values.duration, 'duration', 50, 1, 1e5);
  const faults =
    cfg.simulation.inject.length > 0
      ? cfg.simulation.inject
      : (['hot-cluster', 'dead-region', 'noisy-burst'] as const).map((exotic) => ({
          exotic,
          rateHz: 1000,
          startS: 20,
          durationS: durationS - 20,
        }));
  say(`scorer ${scorer.name}; drift alert limit ${app.DRIFT_ALERT_LIMIT}`);
  for (const inj of faults) {
    const r = await app.measureFaultDrift(
      { ...cfg, simulation: { ...cfg.simulation, inject: [inj] } },
      scorer,
      durationS,
    );
    process.stdout.write(JSON.stringify({ ...r, steps: undefined, scorer: scorer.name }) + '\n');
  }
  return 0;
}
