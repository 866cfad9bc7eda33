/**
 * Avro codecs: header + plain Avro binary of the schema version named in the header.
 * Records mirror the domain types; optional fields are `null` on the wire, absent in the domain.
 */
import type avsc from 'avsc';
import type {
  AnomalyEvent,
  Candidate,
  DeadLetter,
  EventClass,
  ExcessAlert,
  ExcessMethod,
  HitFrame,
  RecoEvent,
  RecoStatus,
} from '../domain/index.js';
import { eventClassV1 } from '../domain/index.js';
import {
  frameFromRecord,
  frameToRecord,
  truthFromRecord,
  truthToRecord,
  type TruthRecordV2,
} from './avro-frame.js';
import { avroType, readVersions, writeVersion, type MessageKind } from './avro-types.js';
import { bodyOf, encodeFailure, type Codec } from './codec.js';
import { classifyBodyError, expectHeader, HEADER_BYTES, headerBytes } from './wire.js';

interface RecoRecord extends Omit<RecoEvent, 'detail' | 'truth' | 'classification' | 'anomaly'> {
  detail: string | null;
  truth: TruthRecordV2 | null;
  /** Version 2 only (absent from a decoded v1 record). */
  classification?: { score: number; predictedClass: string; probabilities: Record<string, number> } | null;
  /** Version 3 only (absent from a decoded v1 or v2 record). */
  anomaly?: { score: number; perStation: number[] } | null;
}
interface AnomalyRecord extends Omit<AnomalyEvent, 'perStation' | 'reco'> {
  perStation: number[];
  reco: AnomalyEvent['reco'];
}
interface CandidateRecord {
  event: RecoRecord;
  selected: boolean;
  reasons: string[];
  alertId: string | null;
}
interface AlertRecord extends Omit<ExcessAlert, 'eventClassHint'> {
  eventClassHint: EventClass | null;
}
interface DeadLetterRecord extends Omit<DeadLetter, 'key' | 'payload'> {
  key: string | null;
  payload: Buffer;
}

/** Candidates carry no anomaly score (it travels in tt.reco and tt.anomalies): candidate schemas stay as they are. */
function recoToRecord(e: RecoEvent, withAnomaly = true): RecoRecord {
  const a = withAnomaly ? e.anomaly : undefined;
  return {
    runId: e.runId,
    eventId: e.eventId,
    timestampNs: e.timestampNs,
    status: e.status,
    detail: e.detail ?? null,
    nHits: e.nHits,
    energyGeV: e.energyGeV,
    dCm: e.dCm,
    xCm: e.xCm,
    yCm: e.yCm,
    fitRmsCm: e.fitRmsCm,
    stationsUsed: e.stationsUsed,
    // Versions 2 and 3 carry the full class in truth.interaction, as frames do.
    truth:
      e.truth === undefined
        ? null
        : e.classification === undefined && a === undefined
          ? truthToRecord(e.truth)
          : { ...truthToRecord(e.truth)!, interaction: e.truth.eventClass },
    ...(e.classification === undefined
      ? {}
      : { classification: { ...e.classification, probabilities: { ...e.classification.probabilities } } }),
    // Version 3: the classification field is written too (null when absent).
    ...(a === undefined
      ? {}
      : {
          classification:
            e.classification === undefined
              ? null
              : { ...e.classification, probabilities: { ...e.classification.probabilities } },
          anomaly: { score: a.score, perStation: [...a.perStation] },
        }),
  };
}

function recoFromRecord(r: RecoRecord): RecoEvent {
  const e: { -readonly [K in keyof RecoEvent]: RecoEvent[K] } = {
    runId: r.runId,
    eventId: r.eventId,
    timestampNs: r.timestampNs,
    status: r.status as RecoStatus,
    nHits: r.nHits,
    energyGeV: r.energyGeV,
    dCm: r.dCm,
    xCm: r.xCm,
    yCm: r.yCm,
    fitRmsCm: r.fitRmsCm,
    stationsUsed: r.stationsUsed,
  };
  if (r.detail !== null) e.detail = r.detail;
  if (r.truth !== null) e.truth = truthFromRecord(r.truth);
  const c = r.classification;
  if (c !== undefined && c !== null)
    e.classification = {
      score: c.score,
      predictedClass: c.predictedClass,
      probabilities: { ...c.probabilities },
    };
  const a = r.anomaly;
  if (a !== undefined && a !== null) e.anomaly = { score: a.score, perStation: [...a.perStation] };
  return e;
}

function candidateToRecord(c: Candidate): CandidateRecord {
  return {
    event: recoToRecord(c.event, false),
    selected: c.selected,
    reasons: [...c.reasons],
    alertId: c.alertId ?? null,
  };
}
function candidateFromRecord(r: CandidateRecord): Candidate {
  const base = { event: recoFromRecord(r.event), selected: r.selected, reasons: r.reasons };
  return r.alertId === null ? base : { ...base, alertId: r.alertId };
}

function alertToRecord(a: ExcessAlert): AlertRecord {
  return {
    alertId: a.alertId,
    method: a.method,
    windowStartNs: a.windowStartNs,
    windowEndNs: a.windowEndNs,
    observed: a.observed,
    expected: a.expected,
    z: a.z,
    p: a.p,
    eventClassHint: a.eventClassHint === undefined ? null : eventClassV1(a.eventClassHint),
  };
}
function alertFromRecord(r: AlertRecord): ExcessAlert {
  const { eventClassHint, ...rest } = r;
  const base = { ...rest, method: rest.method as ExcessMethod };
  return eventClassHint === null ? base : { ...base, eventClassHint };
}

function deadLetterToRecord(d: DeadLetter): DeadLetterRecord {
  return {
    topic: d.topic,
    partition: d.partition,
    offset: d.offset,
    key: d.key ?? null,
    reason: d.reason,
    errorClass: d.errorClass,
    payload: Buffer.from(d.payload.buffer, d.payload.byteOffset, d.payload.byteLength),
    receivedAtNs: d.receivedAtNs,
  };
}
function deadLetterFromRecord(r: DeadLetterRecord): DeadLetter {
  const { key, payload, ...rest } = r;
  // Copy: avsc hands out slices of a shared pool.
  const base = { ...rest, payload: new Uint8Array(payload) };
  return key === null ? base : { ...base, key };
}

function anomalyToRecord(a: AnomalyEvent): AnomalyRecord {
  return { ...a, perStation: [...a.perStation], reco: { ...a.reco } };
}
function anomalyFromRecord(r: AnomalyRecord): AnomalyEvent {
  return {
    runId: r.runId,
    eventId: r.eventId,
    timestampNs: r.timestampNs,
    score: r.score,
    threshold: r.threshold,
    perStation: [...r.perStation],
    dominantStation: r.dominantStation,
    scorer: r.scorer,
    selected: r.selected,
    reco: {
      status: r.reco.status as RecoStatus,
      nHits: r.reco.nHits,
      energyGeV: r.reco.energyGeV,
      dCm: r.reco.dCm,
      xCm: r.reco.xCm,
      yCm: r.reco.yCm,
      fitRmsCm: r.reco.fitRmsCm,
      stationsUsed: r.reco.stationsUsed,
    },
  };
}

function avroCodec<T, R>(kind: MessageKind, toRecord: (v: T) => R, fromRecord: (r: R) => T): Codec<T> {
  const versions = readVersions(kind);
  const version = Math.max(...versions);
  const types = new Map<number, avsc.Type>(versions.map((v) => [v, avroType(kind, v)]));
  const headers = new Map<number, Uint8Array>(versions.map((v) => [v, headerBytes('avro', kind, v)]));
  // Encode into a growable scratch buffer: avsc's toBuffer encodes anything over 1 KiB twice,
  // the first time writing past the end of a fixed 1 KiB buffer (slow).
  let scratch = Buffer.allocUnsafe(16 * 1024);
  return {
    name: 'avro',
    kind,
    schemaVersion: version,
    encode(value: T): Buffer {
      let end: number;
      const v = writeVersion(kind, value);
      const type = types.get(v)!;
      try {
        const rec = toRecord(value);
        end = type.encode(rec, scratch, HEADER_BYTES);
        if (end < 0) {
          scratch = Buffer.allocUnsafe(Math.max(2 * scratch.length, scratch.length - end));
          end = type.encode(rec, scratch, HEADER_BYTES);
        }
      } catch (e) {
        throw encodeFailure('avro', kind, e);
      }
      scratch.set(headers.get(v)!, 0);
      const out = Buffer.allocUnsafe(end);
      scratch.copy(out, 0, 0, end);
      return out;
    },
    decode(bytes: Uint8Array): T {
      const h = expectHeader(bytes, 'avro', kind, versions);
      try {
        // each version's body is read with its own schema; fromRecord accepts every version's record
        return fromRecord(types.get(h.version)!.fromBuffer(bodyOf(bytes)) as R);
      } catch (e) {
        throw classifyBodyError(e, 'avro', kind);
      }
    },
  };
}

export interface AvroCodecs {
  readonly frame: Codec<HitFrame>;
  readonly reco: Codec<RecoEvent>;
  readonly candidate: Codec<Candidate>;
  readonly alert: Codec<ExcessAlert>;
  readonly deadLetter: Codec<DeadLetter>;
  readonly anomaly: Codec<AnomalyEvent>;
}

export function createAvroCodecs(): AvroCodecs {
  return {
    frame: avroCodec('frame', frameToRecord, frameFromRecord),
    reco: avroCodec('reco', recoToRecord, recoFromRecord),
    candidate: avroCodec('candidate', candidateToRecord, candidateFromRecord),
    alert: avroCodec('alert', alertToRecord, alertFromRecord),
    deadLetter: avroCodec('deadLetter', deadLetterToRecord, deadLetterFromRecord),
    anomaly: avroCodec('anomaly', anomalyToRecord, anomalyFromRecord),
  };
}
