/**
 * MessagePack codecs: header + one msgpack map per message, keys = the Avro field names.
 * Plain maps (no msgpackr record extension) so any msgpack library can read the body.
 * Hits travel as four `bin` fields holding the typed arrays' bytes, little-endian
 * (station: 1 byte per hit; ix, iy, count: 4 bytes per hit): larger than Avro's varints but
 * decoded with one copy per array. 64-bit timestamps are msgpack int64 (bigint in JS).
 */
import { Packr, Unpackr } from 'msgpackr';
import {
  DecodeError,
  EVENT_CLASSES,
  EVENT_CLASSES_V1,
  eventClassV1,
  RECO_STATUSES,
  type AnomalyEvent,
  type Candidate,
  type DeadLetter,
  type ExcessAlert,
  type HitFrame,
  type Hits,
  type RecoEvent,
  type Truth,
} from '../domain/index.js';
import { readVersions, writeVersion, WRITE_VERSIONS, type MessageKind } from './avro-types.js';
import { bodyOf, checkDecodedHits, encodeFailure, withHeader, type Codec } from './codec.js';
import { bool, bytes, int32, int64, num, obj, oneOf, optStr, str, strList, type Obj } from './shape.js';
import { classifyBodyError, expectHeader, HEADER_BYTES } from './wire.js';
import {
  anomalyIn,
  anomalyOut,
  anomalyScoreIn,
  classificationIn,
  classificationOut,
  int32Bytes,
  int32FromBytes,
} from './msgpack-fields.js';

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
  return w;
}
function truthIn(v: unknown, path: string): Truth | undefined {
  if (v === undefined || v === null) return undefined;
  const o = obj(v, path);
  const interaction =
    o['interaction'] === undefined || o['interaction'] === null
      ? undefined
      : oneOf(o, 'interaction', path, EVENT_CLASSES);
  return {
    eventClass: interaction ?? oneOf(o, 'eventClass', path, EVENT_CLASSES_V1),
    energyGeV: num(o, 'energyGeV', path),
    x0Cm: num(o, 'x0Cm', path),
    y0Cm: num(o, 'y0Cm', path),
    dCm: num(o, 'dCm', path),
    slopeX: num(o, 'slopeX', path),
    slopeY: num(o, 'slopeY', path),
  };
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
function frameIn(v: unknown): HitFrame {
  const o = obj(v, 'frame');
  const ho = obj(o['hits'], 'frame.hits');
  const station = new Uint8Array(bytes(ho, 'station', 'frame.hits'));
  const n = station.length;
  const hits: Hits = {
    station,
    ix: int32FromBytes(bytes(ho, 'ix', 'frame.hits'), n, 'frame.hits.ix'),
    iy: int32FromBytes(bytes(ho, 'iy', 'frame.hits'), n, 'frame.hits.iy'),
    count: int32FromBytes(bytes(ho, 'count', 'frame.hits'), n, 'frame.hits.count'),
  };
  checkDecodedHits(hits, station);
  const base = {
    runId: str(o, 'runId', 'frame'),
    eventId: str(o, 'eventId', 'frame'),
    timestampNs: int64(o, 'timestampNs', 'frame'),
    hits,
  };
  return opt(base, 'truth', truthIn(o['truth'], 'frame.truth'));
}

function checkFrameOut(w: Wire): void {
  str(w, 'runId', 'frame');
  str(w, 'eventId', 'frame');
  int64(w, 'timestampNs', 'frame');
  truthIn(w['truth'], 'frame.truth');
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
  const classification = c && classificationOut(c);
  const a = withAnomaly ? e.anomaly : undefined;
  // Versions 2 and 3 carry the full class in truth.interaction, as frames do.
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

function recoIn(v: unknown, path: string): RecoEvent {
  const o = obj(v, path);
  const base = {
    runId: str(o, 'runId', path),
    eventId: str(o, 'eventId', path),
    timestampNs: int64(o, 'timestampNs', path),
    status: oneOf(o, 'status', path, RECO_STATUSES),
    nHits: int32(o, 'nHits', path),
    energyGeV: num(o, 'energyGeV', path),
    dCm: num(o, 'dCm', path),
    xCm: num(o, 'xCm', path),
    yCm: num(o, 'yCm', path),
    fitRmsCm: num(o, 'fitRmsCm', path),
    stationsUsed: int32(o, 'stationsUsed', path),
  };
  const withTruth = opt(
    opt(base, 'detail', optStr(o, 'detail', path)),
    'truth',
    truthIn(o['truth'], `${path}.truth`),
  );
  return opt(
    opt(withTruth, 'classification', classificationIn(o['classification'], `${path}.classification`)),
    'anomaly',
    anomalyScoreIn(o['anomaly'], `${path}.anomaly`),
  );
}

function candidateOut(c: Candidate): Wire {
  return opt(
    { event: recoOut(c.event, false), selected: c.selected, reasons: [...c.reasons] },
    'alertId',
    c.alertId,
  );
}
function candidateIn(v: unknown): Candidate {
  const o = obj(v, 'candidate');
  const base = {
    event: recoIn(o['event'], 'candidate.event'),
    selected: bool(o, 'selected', 'candidate'),
    reasons: strList(o, 'reasons', 'candidate'),
  };
  return opt(base, 'alertId', optStr(o, 'alertId', 'candidate'));
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
function alertIn(v: unknown): ExcessAlert {
  const p = 'alert';
  const o = obj(v, p);
  const base = {
    alertId: str(o, 'alertId', p),
    method: oneOf(o, 'method', p, ['window', 'cusum'] as const),
    windowStartNs: int64(o, 'windowStartNs', p),
    windowEndNs: int64(o, 'windowEndNs', p),
    observed: num(o, 'observed', p),
    expected: num(o, 'expected', p),
    z: num(o, 'z', p),
    p: num(o, 'p', p),
  };
  const hint =
    o['eventClassHint'] === undefined || o['eventClassHint'] === null
      ? undefined
      : oneOf(o, 'eventClassHint', p, EVENT_CLASSES);
  return opt(base, 'eventClassHint', hint);
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
function deadLetterIn(v: unknown): DeadLetter {
  const p = 'deadLetter';
  const o: Obj = obj(v, p);
  const base = {
    topic: str(o, 'topic', p),
    partition: int32(o, 'partition', p),
    offset: str(o, 'offset', p),
    reason: str(o, 'reason', p),
    errorClass: str(o, 'errorClass', p),
    payload: new Uint8Array(bytes(o, 'payload', p)),
    receivedAtNs: int64(o, 'receivedAtNs', p),
  };
  return opt(base, 'key', optStr(o, 'key', p));
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
   * msgpack has no schema to enforce on encode, so encode applies the decoder's checks to the
   * wire object (frames: all but the typed arrays, whose types are guaranteed) — what is
   * written is always decodable.
   */
  const make = <T>(
    kind: MessageKind,
    out: (v: T) => Wire,
    into: (v: unknown) => T,
    check: (w: Wire) => unknown = into,
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
          check(w);
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
          return into(unpackr.unpack(bodyOf(bytes)));
        } catch (e) {
          throw classifyBodyError(e, 'msgpack', kind);
        }
      },
    };
  };
  return {
    frame: make('frame', frameOut, frameIn, checkFrameOut),
    reco: make('reco', recoOut, (v) => recoIn(v, 'reco')),
    candidate: make('candidate', candidateOut, candidateIn),
    alert: make('alert', alertOut, alertIn),
    deadLetter: make('deadLetter', deadLetterOut, deadLetterIn),
    anomaly: make('anomaly', anomalyOut, anomalyIn),
  };
}
