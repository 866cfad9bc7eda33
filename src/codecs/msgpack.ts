/**
 * MessagePack codecs: header + one msgpack map per message, keys = the Avro field names.
 * Plain maps (no msgpackr record extension) so any msgpack library can read the body.
 * Hits travel as four `bin` fields holding the typed arrays' bytes, little-endian
 * (station: 1 byte per hit; ix, iy, count: 4 bytes per hit): larger than Avro's varints but
 * decoded with one copy per array. 64-bit timestamps are msgpack int64 (bigint in JS).
 */
import { Packr, Unpackr } from 'msgpackr';
import type { z } from 'zod';
import {
  DecodeError,
  eventClassV1,
  exoticFromSymbol,
  exoticSymbol,
  type AnomalyEvent,
  type Candidate,
  type Classification,
  type DeadLetter,
  type ExcessAlert,
  type HitFrame,
  type Hits,
  type RecoEvent,
  type Truth,
} from '../domain/index.js';
import { readVersions, writeVersion, WRITE_VERSIONS, type MessageKind } from './avro-types.js';
import { bodyOf, checkDecodedHits, encodeFailure, withHeader, type Codec } from './codec.js';
import {
  ALERT_WIRE,
  ANOMALY_WIRE,
  CANDIDATE_WIRE,
  DEAD_LETTER_WIRE,
  FRAME_WIRE,
  parseWire,
  RECO_WIRE,
  type RecoWire,
  type TruthWire,
} from './msgpack-wire.js';
import { classifyBodyError, expectHeader, HEADER_BYTES } from './wire.js';

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

function int32Bytes(a: Int32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setInt32(i * 4, a[i]!, true);
  return out;
}

function int32FromBytes(b: Uint8Array, n: number, path: string): Int32Array {
  if (b.length !== n * 4)
    throw new DecodeError('corrupt', `${path}: ${b.length} bytes for ${n} hits (want ${n * 4})`, {
      field: path,
    });
  if (LITTLE_ENDIAN) return new Int32Array(new Uint8Array(b).buffer); // an aligned copy we own
  const out = new Int32Array(n);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < n; i++) out[i] = dv.getInt32(i * 4, true);
  return out;
}

type Wire = Record<string, unknown>;

/** As the Avro records: eventClass the nearest v1 class; frames (v2) add `interaction`, the class itself. */
function truthOut(t: Truth, v2 = false): Wire {
  const w: Wire = {
    eventClass: eventClassV1(t.eventClass),
    energyGeV: t.energyGeV,
    x0Cm: t.x0Cm,
    y0Cm: t.y0Cm,
    dCm: t.dCm,
    slopeX: t.slopeX,
    slopeY: t.slopeY,
  };
  if (v2) w['interaction'] = t.eventClass;
  // frames v3: the exotic class, as its Avro symbol
  if (v2 && t.exotic !== undefined) w['exotic'] = exoticSymbol(t.exotic);
  return w;
}
function truthIn(t: TruthWire | null | undefined): Truth | undefined {
  if (t === undefined || t === null) return undefined;
  const { eventClass, interaction, energyGeV, x0Cm, y0Cm, dCm, slopeX, slopeY } = t;
  const base = { eventClass: interaction ?? eventClass, energyGeV, x0Cm, y0Cm, dCm, slopeX, slopeY };
  const exotic = t.exotic === undefined || t.exotic === null ? undefined : exoticFromSymbol(t.exotic);
  return exotic === undefined ? base : { ...base, exotic };
}

/** Adds `key: value` only when value is defined (optional fields are omitted on the wire). */
function opt<T extends object, K extends string, V>(
  o: T,
  key: K,
  v: V | undefined,
): T & Partial<Record<K, V>> {
  return v === undefined ? o : { ...o, [key]: v };
}

function frameOut(f: HitFrame): Wire {
  const h = f.hits;
  const hits = { station: h.station, ix: int32Bytes(h.ix), iy: int32Bytes(h.iy), count: int32Bytes(h.count) };
  return opt(
    { runId: f.runId, eventId: f.eventId, timestampNs: f.timestampNs, hits },
    'truth',
    f.truth && truthOut(f.truth, true),
  );
}
function frameIn(w: z.output<typeof FRAME_WIRE>): HitFrame {
  const station = new Uint8Array(w.hits.station);
  const n = station.length;
  const hits: Hits = {
    station,
    ix: int32FromBytes(w.hits.ix, n, 'frame.hits.ix'),
    iy: int32FromBytes(w.hits.iy, n, 'frame.hits.iy'),
    count: int32FromBytes(w.hits.count, n, 'frame.hits.count'),
  };
  checkDecodedHits(hits, station);
  const base = { runId: w.runId, eventId: w.eventId, timestampNs: BigInt(w.timestampNs), hits };
  return opt(base, 'truth', truthIn(w.truth));
}

/** Candidates carry no anomaly score (candidate schemas stay as they are). */
function recoOut(e: RecoEvent, withAnomaly = true): Wire {
  const o = {
    runId: e.runId,
    eventId: e.eventId,
    timestampNs: e.timestampNs,
    status: e.status,
    nHits: e.nHits,
    energyGeV: e.energyGeV,
    dCm: e.dCm,
    xCm: e.xCm,
    yCm: e.yCm,
    fitRmsCm: e.fitRmsCm,
    stationsUsed: e.stationsUsed,
  };
  const c = e.classification;
  const classification = c && {
    score: c.score,
    predictedClass: c.predictedClass,
    probabilities: { ...c.probabilities },
  };
  const a = withAnomaly ? e.anomaly : undefined;
  // Versions 2 and 3 (with a classification or an anomaly score) carry the full class in truth.interaction, as frames do.
  const w = opt(
    opt(
      opt(o, 'detail', e.detail),
      'truth',
      e.truth && truthOut(e.truth, c !== undefined || a !== undefined),
    ),
    'classification',
    classification,
  );
  return opt(w, 'anomaly', a && { score: a.score, perStation: [...a.perStation] });
}

function recoIn(w: RecoWire): RecoEvent {
  const { detail, truth, classification: c, anomaly: a, ...base } = w;
  const classification: Classification | undefined = c
    ? { ...c, probabilities: { ...c.probabilities } }
    : undefined;
  const withTs = { ...base, timestampNs: BigInt(base.timestampNs) };
  const withClass = opt(
    opt(opt(withTs, 'detail', detail ?? undefined), 'truth', truthIn(truth)),
    'classification',
    classification,
  );
  return opt(withClass, 'anomaly', a ? { score: a.score, perStation: [...a.perStation] } : undefined);
}

function candidateOut(c: Candidate): Wire {
  return opt(
    { event: recoOut(c.event, false), selected: c.selected, reasons: [...c.reasons] },
    'alertId',
    c.alertId,
  );
}
function candidateIn(w: z.output<typeof CANDIDATE_WIRE>): Candidate {
  const base = { event: recoIn(w.event), selected: w.selected, reasons: w.reasons };
  return opt(base, 'alertId', w.alertId ?? undefined);
}

function alertOut(a: ExcessAlert): Wire {
  const o = {
    alertId: a.alertId,
    method: a.method,
    windowStartNs: a.windowStartNs,
    windowEndNs: a.windowEndNs,
    observed: a.observed,
    expected: a.expected,
    z: a.z,
    p: a.p,
  };
  return opt(o, 'eventClassHint', a.eventClassHint && eventClassV1(a.eventClassHint));
}
function alertIn(w: z.output<typeof ALERT_WIRE>): ExcessAlert {
  const { eventClassHint, windowStartNs, windowEndNs, ...base } = w;
  const window = { windowStartNs: BigInt(windowStartNs), windowEndNs: BigInt(windowEndNs) };
  return opt({ ...base, ...window }, 'eventClassHint', eventClassHint ?? undefined);
}

function deadLetterOut(d: DeadLetter): Wire {
  const o = {
    topic: d.topic,
    partition: d.partition,
    offset: d.offset,
    reason: d.reason,
    errorClass: d.errorClass,
    payload: d.payload,
    receivedAtNs: d.receivedAtNs,
  };
  return opt(o, 'key', d.key);
}
function deadLetterIn(w: z.output<typeof DEAD_LETTER_WIRE>): DeadLetter {
  const { key, payload, receivedAtNs, ...base } = w;
  const copied = { ...base, payload: new Uint8Array(payload), receivedAtNs: BigInt(receivedAtNs) };
  return opt(copied, 'key', key ?? undefined);
}

function anomalyOut(a: AnomalyEvent): Wire {
  return { ...a, perStation: [...a.perStation], reco: { ...a.reco } };
}
function anomalyIn(w: z.output<typeof ANOMALY_WIRE>): AnomalyEvent {
  return { ...w, timestampNs: BigInt(w.timestampNs), perStation: [...w.perStation], reco: { ...w.reco } };
}

export interface MsgpackCodecs {
  readonly frame: Codec<HitFrame>;
  readonly reco: Codec<RecoEvent>;
  readonly candidate: Codec<Candidate>;
  readonly alert: Codec<ExcessAlert>;
  readonly deadLetter: Codec<DeadLetter>;
  readonly anomaly: Codec<AnomalyEvent>;
}

export function createMsgpackCodecs(): MsgpackCodecs {
  // One packer/unpacker pair per codec set: msgpackr instances keep per-instance buffers.
  const packr = new Packr({ useRecords: false, int64AsType: 'bigint', moreTypes: false });
  const unpackr = new Unpackr({
    useRecords: false,
    int64AsType: 'bigint',
    mapsAsObjects: true,
    moreTypes: false,
  });
  /**
   * msgpack has no schema to enforce on encode, so encode checks the wire object with the
   * schema decode parses it with: what is written is always decodable.
   */
  const make = <T, S extends z.ZodType>(
    kind: MessageKind,
    out: (v: T) => Wire,
    schema: S,
    into: (w: z.output<S>) => T,
  ): Codec<T> => {
    const version = WRITE_VERSIONS[kind];
    const versions = readVersions(kind);
    return {
      name: 'msgpack',
      kind,
      schemaVersion: version,
      encode(value: T): Buffer {
        let body: Uint8Array;
        try {
          const w = out(value);
          parseWire(schema, w, kind);
          body = packr.pack(w);
        } catch (e) {
          throw encodeFailure('msgpack', kind, e);
        }
        return withHeader('msgpack', kind, writeVersion(kind, value), body);
      },
      decode(bytes: Uint8Array): T {
        expectHeader(bytes, 'msgpack', kind, versions);
        if (bytes.length === HEADER_BYTES) throw new DecodeError('truncated', `msgpack ${kind}: empty body`);
        try {
          return into(parseWire(schema, unpackr.unpack(bodyOf(bytes)), kind));
        } catch (e) {
          throw classifyBodyError(e, 'msgpack', kind);
        }
      },
    };
  };
  return {
    frame: make('frame', frameOut, FRAME_WIRE, frameIn),
    reco: make('reco', recoOut, RECO_WIRE, recoIn),
    candidate: make('candidate', candidateOut, CANDIDATE_WIRE, candidateIn),
    alert: make('alert', alertOut, ALERT_WIRE, alertIn),
    deadLetter: make('deadLetter', deadLetterOut, DEAD_LETTER_WIRE, deadLetterIn),
    anomaly: make('anomaly', anomalyOut, ANOMALY_WIRE, anomalyIn),
  };
}
