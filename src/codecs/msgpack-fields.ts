/**
 * MessagePack field encoders: hit arrays as little-endian bytes, the optional reco fields (v2
 * classification, v3 anomaly score) and the tt.anomalies event.
 */
import {
  DecodeError,
  RECO_STATUSES,
  type AnomalyEvent,
  type AnomalyScore,
  type Classification,
} from '../domain/index.js';
import { bool, int32, int64, num, obj, oneOf, str } from './shape.js';

type Wire = Record<string, unknown>;

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

export function int32Bytes(a: Int32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setInt32(i * 4, a[i]!, true);
  return out;
}

export function int32FromBytes(b: Uint8Array, n: number, path: string): Int32Array {
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

function numList(v: unknown, path: string): number[] {
  if (!Array.isArray(v))
    throw new DecodeError('schema_mismatch', `${path}: expected an array of numbers`, { field: path });
  for (let i = 0; i < v.length; i++)
    if (typeof v[i] !== 'number')
      throw new DecodeError('schema_mismatch', `${path}[${i}]: expected a number`, { field: path });
  return v as number[];
}

/** Version 3's optional anomaly score. */
export function anomalyScoreIn(v: unknown, path: string): AnomalyScore | undefined {
  if (v === undefined || v === null) return undefined;
  const o = obj(v, path);
  return { score: num(o, 'score', path), perStation: numList(o['perStation'], `${path}.perStation`) };
}

export function classificationOut(c: Classification): Wire {
  return { score: c.score, predictedClass: c.predictedClass, probabilities: { ...c.probabilities } };
}

/** Version 2's optional classification: score, predicted class, probability per class. */
export function classificationIn(v: unknown, path: string): Classification | undefined {
  if (v === undefined || v === null) return undefined;
  const o = obj(v, path);
  const po = obj(o['probabilities'], `${path}.probabilities`);
  const probabilities: Record<string, number> = {};
  for (const k of Object.keys(po)) probabilities[k] = num(po, k, `${path}.probabilities`);
  return { score: num(o, 'score', path), predictedClass: str(o, 'predictedClass', path), probabilities };
}

export function anomalyOut(a: AnomalyEvent): Wire {
  return { ...a, perStation: [...a.perStation], reco: { ...a.reco } };
}

export function anomalyIn(v: unknown): AnomalyEvent {
  const p = 'anomaly';
  const o = obj(v, p);
  const r = obj(o['reco'], `${p}.reco`);
  const rp = `${p}.reco`;
  return {
    runId: str(o, 'runId', p),
    eventId: str(o, 'eventId', p),
    timestampNs: int64(o, 'timestampNs', p),
    score: num(o, 'score', p),
    threshold: num(o, 'threshold', p),
    perStation: numList(o['perStation'], `${p}.perStation`),
    dominantStation: int32(o, 'dominantStation', p),
    scorer: str(o, 'scorer', p),
    selected: bool(o, 'selected', p),
    reco: {
      status: oneOf(r, 'status', rp, RECO_STATUSES),
      nHits: int32(r, 'nHits', rp),
      energyGeV: num(r, 'energyGeV', rp),
      dCm: num(r, 'dCm', rp),
      xCm: num(r, 'xCm', rp),
      yCm: num(r, 'yCm', rp),
      fitRmsCm: num(r, 'fitRmsCm', rp),
      stationsUsed: int32(r, 'stationsUsed', rp),
    },
  };
}
