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
