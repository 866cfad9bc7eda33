/**
 * Shower-candidate selection, in one of two modes:
 * - cuts (the baseline): a fixed list of cuts, each evaluated on every event (no early exit), so
 *   a rejected event tells every reason it failed, not just the first;
 * - classifier: a reconstructed event is selected when the event classifier's signal
 *   probability (carried in the RecoEvent) reaches the threshold.
 * Reason strings read "<cut>: pass|fail (<value> <relation> <limit>)".
 */
import type { Candidate, DetectorGeometry, RecoEvent } from '../domain/index.js';
import { ConfigError, type SelectionConfig } from '../config/index.js';

export interface SelectorConfig {
  readonly selection: SelectionConfig;
  /** The plane size defines the fiducial area (plane minus the margin on each side). */
  readonly geometry: Pick<DetectorGeometry, 'planeWidthCm' | 'planeHeightCm'>;
  /** Classifier mode: the signal-probability threshold in force (undefined: the cut list decides). */
  readonly classifierThreshold?: number;
}

export interface CutOutcome {
  readonly cut: 'status' | 'energy' | 'fiducial' | 'stations' | 'hits' | 'fit_rms' | 'classifier';
  readonly pass: boolean;
  readonly detail: string;
}

export interface Selector {
  /** The candidate for one event: selected iff every cut passes; reasons list every cut. */
  select(event: RecoEvent): Candidate;
  /** The individual cut outcomes of the cut list (what select() turns into reason strings in cuts mode). */
  cuts(event: RecoEvent): CutOutcome[];
  /** 'classifier' when the classifier's score decides, else 'cuts'. */
  readonly mode: 'cuts' | 'classifier';
  /** Fiducial half-widths, cm: |x| ≤ halfX and |y| ≤ halfY. */
  readonly fiducial: Readonly<{ halfXCm: number; halfYCm: number }>;
}

const f2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : String(v));

export function createSelector(config: SelectorConfig): Selector {
  const s = config.selection;
  const halfXCm = config.geometry.planeWidthCm / 2 - s.fiducialMarginCm;
  const halfYCm = config.geometry.planeHeightCm / 2 - s.fiducialMarginCm;
  if (!(halfXCm > 0) || !(halfYCm > 0)) {
    throw new ConfigError(
      'trigger.selection.fiducialMarginCm',
      `a margin that leaves a fiducial area on the ${config.geometry.planeWidthCm} x ${config.geometry.planeHeightCm} cm plane`,
      s.fiducialMarginCm,
    );
  }
  const [eLo, eHi] = s.energyWindowGeV;

  const cuts = (e: RecoEvent): CutOutcome[] => {
    const ok = e.status === 'ok';
    const inX = Math.abs(e.xCm) <= halfXCm;
    const inY = Math.abs(e.yCm) <= halfYCm;
    return [
      { cut: 'status', pass: ok, detail: ok ? 'ok' : `${e.status}${e.detail ? `: ${e.detail}` : ''}` },
      {
        cut: 'energy',
        pass: ok && e.energyGeV >= eLo && e.energyGeV <= eHi,
        detail: `${f2(e.energyGeV)} GeV ${e.energyGeV >= eLo && e.energyGeV <= eHi ? 'in' : 'outside'} [${eLo}, ${eHi}]`,
      },
      {
        cut: 'fiducial',
        pass: ok && inX && inY,
        detail: `x ${f2(e.xCm)} cm ${inX ? '<=' : '>'} ${f2(halfXCm)}, y ${f2(e.yCm)} cm ${inY ? '<=' : '>'} ${f2(halfYCm)} (abs)`,
      },
      {
        cut: 'stations',
        pass: e.stationsUsed >= s.minStations,
        detail: `${e.stationsUsed} ${e.stationsUsed >= s.minStations ? '>=' : '<'} ${s.minStations}`,
      },
      {
        cut: 'hits',
        pass: e.nHits >= s.minHits,
        detail: `${e.nHits} ${e.nHits >= s.minHits ? '>=' : '<'} ${s.minHits}`,
      },
      {
        cut: 'fit_rms',
        pass: ok && e.fitRmsCm <= s.maxFitRmsCm,
        detail: `${f2(e.fitRmsCm)} cm ${e.fitRmsCm <= s.maxFitRmsCm ? '<=' : '>'} ${s.maxFitRmsCm}`,
      },
    ];
  };

  const thr = config.classifierThreshold;
  const classifierOutcomes = (e: RecoEvent): CutOutcome[] => {
    const ok = e.status === 'ok';
    const score = e.classification?.score;
    const pass = ok && score !== undefined && score >= thr!;
    return [
      { cut: 'status', pass: ok, detail: ok ? 'ok' : `${e.status}${e.detail ? `: ${e.detail}` : ''}` },
      {
        cut: 'classifier',
        pass,
        detail:
          score === undefined
            ? 'no score'
            : `${score.toFixed(2)} ${score >= thr! ? '>=' : '<'} ${thr!.toFixed(2)}`,
      },
    ];
  };

  return {
    fiducial: { halfXCm, halfYCm },
    cuts,
    mode: thr === undefined ? 'cuts' : 'classifier',
    select(event) {
      const outcomes = thr === undefined ? cuts(event) : classifierOutcomes(event);
      return {
        event,
        selected: outcomes.every((o) => o.pass),
        reasons: outcomes.map((o) => `${o.cut}: ${o.pass ? 'pass' : 'fail'} (${o.detail})`),
      };
    },
  };
}
