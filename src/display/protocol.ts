/**
 * The live display's wire format: Server-Sent Events and JSON from the trigger's HTTP server to
 * the browser page (web/display). Times: `tMs` wall clock (ms since the epoch); `tS` DAQ event
 * time (s since the epoch); rates in Hz; lengths in cm. Types only: the page imports them too.
 */

export interface DisplayInfo {
  /** e.g. "run (embedded)", "run --brokers", "replay --embedded". */
  readonly mode: string;
  readonly backend: string;
  readonly model: string;
  readonly startedAtMs: number;
  readonly excess: { readonly windowS: number; readonly stepS: number; readonly zThreshold: number };
  readonly geometry: {
    readonly nStations: number;
    readonly stationPitchCm: number;
    readonly planeWidthCm: number;
    readonly planeHeightCm: number;
    readonly pixelPitchMm: number;
  };
}

/** One sample per second of the process' own counters (wall clock). Null: nothing to measure yet. */
export interface OpsPoint {
  readonly tMs: number;
  readonly inputHz: number;
  readonly selectedHz: number;
  readonly latencyP50S: number | null;
  readonly latencyP99S: number | null;
  /** Summed consumer lag over partitions (run --brokers only). */
  readonly lag: number | null;
  readonly inFlight: number;
  readonly deadLettersTotal: number;
}

/** One excess-window evaluation (event time): the selected rate against its expected band. */
export interface WindowPoint {
  /** Window end. */
  readonly tS: number;
  readonly observedHz: number;
  readonly expectedHz: number;
  /** expected ± 2 Poisson sigma of the window count, as a rate. */
  readonly bandLoHz: number;
  readonly bandHiHz: number;
  readonly z: number;
}

/** Reconstructed-event (input) rate per step bin of event time, against its trailing mean. */
export interface InputRatePoint {
  /** Bin end. */
  readonly tS: number;
  readonly hz: number;
  /** Trailing mean and its ± 2 Poisson sigma band; null until the trailing window has filled once. */
  readonly expectedHz: number | null;
  readonly bandLoHz: number | null;
  readonly bandHiHz: number | null;
}

export interface AlertView {
  readonly alertId: string;
  readonly method: string;
  readonly windowStartS: number;
  readonly windowEndS: number;
  readonly observed: number;
  readonly expected: number;
  readonly z: number;
  readonly p: number;
  readonly receivedAtMs: number;
}

export interface CandidateSummary {
  readonly eventId: string;
  readonly runId: string;
  readonly tS: number;
  readonly energyGeV: number;
  readonly dCm: number;
  readonly xCm: number;
  readonly yCm: number;
  readonly nHits: number;
  readonly stationsUsed: number;
  readonly fitRmsCm: number;
  readonly reasons: readonly string[];
  readonly alertId?: string;
  /** Simulation truth class, when the frame carries truth. */
  readonly truthClass?: string;
  /** The event classifier's probability per class, when it ran. */
  readonly probabilities?: Readonly<Record<string, number>>;
}

export interface StationView {
  readonly station: number;
  /** Plane z (station k at k·pitch). */
  readonly zCm: number;
  /** Hits (capped, strongest first), parallel arrays; cluster = rank of its DBSCAN cluster by summed count, −1 noise. */
  readonly hits: {
    readonly xCm: number[];
    readonly yCm: number[];
    readonly count: number[];
    readonly cluster: number[];
  };
  readonly hitsTotal: number;
  /** DBSCAN clusters, largest summed count first; `chosen` marks the one the track uses. */
  readonly clusters: readonly {
    readonly xCm: number;
    readonly yCm: number;
    readonly nHits: number;
    readonly sumCount: number;
    readonly chosen: boolean;
  }[];
}

export interface CandidateDetail extends CandidateSummary {
  readonly stations: readonly StationView[];
  /** The fitted shower axis x = x0 + slopeX·z, y = y0 + slopeY·z; null when no station had a cluster. */
  readonly track: {
    readonly x0Cm: number;
    readonly slopeX: number;
    readonly y0Cm: number;
    readonly slopeY: number;
  } | null;
  /** Reconstructed vertex: the axis at z = d. */
  readonly vertex: { readonly xCm: number; readonly yCm: number; readonly zCm: number };
}

/** An event over the anomaly threshold (tt.anomalies). */
export interface AnomalyView {
  readonly eventId: string;
  readonly tS: number;
  readonly score: number;
  readonly threshold: number;
  readonly perStation: readonly number[];
  readonly dominantStation: number;
  readonly status: string;
  readonly energyGeV: number;
  readonly selected: boolean;
}

/** The anomaly monitor's window (event time): the rate over threshold against the budget, and the drift. */
export interface AnomalyRatePoint {
  readonly tS: number;
  readonly rateHz: number;
  readonly budgetHz: number;
  /** KS distance per station to the calibration reference. */
  readonly drift: readonly number[];
}

export type ServerMessage =
  | {
      readonly type: 'hello';
      readonly info: DisplayInfo;
      readonly ops: readonly OpsPoint[];
      readonly windows: readonly WindowPoint[];
      readonly input: readonly InputRatePoint[];
      readonly alerts: readonly AlertView[];
      readonly candidates: readonly CandidateSummary[];
      readonly latest: CandidateDetail | null;
      /** Present when the anomaly path runs. */
      readonly anomaly?: {
        readonly events: readonly AnomalyView[];
        readonly rate: readonly AnomalyRatePoint[];
      };
    }
  | { readonly type: 'ops'; readonly point: OpsPoint }
  | { readonly type: 'windows'; readonly points: readonly WindowPoint[] }
  | { readonly type: 'input'; readonly points: readonly InputRatePoint[] }
  | { readonly type: 'alerts'; readonly alerts: readonly AlertView[] }
  | { readonly type: 'candidates'; readonly candidates: readonly CandidateSummary[] }
  | { readonly type: 'event'; readonly detail: CandidateDetail }
  | {
      readonly type: 'anomalies';
      readonly events: readonly AnomalyView[];
      readonly rate: readonly AnomalyRatePoint[];
    };

/** GET /display/api/alert?id=…: the alert and the selected candidates inside its window kept with it (most energetic first). */
export interface AlertDetail {
  readonly alert: AlertView;
  readonly candidates: readonly CandidateSummary[];
}
