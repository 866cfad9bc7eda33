/** The pipeline's configuration (with its defaults from the config schema) and its dependencies. */
import { type Observable } from 'rxjs';
import {
  type AnomalyEvent,
  type Plausibility,
  type Candidate,
  type DeadLetter,
  type DetectorGeometry,
  type ExcessAlert,
  type HitFrame,
  type RecoEvent,
  type RecoStatus,
  type Reconstructor,
} from '../domain/index.js';
import { DEFAULT_RECONSTRUCTION, DEFAULT_VALIDATION, type TriggerConfig } from '../config/index.js';
import { type Logger, type Metrics } from '../telemetry/index.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { type BatchReport } from './report.js';
import type { AnomalyStage } from './anomaly-stage.js';
import { type PipelineInput, type PipelineTap, type Sink } from './types.js';

export interface PipelineConfig {
  readonly geometry: DetectorGeometry;
  readonly trigger: TriggerConfig;
  /** checkHits limit (reconstruction.maxHits). */
  readonly maxHits: number;
  /** Frames per reconstruction call; single input messages are grouped into batches of this size ... */
  readonly batchSize: number;
  /** ... or flushed this long after the first message of a group. */
  readonly batchTimeoutMs: number;
  /** Input batches in the stateless stages at once. */
  readonly maxConcurrentBatches: number;
  readonly retry: RetryPolicy;
  /** checkHits statuses that mean corrupt input (dead-lettered); other non-ok statuses are physics. */
  readonly deadLetterStatuses: readonly RecoStatus[];
  /** Also write rejected candidates to the candidates sink (default: selected ones only). */
  readonly writeRejectedCandidates: boolean;
  /**
   * 'inline': this pipeline runs the excess monitor (one in-order stream; library use and tests);
   * 'downstream' (the trigger's modes): the excess stage does (app/excess-runtime.ts).
   */
  readonly excess: 'inline' | 'downstream';
  /** Content plausibility limits (config `validation`). */
  readonly plausibility: Plausibility;
  /** Distinct event ids remembered for collision detection (0: off). */
  readonly duplicateIdWindow: number;
  /** Largest dead-letter record the DLQ accepts (Kafka: from its max.message.bytes); Infinity: no limit. */
  readonly maxDeadLetterBytes: number;
  /**
   * Selection by the event classifier: the signal-probability threshold in force (the reconstructor
   * attaches the scores). Absent: the cut list of trigger.selection decides.
   */
  readonly classifierThreshold?: number;
}

export const DEFAULT_PIPELINE: Omit<PipelineConfig, 'geometry' | 'trigger'> = {
  // Configured values: the schema's defaults (src/config), never a second copy of them here.
  maxHits: DEFAULT_RECONSTRUCTION.maxHits,
  batchSize: DEFAULT_RECONSTRUCTION.batchSize,
  batchTimeoutMs: DEFAULT_RECONSTRUCTION.batchTimeoutMs,
  maxConcurrentBatches: 2,
  retry: DEFAULT_RETRY,
  deadLetterStatuses: ['non_finite', 'out_of_plane', 'too_many_hits'],
  writeRejectedCandidates: false,
  excess: 'inline',
  plausibility: DEFAULT_VALIDATION,
  duplicateIdWindow: DEFAULT_VALIDATION.duplicateIdWindow,
  maxDeadLetterBytes: Infinity,
};

export interface PipelineSinks {
  readonly reco: Sink<RecoEvent>;
  readonly candidates: Sink<Candidate>;
  readonly alerts: Sink<ExcessAlert>;
  readonly deadLetters: Sink<DeadLetter>;
  /** Events over the anomaly threshold (tt.anomalies); needed only with the anomaly path. */
  readonly anomalies?: Sink<AnomalyEvent>;
}

export interface PipelineDeps {
  /** Bytes → frame; throws DecodeError for bad bytes. */
  readonly decode: (bytes: Uint8Array) => HitFrame;
  readonly reconstructor: Reconstructor;
  readonly sinks: PipelineSinks;
  readonly metrics: Metrics;
  readonly logger?: Logger;
  /** Wall clock, ns since the epoch (latency metric, stamping messages without receivedAtNs). */
  readonly clock?: () => bigint;
  /** Sees each acknowledged batch's reconstructed events and selected candidates (with frames). */
  readonly tap?: PipelineTap;
  /** The anomaly path: scores every reconstructed event; over-threshold ones go to sinks.anomalies. */
  readonly anomaly?: AnomalyStage;
}

export interface Pipeline {
  /** Wires the stages onto an input stream; subscribe to run. Emits one report per acked batch. */
  run(input$: Observable<PipelineInput>): Observable<BatchReport>;
}
