/**
 * Data-quality check of the ONLINE anomaly path: the simulated stream with a detector fault
 * injected (simulation.inject, e.g. hot-cluster:85:20:30) scored event by event through the
 * same anomaly stage and metrics the trigger runs (src/pipeline anomaly stage, its window
 * monitor, the showertrig_anomaly_score_drift gauge per station), on the configured scorer.
 * Reports, per evaluation step of event time, the drift per station, and when the faulty
 * station's drift first crosses the alert limit after the fault starts, while the other
 * stations' largest drift stays below it. The reconstruction is not run: the score depends on
 * the hits only.
 */
import type { ShowertrigConfig } from '../../config/index.js';
import type { RecoEvent } from '../../domain/index.js';
import type { AnomalyScorer, LiveAnomalyState } from '../../anomaly/index.js';
import { createSimulator, injectionStreams } from '../../sim/index.js';
import { createAnomalyMetrics, Registry } from '../../telemetry/index.js';
import { onlineAnomalyStage } from './online.js';

/** The drift alert rule's limit (config/prometheus/showertrig-rules.yml ShowertrigAnomalyScoreDrift). */
export const DRIFT_ALERT_LIMIT = 0.1;

export interface FaultDriftRun {
  readonly exotic?: string;
  readonly faultStation?: number;
  readonly startS?: number;
  /** Seconds of event time from the fault's start to the faulty station's drift over the limit. */
  readonly crossAfterS?: number;
  /** Largest drift of every other station after the start, and of any station before it. */
  readonly othersMax: number;
  readonly beforeMax: number;
  /** The gauge as /metrics shows it at the end, per station. */
  readonly gauge: Record<string, number>;
  readonly steps: readonly LiveAnomalyState[];
  readonly events: number;
}

export async function measureFaultDrift(
  cfg: ShowertrigConfig,
  scorer: AnomalyScorer,
  durationS: number,
  limit = DRIFT_ALERT_LIMIT,
): Promise<FaultDriftRun> {
  const sim = createSimulator(cfg.detector, { ...cfg.simulation, startTimeNs: 0 }, 'fault-drift');
  const inj = cfg.simulation.inject[0];
  const fault = injectionStreams(cfg.detector, cfg.simulation)[0]?.fault;
  const registry = new Registry();
  const metrics = createAnomalyMetrics(registry);
  const steps: LiveAnomalyState[] = [];
  const stage = onlineAnomalyStage(scorer, cfg.anomaly, metrics, (s) => steps.push(s));
  let events = 0;
  for (let done = false; !done;) {
    const frames = [];
    while (frames.length < cfg.reconstruction.batchSize) {
      const f = sim.next();
      if (Number(f.timestampNs) / 1e9 > durationS) {
        done = true;
        break;
      }
      frames.push(f);
    }
    const reco = frames.map((f): RecoEvent => ({
      runId: f.runId,
      eventId: f.eventId,
      timestampNs: f.timestampNs,
      status: 'ok',
      nHits: f.hits.station.length,
      energyGeV: 0,
      dCm: 0,
      xCm: 0,
      yCm: 0,
      fitRmsCm: 0,
      stationsUsed: 0,
    }));
    stage.score(reco, frames, cfg.reconstruction.batchSize);
    events += frames.length;
  }
  const gauge: Record<string, number> = {};
  for (const v of (await metrics.drift.get()).values) gauge[String(v.labels['station'])] = v.value;
  const start = inj?.startS ?? Infinity;
  const k = fault?.station;
  const after = steps.filter((s) => s.tS >= start);
  const cross = k === undefined ? undefined : after.find((s) => s.drift.perStation[k]! > limit);
  const maxOf = (list: readonly LiveAnomalyState[], skip?: number): number =>
    Math.max(0, ...list.flatMap((s) => s.drift.perStation.filter((_, j) => j !== skip)));
  return {
    ...(inj === undefined ? {} : { exotic: inj.exotic, startS: inj.startS }),
    ...(k === undefined ? {} : { faultStation: k }),
    ...(cross === undefined ? {} : { crossAfterS: cross.tS - start }),
    othersMax: maxOf(after, k),
    beforeMax: maxOf(steps.filter((s) => s.tS < start)),
    gauge,
    steps,
    events,
  };
}
