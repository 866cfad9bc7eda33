/**
 * The msgpack wire bodies as zod schemas, one per message kind, keys = the Avro field names.
 * Decode parses a body with its kind's schema; encode checks the wire object with the same
 * schema, so what is written is always decodable. A new schema version adds its fields here
 * (optional, `.nullish()`, so that the older version still parses) and in msgpack.ts's
 * to/from-domain functions.
 */
import { z } from 'zod';
import { DecodeError, EVENT_CLASSES, EVENT_CLASSES_V1, RECO_STATUSES } from '../domain/index.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Any JS number, NaN and infinities included (as Avro doubles). */
const num = z.custom<number>((v) => typeof v === 'number', 'expected a number');
const int32 = z.int32();
/**
 * A 64-bit integer; msgpack decoders may hand back a small one as a number. Not transformed to
 * bigint here (a zod transform costs about half a microsecond a message): `BigInt()` it on use.
 */
const int64 = z.custom<bigint | number>(
  (v) =>
    (typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX) ||
    (typeof v === 'number' && Number.isSafeInteger(v)),
  'expected a 64-bit integer',
);
const bytes = z.instanceof(Uint8Array);
const optStr = z.string().nullish();

const truth = z.object({
  eventClass: z.enum(EVENT_CLASSES_V1),
  energyGeV: num,
  x0Cm: num,
  y0Cm: num,
  dCm: num,
  slopeX: num,
  slopeY: num,
  /** Frames (v2) and classified reco events (v2): the class among all simulated classes. */
  interaction: z.enum(EVENT_CLASSES).nullish(),
  /** Frames (v3): the exotic class as its Avro symbol (a symbol this build does not know reads as none). */
  exotic: z.string().nullish(),
});
export type TruthWire = z.output<typeof truth>;

/** Hits: the typed arrays' bytes, little-endian (station 1 byte per hit; ix, iy, count 4). */
export const FRAME_WIRE = z.object({
  runId: z.string(),
  eventId: z.string(),
  timestampNs: int64,
  hits: z.object({ station: bytes, ix: bytes, iy: bytes, count: bytes }),
  truth: truth.nullish(),
});

export const RECO_WIRE = z.object({
  runId: z.string(),
  eventId: z.string(),
  timestampNs: int64,
  status: z.enum(RECO_STATUSES),
  detail: optStr,
  nHits: int32,
  energyGeV: num,
  dCm: num,
  xCm: num,
  yCm: num,
  fitRmsCm: num,
  stationsUsed: int32,
  truth: truth.nullish(),
  /** Version 2. */
  classification: z
    .object({ score: num, predictedClass: z.string(), probabilities: z.record(z.string(), num) })
    .nullish(),
  /** Version 3: the anomaly score and its per-station terms. */
  anomaly: z.object({ score: num, perStation: z.array(num) }).nullish(),
});
export type RecoWire = z.output<typeof RECO_WIRE>;

export const CANDIDATE_WIRE = z.object({
  event: RECO_WIRE,
  selected: z.boolean(),
  reasons: z.array(z.string()),
  alertId: optStr,
});

export const ALERT_WIRE = z.object({
  alertId: z.string(),
  method: z.enum(['window', 'cusum']),
  windowStartNs: int64,
  windowEndNs: int64,
  observed: num,
  expected: num,
  z: num,
  p: num,
  eventClassHint: z.enum(EVENT_CLASSES).nullish(),
});

/** An event over the anomaly threshold (tt.anomalies). */
export const ANOMALY_WIRE = z.object({
  runId: z.string(),
  eventId: z.string(),
  timestampNs: int64,
  score: num,
  threshold: num,
  perStation: z.array(num),
  dominantStation: int32,
  scorer: z.string(),
  selected: z.boolean(),
  reco: z.object({
    status: z.enum(RECO_STATUSES),
    nHits: int32,
    energyGeV: num,
    dCm: num,
    xCm: num,
    yCm: num,
    fitRmsCm: num,
    stationsUsed: int32,
  }),
});

export const DEAD_LETTER_WIRE = z.object({
  topic: z.string(),
  partition: int32,
  offset: z.string(),
  reason: z.string(),
  errorClass: z.string(),
  payload: bytes,
  receivedAtNs: int64,
  key: optStr,
});

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return v instanceof Uint8Array ? 'bytes' : typeof v;
}

function valueAt(v: unknown, path: readonly PropertyKey[]): unknown {
  let at = v;
  for (const k of path) at = (at as Record<PropertyKey, unknown> | undefined)?.[k];
  return at;
}

/**
 * Each schema compiled once, on first use: zod generates one straight-line checking function per
 * schema (no per-field parser dispatch), a third to half of the per-message cost of the
 * interpreted parse. An invalid body falls back to the interpreted parser, so errors are the same.
 */
const compiled = new WeakMap<z.ZodType, z.ZodType>();
function compiledOf<S extends z.ZodType>(schema: S): S {
  let c = compiled.get(schema);
  if (c === undefined) compiled.set(schema, (c = z.compile(schema)));
  return c as S;
}

/** Parses a decoded body (or checks a wire object) with its schema; throws DecodeError naming the field path. */
export function parseWire<S extends z.ZodType>(schema: S, v: unknown, root: string): z.output<S> {
  const r = compiledOf(schema).safeParse(v);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = root + issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('');
  const got = issue.code === 'custom' ? `, got ${kindOf(valueAt(v, issue.path))}` : '';
  const what = issue.message.replace(/^Invalid \w+: /, '');
  throw new DecodeError('schema_mismatch', `${path}: ${what}${got}`, { field: path });
}
