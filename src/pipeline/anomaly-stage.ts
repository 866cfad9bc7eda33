/**
 * The anomaly path inside the reconstruction stage: every event that reached reconstruction
 * (any status) is scored from its hits, the score and station terms travel in its RecoEvent
 * (tt.reco), events over the model's threshold become AnomalyEvents (tt.anomalies), and the
 * live monitor's window (rate over threshold, per-station drift) feeds the metrics.
 */
import type { AnomalyEvent, Candidate, HitFrame, RecoEvent } from '../domain/index.js';
import type { AnomalyScorer, LiveAnomalyState } from '../anomaly/index.js';
import type { AnomalyMetrics } from '../telemetry/index.js';

export interface AnomalyStageDeps {
  readonly scorer: AnomalyScorer;
  /** The windowed monitor (LiveAnomalyMonitor) on the scorer's reference. */
  readonly monitor: {
    push(tS: number, score: number, perStation: readonly number[]): LiveAnomalyState[];
  };
  readonly metrics?: AnomalyMetrics;
  /** Sees each evaluated window (e.g. the live display). */
  readonly onState?: (s: LiveAnomalyState) => void;
}

export interface AnomalyStage {
  /** The same events with their anomaly score attached, scored in calls of at most batchSize. */
  score(reco: readonly RecoEvent[], frames: readonly HitFrame[], batchSize: number): RecoEvent[];
  /** The events over threshold; candidates[i] belongs to reco[i]. */
  anomalies(reco: readonly RecoEvent[], candidates: readonly Candidate[]): AnomalyEvent[];
}

export function createAnomalyStage(d: AnomalyStageDeps): AnomalyStage {
  const { scorer, metrics: m } = d;
  const ref = scorer.reference;
  const c = scorer.stations;
  m?.budgetHz.set(ref.budgetHz);
  m?.threshold.set(ref.threshold);
  const observe = (s: LiveAnomalyState): void => {
    m?.rateHz.set(s.rateHz);
    m?.driftCritical.set(s.drift.critical);
    s.drift.perStation.forEach((v, k) => m?.drift.set({ station: String(k) }, v));
    d.onState?.(s);
  };
  return {
    score(reco, frames, batchSize) {
      const out = new Array<RecoEvent>(reco.length);
      for (let start = 0; start < reco.length; start += batchSize) {
        const end = Math.min(reco.length, start + batchSize);
        const stop = m?.scoringSeconds.startTimer();
        const s = scorer.score(frames.slice(start, end).map((f) => f.hits));
        stop?.();
        for (let i = start; i < end; i++) {
          const j = i - start;
          const score = s.total[j]!;
          const perStation = new Array<number>(c);
          for (let k = 0; k < c; k++) perStation[k] = s.perStation[j * c + k]!;
          out[i] = { ...reco[i]!, anomaly: { score, perStation } };
          m?.score.observe(score);
          if (score > ref.threshold) m?.anomalous.inc();
          for (const st of d.monitor.push(Number(reco[i]!.timestampNs) / 1e9, score, perStation)) observe(st);
        }
      }
      return out;
    },
    anomalies(reco, candidates) {
      const out: AnomalyEvent[] = [];
      reco.forEach((e, i) => {
        const a = e.anomaly;
        if (a === undefined || !(a.score > ref.threshold)) return;
        out.push({
          runId: e.runId,
          eventId: e.eventId,
          timestampNs: e.timestampNs,
          score: a.score,
          threshold: ref.threshold,
          perStation: a.perStation,
          dominantStation: a.perStation.indexOf(Math.max(...a.perStation)),
          scorer: scorer.name,
          selected: candidates[i]?.selected ?? false,
          reco: {
            status: e.status,
            nHits: e.nHits,
            energyGeV: e.energyGeV,
            dCm: e.dCm,
            xCm: e.xCm,
            yCm: e.yCm,
            fitRmsCm: e.fitRmsCm,
            stationsUsed: e.stationsUsed,
          },
        });
      });
      return out;
    },
  };
}
