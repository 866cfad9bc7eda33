import type { EventClass, Truth } from './frame.js';

/** Why a reconstruction did or did not produce physics values. 'ok' is the only status with finite outputs. */
export const RECO_STATUSES = [
  'ok',
  'no_hits',
  'single_station',
  'no_cluster',
  'out_of_plane',
  'non_finite',
  'too_many_hits',
] as const;
export type RecoStatus = (typeof RECO_STATUSES)[number];

export interface RecoEvent {
  readonly runId: string;
  readonly eventId: string;
  readonly timestampNs: bigint;
  readonly status: RecoStatus;
  /** Human-readable detail for a non-ok status. */
  readonly detail?: string;
  readonly nHits: number;
  /** CNN energy, GeV (NaN-free: 0 when status != ok). */
  readonly energyGeV: number;
  /** CNN longitudinal vertex, cm: distance from origin to the first TT plane (negative upstream). */
  readonly dCm: number;
  /** Transverse origin from clustering + line fit, extrapolated to the vertex, cm. */
  readonly xCm: number;
  readonly yCm: number;
  /** RMS of the straight-line fit through the chosen cluster centres, cm. */
  readonly fitRmsCm: number;
  /** Stations that contributed a cluster. */
  readonly stationsUsed: number;
  /** The event classifier's output (absent when no classifier ran or the status is not ok). */
  readonly classification?: Classification;
  /** The anomaly score of the event (absent when the anomaly path is off). */
  readonly anomaly?: AnomalyScore;
  readonly truth?: Truth;
}

/** The anomaly model's verdict on one event: its score and the per-station terms it combines. */
export interface AnomalyScore {
  /** Larger is less like the ordinary events the model learnt; compared with the model's threshold. */
  readonly score: number;
  /** One term per station, in station order (which station makes the event unusual). */
  readonly perStation: readonly number[];
}

/** An event over the anomaly threshold (topic tt.anomalies, keyed by event id). */
export interface AnomalyEvent {
  readonly runId: string;
  readonly eventId: string;
  readonly timestampNs: bigint;
  readonly score: number;
  /** The threshold in force (the model's calibration for its rate budget). */
  readonly threshold: number;
  readonly perStation: readonly number[];
  /** The station with the largest term. */
  readonly dominantStation: number;
  /** Which model scored it, e.g. "autoencoder" or "student gbt (3 × 80 trees)". */
  readonly scorer: string;
  /** Whether the cut or classifier path selected the same event. */
  readonly selected: boolean;
  /** The event's reconstruction summary (physics values 0 unless status is ok). */
  readonly reco: Pick<
    RecoEvent,
    'status' | 'nHits' | 'energyGeV' | 'dCm' | 'xCm' | 'yCm' | 'fitRmsCm' | 'stationsUsed'
  >;
}

/** An event classifier's verdict: class probabilities from reconstructed quantities only. */
export interface Classification {
  /** Signal probability, 0..1 (what the selection compares with its threshold). */
  readonly score: number;
  /** The most probable class. */
  readonly predictedClass: string;
  /** Probability per class name; they sum to 1. */
  readonly probabilities: Readonly<Record<string, number>>;
}

export interface Candidate {
  readonly event: RecoEvent;
  readonly selected: boolean;
  /** Every cut's outcome, e.g. "energy 12.3 GeV in [1, 100]". */
  readonly reasons: readonly string[];
  /** Set when the candidate falls inside an excess alert window. */
  readonly alertId?: string;
}

export type ExcessMethod = 'window' | 'cusum';

export interface ExcessAlert {
  readonly alertId: string;
  readonly method: ExcessMethod;
  readonly windowStartNs: bigint;
  readonly windowEndNs: bigint;
  readonly observed: number;
  readonly expected: number;
  readonly z: number;
  readonly p: number;
  readonly eventClassHint?: EventClass;
}

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key?: string;
  readonly reason: string;
  readonly errorClass: string;
  /** The original message bytes, or their first bytes when `payloadTruncated` (the record must fit the DLQ topic). */
  readonly payload: Uint8Array;
  readonly receivedAtNs: bigint;
  /** Set when the payload was cut to fit: the original length and SHA-256 (hex) identify it. Kafka headers on the wire. */
  readonly payloadTruncated?: boolean;
  readonly payloadBytes?: number;
  readonly payloadSha256?: string;
}

/**
 * Reconstructs a batch of frames. One RecoEvent per frame, same order; never throws on bad
 * physics input (a non-ok status says why), only on infrastructure failure (e.g. the model).
 */
export interface Reconstructor {
  reconstruct(frames: readonly import('./frame.js').HitFrame[]): Promise<RecoEvent[]>;
  /** e.g. { backend: 'wasm', model: 'coordconv-32' } */
  readonly info: Readonly<{
    backend: string;
    model: string;
    /** Where batches are prepared when not in this thread (e.g. "2 worker threads + this one"). */ preparedBy?: string;
  }>;
  dispose(): void;
  /**
   * The frame as the reconstruction saw it (hot pixels masked, for one that masks them), for those
   * who show what it did (the live display); undefined: the frame itself.
   */
  readonly seen?: (frame: import('./frame.js').HitFrame) => import('./frame.js').HitFrame;
}
