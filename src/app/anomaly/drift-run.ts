/**
 * Data-quality check of the anomaly path, offline: the simulated stream (with the configured
 * injections, e.g. a detector fault from t = startS) scored in time order, the drift monitor
 * and the rate over threshold evaluated every stepS of event time. Reports when the drift first
 * exceeds its critical distance after the injection starts, which station it names, and what
 * it did before (false alarms).
 */
import type { ShowertrigConfig } from '../../config/index.js';
import type { HitFrame } from '../../domain/index.js';
import { createSimulator, injectionStreams } from '../../sim/index.js';
import { DriftMonitor, fillImage, imageSize, scoreImages, type DriftState } from '../../anomaly/index.js';
import { scoreModeOf, type AnomalyModel } from './store.js';

export interface DriftPoint {
  readonly tS: number;
  readonly state: DriftState;
  /** Events over the threshold per second in the last window. */
  readonly anomalyRateHz: number;
}

export interface DriftRun {
  readonly points: readonly DriftPoint[];
  readonly injection?: { exotic: string; startS: number; durationS: number; station?: number };
  /** First step at or after the injection start where the distance exceeds the critical one. */
  readonly firstAlertS?: number;
  readonly namedStation?: number;
  /** Steps before the injection whose distance exceeded the critical one. */
  readonly falseAlarmSteps: number;
  readonly stepsBefore: number;
  /** First step after the start where the rate over threshold exceeds 3 × the budget. */
  readonly firstRateAlertS?: number;
}

export function measureDrift(
  cfg: ShowertrigConfig,
  model: AnomalyModel,
  durationS: number,
  windowS: number,
  stepS: number,
): DriftRun {
  const { net, meta } = model;
  const cal = meta.calibration;
  if (cal?.stationQuantiles === undefined)
    throw new Error('the model has no per-station drift reference: run `showertrig anomaly calibrate`');
  const spec = meta.spec;
  const mode = scoreModeOf(model);
  const sim = createSimulator(cfg.detector, { ...cfg.simulation, startTimeNs: 0 }, 'drift');
  const monitor = new DriftMonitor(cal.stationQuantiles, { windowS, cAlpha: 1.95, minEvents: 100 });
  const inj = cfg.simulation.inject[0];
  const fault = injectionStreams(cfg.detector, cfg.simulation)[0]?.fault;
  const points: DriftPoint[] = [];
  const over: number[] = [];
  let nextStep = stepS;
  const size = imageSize(spec);
  const batch = 256;
  const images = new Float32Array(batch * size);
  let done = false;
  while (!done) {
    const frames: HitFrame[] = [];
    for (let i = 0; i < batch; i++) {
      const f = sim.next();
      if (Number(f.timestampNs) / 1e9 > durationS) {
        done = true;
        break;
      }
      fillImage(spec, f.hits, images, i * size);
      frames.push(f);
    }
    const sc = scoreImages(net, spec, images.subarray(0, frames.length * size), mode);
    frames.forEach((f, i) => {
      const t = Number(f.timestampNs) / 1e9;
      while (t >= nextStep) {
        while (over.length > 0 && over[0]! < nextStep - windowS) over.shift();
        points.push({ tS: nextStep, state: monitor.state(), anomalyRateHz: over.length / windowS });
        nextStep += stepS;
      }
      monitor.push(t, Array.from(sc.perStation.subarray(i * spec.channels, (i + 1) * spec.channels)));
      if (sc.score[i]! > cal.threshold) over.push(t);
    });
  }
  const start = inj?.startS ?? Infinity;
  const alert = points.find((p) => p.tS >= start && p.state.distance > p.state.critical);
  const rateAlert = points.find((p) => p.tS >= start && p.anomalyRateHz > 3 * cal.budgetHz);
  const before = points.filter((p) => p.tS < start && p.tS >= windowS);
  return {
    points,
    ...(inj === undefined
      ? {}
      : {
          injection: {
            exotic: inj.exotic,
            startS: inj.startS,
            durationS: inj.durationS,
            ...(fault === undefined ? {} : { station: fault.station }),
          },
        }),
    ...(alert === undefined ? {} : { firstAlertS: alert.tS, namedStation: alert.state.dominantStation }),
    ...(rateAlert === undefined ? {} : { firstRateAlertS: rateAlert.tS }),
    falseAlarmSteps: before.filter((p) => p.state.distance > p.state.critical).length,
    stepsBefore: before.length,
  };
}
