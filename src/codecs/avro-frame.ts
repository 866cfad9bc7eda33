/**
 * Hit frames as Avro records (hit_frame.v1 to v3) and the truth record that reco events and
 * candidates share. Optional fields are `null` in records, absent in the domain.
 */
import type { EventClass, HitFrame, Truth } from '../domain/index.js';
import { eventClassV1, exoticFromSymbol, exoticSymbol } from '../domain/index.js';
import { checkDecodedHits } from './codec.js';

interface HitsRecord {
  station: ArrayLike<number>;
  ix: ArrayLike<number>;
  iy: ArrayLike<number>;
  count: ArrayLike<number>;
}
/** The Avro truth record: the domain's Truth fields, eventClass one of the v1 classes (schemas/hit_frame.v1). */
type TruthRecord = Truth;
/** hit_frame.v2 adds the event class among all classes (absent when read from v1 data). */
export interface TruthRecordV2 extends Omit<TruthRecord, 'exotic'> {
  interaction?: EventClass | null;
  /** hit_frame.v3: the exotic class as its Avro symbol (absent when read from v1 or v2 data). */
  exotic?: string | null;
}
export interface FrameRecord {
  runId: string;
  eventId: string;
  timestampNs: bigint;
  hits: HitsRecord;
  truth: TruthRecordV2 | null;
}

/** Truth as a v1 record (reco, candidate and v1 frames): later classes travel as their nearest v1 class. */
export function truthToRecord(t: Truth | undefined): Omit<TruthRecord, 'exotic'> | null {
  if (t === undefined) return null;
  return {
    eventClass: eventClassV1(t.eventClass),
    energyGeV: t.energyGeV,
    x0Cm: t.x0Cm,
    y0Cm: t.y0Cm,
    dCm: t.dCm,
    slopeX: t.slopeX,
    slopeY: t.slopeY,
  };
}

/** avsc decodes records as class instances; the domain gets plain objects (the v2 class when present). */
export function truthFromRecord(t: TruthRecordV2 | null): Truth | undefined {
  if (t === null) return undefined;
  const eventClass = t.interaction ?? t.eventClass;
  const base = {
    eventClass,
    energyGeV: t.energyGeV,
    x0Cm: t.x0Cm,
    y0Cm: t.y0Cm,
    dCm: t.dCm,
    slopeX: t.slopeX,
    slopeY: t.slopeY,
  };
  const exotic = t.exotic === undefined || t.exotic === null ? undefined : exoticFromSymbol(t.exotic);
  return exotic === undefined ? base : { ...base, exotic };
}

/** A HitFrame as the avsc record of hit_frame.v3 (also what recordings store); v2 writes skip `exotic`. */
export function frameToRecord(f: HitFrame): FrameRecord {
  const h = f.hits;
  return {
    runId: f.runId,
    eventId: f.eventId,
    timestampNs: f.timestampNs,
    // array<int> fields take typed arrays directly (IntArrayType in avro-types.ts).
    hits: { station: h.station, ix: h.ix, iy: h.iy, count: h.count },
    truth:
      f.truth === undefined
        ? null
        : {
            ...truthToRecord(f.truth)!,
            interaction: f.truth.eventClass,
            exotic: f.truth.exotic === undefined ? null : exoticSymbol(f.truth.exotic),
          },
  };
}

/** The avsc record of hit_frame.v1, v2 or v3 → HitFrame; throws DecodeError on inconsistent hit arrays. */
export function frameFromRecord(r: FrameRecord): HitFrame {
  // array<int> decodes to Int32Array (IntArrayType); other Avro readers' records may hold plain arrays.
  const i32 = (a: ArrayLike<number>): Int32Array => (a instanceof Int32Array ? a : Int32Array.from(a));
  const hits = checkDecodedHits(
    {
      station: new Uint8Array(r.hits.station),
      ix: i32(r.hits.ix),
      iy: i32(r.hits.iy),
      count: i32(r.hits.count),
    },
    r.hits.station,
  );
  const base = { runId: r.runId, eventId: r.eventId, timestampNs: r.timestampNs, hits };
  const truth = truthFromRecord(r.truth);
  return truth === undefined ? base : { ...base, truth };
}
