/**
 * The pipeline's boundary types. Sources (Kafka, files, memory) hand the pipeline raw messages,
 * singly or in batches, each with an optional ack; sinks take arrays of outputs and resolve once
 * the outputs are durable (for Kafka: acknowledged by the brokers).
 *
 * Handshake with a source: the pipeline calls a batch's ack (or, for single messages, each
 * message's ack, in input order) only after every sink resolved the outputs derived from it. A
 * source bounds memory by holding back further input while too many messages are unacknowledged
 * (the Kafka source awaits the ack inside eachBatch; the memory source has maxUnacked).
 */
import type { AnomalyEvent, Candidate, HitFrame, RecoEvent } from '../domain/index.js';

export type Ack = () => void | Promise<void>;

export interface InputMessage {
  /** Kafka key (the event id); Buffers are read as UTF-8. */
  readonly key?: string | Uint8Array | null;
  readonly value: Uint8Array;
  /** When the message entered this process, ns since the epoch; stamped by the pipeline if absent. */
  readonly receivedAtNs?: bigint;
  /** Provenance for dead letters. */
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: string;
  /** Broker timestamp of the record, ms since the epoch (Kafka sources). */
  readonly timestampMs?: number;
  readonly ack?: Ack;
}

export interface InputBatch {
  readonly messages: readonly InputMessage[];
  readonly ack?: Ack;
  /**
   * Called once the batch is reconstructed and its outputs are being written (before the ack): a
   * source may fetch the next input meanwhile (the pipelined Kafka source). Never a commit signal.
   */
  readonly release?: () => void;
}

export type PipelineInput = InputMessage | InputBatch;

export function isInputBatch(x: PipelineInput): x is InputBatch {
  return Array.isArray((x as InputBatch).messages);
}

/** Where written items came from, for sinks that must keep the input's partitioning. */
export interface WriteContext {
  /**
   * The input partition every item derives from. Candidates are written to the same partition
   * number, so each candidates partition stays in event-time order (what the excess stage's
   * watermark relies on). Absent when the items mix partitions or have none (in-process input).
   */
  readonly partition?: number;
}

/** A destination for outputs. write resolves when the items are durably accepted; it must be idempotent by key. */
export interface Sink<T> {
  write(items: readonly T[], ctx?: WriteContext): Promise<void>;
}

/**
 * An observer of what the pipeline reconstructed and selected (e.g. the live display: alerts and
 * window evaluations it takes from the BatchReports, which the global excess stage emits too).
 * Called synchronously once per acknowledged batch, after its outputs were written; it must return
 * quickly and never block: the pipeline does not wait for it, and an exception it throws is logged
 * and ignored.
 */
export interface PipelineTap {
  onBatch(b: TapBatch): void;
}

export interface TapBatch {
  /** Input messages of the batch (dead letters included). */
  readonly messages: number;
  /** Every reconstructed event of the batch (selected or not), in input order. */
  readonly reco: readonly RecoEvent[];
  /** The selected candidates (alert id set where known) with the frames they came from. */
  readonly selected: readonly { readonly candidate: Candidate; readonly frame: HitFrame }[];
  /** Events over the anomaly threshold (absent or empty without the anomaly path). */
  readonly anomalies?: readonly AnomalyEvent[];
}
