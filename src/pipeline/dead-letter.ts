/**
 * Dead letters: an input message that cannot be processed, with its reason and provenance. A dead
 * letter must itself fit the dead-letter topic (else writing it fails for good and the partition
 * stops: a poison pill). fitDeadLetter keeps the payload whole when it fits and otherwise its first
 * bytes, marked truncated, with the original length and SHA-256; an oversized key is cut likewise.
 */
import { createHash } from 'node:crypto';
import type { DeadLetter } from '../domain/index.js';
import type { InputMessage } from './types.js';

/** Longest key (UTF-8 bytes) a dead letter keeps; longer ones keep a prefix and their hash. */
export const MAX_DEAD_LETTER_KEY_BYTES = 256;
/** Room for the envelope (topic, offset, reason, error class, headers, codec framing). */
const ENVELOPE_BYTES = 2048;

export function keyOf(m: InputMessage): string | undefined {
  if (m.key === undefined || m.key === null) return undefined;
  return typeof m.key === 'string'
    ? m.key
    : Buffer.from(m.key.buffer, m.key.byteOffset, m.key.byteLength).toString('utf8');
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function fitKey(key: string): string {
  if (Buffer.byteLength(key) <= MAX_DEAD_LETTER_KEY_BYTES) return key;
  const suffix = `…sha256:${sha256Hex(key).slice(0, 16)}`;
  let cut = Buffer.from(key)
    .subarray(0, MAX_DEAD_LETTER_KEY_BYTES - suffix.length - 4)
    .toString('utf8');
  cut = cut.replace(/\uFFFD+$/, '');
  return cut + suffix;
}

/** A dead letter whose record stays within maxRecordBytes (Infinity: keep everything). */
export function fitDeadLetter(d: DeadLetter, maxRecordBytes: number): DeadLetter {
  const key = d.key === undefined ? undefined : fitKey(d.key);
  const room =
    maxRecordBytes -
    ENVELOPE_BYTES -
    Buffer.byteLength(d.topic) -
    Buffer.byteLength(d.reason) -
    Buffer.byteLength(d.errorClass) -
    2 * (key === undefined ? 0 : Buffer.byteLength(key));
  const fitted = key === d.key ? d : { ...d, ...(key === undefined ? {} : { key }) };
  if (d.payload.byteLength <= room) return fitted;
  return {
    ...fitted,
    payload: d.payload.slice(0, Math.max(0, room)),
    payloadTruncated: true,
    payloadBytes: d.payload.byteLength,
    payloadSha256: sha256Hex(d.payload),
  };
}

export function deadLetter(
  m: InputMessage,
  reason: string,
  errorClass: string,
  receivedAtNs: bigint,
  maxRecordBytes = Infinity,
): DeadLetter {
  const key = keyOf(m);
  return fitDeadLetter(
    {
      topic: m.topic ?? 'unknown',
      partition: m.partition ?? -1,
      offset: m.offset ?? '-1',
      ...(key === undefined ? {} : { key }),
      reason,
      errorClass,
      payload: m.value,
      receivedAtNs,
    },
    maxRecordBytes,
  );
}

/** The Kafka record key of a dead letter: the input key, else its provenance. */
export function deadLetterKey(d: DeadLetter): string {
  return d.key ?? `${d.topic}/${d.partition}/${d.offset}`;
}

/** Kafka record headers of a dead letter: the payload's length and hash, and whether it was truncated. */
export function deadLetterHeaders(d: DeadLetter): Record<string, string> {
  const h: Record<string, string> = { 'showertrig.reason': d.reason };
  if (d.payloadTruncated === true) {
    h['showertrig.payload.truncated'] = 'true';
    h['showertrig.payload.bytes'] = String(d.payloadBytes);
    h['showertrig.payload.sha256'] = d.payloadSha256 ?? '';
  }
  return h;
}
