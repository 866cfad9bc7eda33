/**
 * The msgpack frame and candidate codecs as they were before zod checked the wire bodies: the
 * same header, packer options and domain mapping, with the hand-written field readers of that
 * build (a type test per field, errors naming the field path). Kept here only as the baseline
 * of scripts/bench-msgpack.ts. The reco event's version-3 anomaly field, added since, is checked
 * by hand too, so both sides check the same fields.
 */
import { Packr, Unpackr } from 'msgpackr';
import { readVersions, writeVersion, type MessageKind } from '../../src/codecs/avro-types.js';
import { bodyOf, checkDecodedHits, encodeFailure, withHeader, type Codec } from '../../src/codecs/codec.js';
import { classifyBodyError, expectHeader, HEADER_BYTES } from '../../src/codecs/wire.js';
import {
  DecodeError,
  EVENT_CLASSES,
  EVENT_CLASSES_V1,
  eventClassV1,
  RECO_STATUSES,
  type Candidate,
  type HitFrame,
  type RecoEvent,
  type Truth,
} from '../../src/domain/index.js';

type Obj = Readonly<Record<string, unknown>>;
type Wire = Record<string, unknown>;

function mismatch(path: string, want: string, v: unknown): DecodeError {
  const got = v === null ? 'null' : Array.isArray(v) ? 'array' : v instanceof Uint8Array ? 'bytes' : typeof v;
  return new DecodeError('schema_mismatch', `${path}: expected ${want}, got ${got}`, { field: path });
}
function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array)
    throw mismatch(path, 'a map', v);
  return v as Obj;
}
function str(o: Obj, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw mismatch(`${path}.${key}`, 'a string', v);
  return v;
}
function optStr(o: Obj, key: string, path: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw mismatch(`${path}.${key}`, 'a string or nil', v);
  return v;
}
function num(o: Obj, key: string, path: string): number {
  const v = o[key];
  if (typeof v !== 'number') throw mismatch(`${path}.${key}`, 'a number', v);
  return v;
}
function int32(o: Obj, key: string, path: string): number {
  const v = num(o, key, path);
  if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31)
    throw mismatch(`${path}.${key}`, 'a 32-bit integer', v);
  return v;
}
function bool(o: Obj, key: string, path: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw mismatch(`${path}.${key}`, 'a boolean', v);
  return v;
}
function int64(o: Obj, key: string, path: string): bigint {
  const v = o[key];
  if (typeof v === 'bigint' && v >= -(2n ** 63n) && v < 2n ** 63n) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  throw mismatch(`${path}.${key}`, 'a 64-bit integer', v);
}
function bytes(o: Obj, key: string, path: string): Uint8Array {
  const v = o[key];
  if (!(v instanceof Uint8Array)) throw mismatch(`${path}.${key}`, 'bytes', v);
  return v;
}
function oneOf<T extends string>(o: Obj, key: string, path: string, allowed: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw new DecodeError('schema_mismatch', `${path}.${key}: expected one of ${allowed.join('|')}`);
  return v as T;
}
function strList(o: Obj, key: string, path: string): string[] {
  const v = o[key];
  if (!Array.isArray(v)) throw mismatch(`${path}.${key}`, 'an array of strings', v);
  for (let i = 0; i < v.length; i++)
    if (typeof v[i] !== 'string') throw mismatch(`${path}.${key}[${i}]`, 'a string', v[i]);
  return v as string[];
}

function opt<T extends object, K extends string, V>(
  o: T,
  key: K,
  v: V | undefined,
): T & Partial<Record<K, V>> {
  return v === undefined ? o : { ...o, [key]: v };
}
function int32Bytes(a: Int32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
function int32FromBytes(b: Uint8Array, n: number, path: string): Int32Array {
  if (b.length !== n * 4) throw new DecodeError('corrupt', `${path}: ${b.length} bytes for ${n} hits`);
  return new Int32Array(new Uint8Array(b).buffer);
}

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

function frameOut(f: HitFrame): Wire {
  const h = f.hits;
  const hits = { station: h.station, ix: int32Bytes(h.ix), iy: int32Bytes(h.iy), count: int32Bytes(h.count) };
  const w = { runId: f.runId, eventId: f.eventId, timestampNs: f.timestampNs, hits };
  return opt(w, 'truth', f.truth && truthOut(f.truth, true));
}
function frameIn(v: unknown): HitFrame {
  const o = obj(v, 'frame');
  const ho = obj(o['hits'], 'frame.hits');
  const station = new Uint8Array(bytes(ho, 'station', 'frame.hits'));
  const n = station.length;
  const hits = checkDecodedHits(
    {
      station,
      ix: int32FromBytes(bytes(ho, 'ix', 'frame.hits'), n, 'frame.hits.ix'),
      iy: int32FromBytes(bytes(ho, 'iy', 'frame.hits'), n, 'frame.hits.iy'),
      count: int32FromBytes(bytes(ho, 'count', 'frame.hits'), n, 'frame.hits.count'),
    },
    station,
  );
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

function recoOut(e: RecoEvent): Wire {
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
  const withTruth = opt(opt(o, 'detail', e.detail), 'truth', e.truth && truthOut(e.truth, c !== undefined));
  return opt(withTruth, 'classification', classification);
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
  let classification;
  if (o['classification'] !== undefined && o['classification'] !== null) {
    const co = obj(o['classification'], `${path}.classification`);
    const po = obj(co['probabilities'], `${path}.classification.probabilities`);
    const probabilities: Record<string, number> = {};
    for (const k of Object.keys(po)) probabilities[k] = num(po, k, `${path}.classification.probabilities`);
    const score = num(co, 'score', `${path}.classification`);
    classification = {
      score,
      predictedClass: str(co, 'predictedClass', `${path}.classification`),
      probabilities,
    };
  }
  let anomaly;
  if (o['anomaly'] !== undefined && o['anomaly'] !== null) {
    const ao = obj(o['anomaly'], `${path}.anomaly`);
    const per = ao['perStation'];
    if (!Array.isArray(per) || per.some((x) => typeof x !== 'number'))
      throw mismatch(`${path}.anomaly.perStation`, 'an array of numbers', per);
    anomaly = { score: num(ao, 'score', `${path}.anomaly`), perStation: [...(per as number[])] };
  }
  return opt(opt(withTruth, 'classification', classification), 'anomaly', anomaly);
}

function candidateOut(c: Candidate): Wire {
  return opt(
    { event: recoOut(c.event), selected: c.selected, reasons: [...c.reasons] },
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

/** The hand-checked msgpack codecs for frames and candidates (the bench's two message kinds). */
export function createCodecs(): { frame: Codec<HitFrame>; candidate: Codec<Candidate> } {
  const packr = new Packr({ useRecords: false, int64AsType: 'bigint', moreTypes: false });
  const unpackr = new Unpackr({
    useRecords: false,
    int64AsType: 'bigint',
    mapsAsObjects: true,
    moreTypes: false,
  });
  const make = <T>(
    kind: MessageKind,
    out: (v: T) => Wire,
    into: (v: unknown) => T,
    check: (w: Wire) => unknown = into,
  ): Codec<T> => {
    const versions = readVersions(kind);
    return {
      name: 'msgpack',
      kind,
      schemaVersion: versions[versions.length - 1]!,
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
      decode(b: Uint8Array): T {
        expectHeader(b, 'msgpack', kind, versions);
        if (b.length === HEADER_BYTES) throw new DecodeError('truncated', `msgpack ${kind}: empty body`);
        try {
          return into(unpackr.unpack(bodyOf(b)));
        } catch (e) {
          throw classifyBodyError(e, 'msgpack', kind);
        }
      },
    };
  };
  return {
    frame: make('frame', frameOut, frameIn, checkFrameOut),
    candidate: make('candidate', candidateOut, candidateIn),
  };
}
