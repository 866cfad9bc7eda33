/**
 * Summarising a recording (`showertrig inspect`): one pass, in constant memory — events per class,
 * truth energy range, hits per event per station, time span, file size and bytes per event.
 */
import { statSync } from 'node:fs';
import { EVENT_CLASSES, type EventClass, type HitFrame } from '../domain/index.js';
import { openRecording } from '../recording/index.js';

interface MinMeanMax {
  min: number;
  mean: number;
  max: number;
}

export interface RecordingSummaryReport {
  readonly path: string;
  readonly fileBytes: number;
  readonly events: number;
  readonly bytesPerEvent: number;
  readonly perClass: Record<EventClass | 'unknown', number>;
  /** Truth energy per class, GeV; null for a class with no events. */
  readonly energyGeV: Record<EventClass, MinMeanMax | null>;
  /** Hits per event in each station (index = station), over all events. */
  readonly hitsPerStation: MinMeanMax[];
  readonly hitsPerEvent: MinMeanMax | null;
  readonly firstTimestampNs: string | null;
  readonly lastTimestampNs: string | null;
  /** Earliest and latest timestamps: a recording of several partitions is not in time order. */
  readonly minTimestampNs: string | null;
  readonly maxTimestampNs: string | null;
  /** max − min, s. */
  readonly spanS: number;
  readonly metadata: Readonly<Record<string, string>>;
}

class Acc {
  n = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  add(v: number): void {
    this.n++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }
  get value(): MinMeanMax | null {
    return this.n === 0 ? null : { min: this.min, mean: this.sum / this.n, max: this.max };
  }
}

/** Reads the whole recording once, in constant memory. Stations are reported up to the highest one seen. */
export async function summariseRecording(path: string): Promise<RecordingSummaryReport> {
  const rec = await openRecording(path);
  const perClass = { ...Object.fromEntries(EVENT_CLASSES.map((c) => [c, 0])), unknown: 0 } as Record<
    EventClass | 'unknown',
    number
  >;
  const energy = Object.fromEntries(EVENT_CLASSES.map((c) => [c, new Acc()])) as Record<EventClass, Acc>;
  const perEvent = new Acc();
  // Hits per event per station; a station absent from an event counts 0 for it.
  const stationTotals: Acc[] = [];
  const counts: number[] = [];
  let events = 0;
  let first: bigint | undefined;
  let last: bigint | undefined;
  let lo: bigint | undefined;
  let hi: bigint | undefined;
  const onFrame = (f: HitFrame): void => {
    counts.fill(0);
    for (const s of f.hits.station) counts[s] = (counts[s] ?? 0) + 1;
    while (stationTotals.length < counts.length) {
      const a = new Acc(); // first seen now: it had 0 hits in the events before
      for (let k = 0; k < events; k++) a.add(0);
      stationTotals.push(a);
    }
    for (let s = 0; s < stationTotals.length; s++) stationTotals[s]!.add(counts[s] ?? 0);
    perEvent.add(f.hits.station.length);
    perClass[f.truth?.eventClass ?? 'unknown']++;
    if (f.truth !== undefined) energy[f.truth.eventClass].add(f.truth.energyGeV);
    first ??= f.timestampNs;
    last = f.timestampNs;
    if (lo === undefined || f.timestampNs < lo) lo = f.timestampNs;
    if (hi === undefined || f.timestampNs > hi) hi = f.timestampNs;
    events++;
  };
  for await (const f of rec) onFrame(f);
  const fileBytes = statSync(path).size;
  return {
    path,
    fileBytes,
    events,
    bytesPerEvent: events > 0 ? fileBytes / events : 0,
    perClass,
    energyGeV: Object.fromEntries(EVENT_CLASSES.map((c) => [c, energy[c].value])) as Record<
      EventClass,
      MinMeanMax | null
    >,
    hitsPerStation: stationTotals.map((a) => a.value!),
    hitsPerEvent: perEvent.value,
    firstTimestampNs: first?.toString() ?? null,
    lastTimestampNs: last?.toString() ?? null,
    minTimestampNs: lo?.toString() ?? null,
    maxTimestampNs: hi?.toString() ?? null,
    spanS: lo === undefined || hi === undefined ? 0 : Number(hi - lo) / 1e9,
    metadata: Object.fromEntries(
      Object.entries(rec.info.metadata).filter(
        ([k]) => k !== 'showertrig.simulation' && k !== 'showertrig.detector',
      ),
    ),
  };
}

const f1 = (x: number): string => x.toFixed(1);

export function formatSummary(r: RecordingSummaryReport): string {
  const lines = [
    `${r.path}: ${r.events} events, ${r.fileBytes} bytes, ${f1(r.bytesPerEvent)} bytes/event`,
    `  classes: ${[...EVENT_CLASSES, 'unknown' as const]
      .filter((c) => c !== 'unknown' || r.perClass.unknown > 0)
      .map((c) => `${c} ${r.perClass[c]}`)
      .join(', ')}`,
  ];
  for (const c of EVENT_CLASSES) {
    const e = r.energyGeV[c];
    if (e !== null)
      lines.push(
        `  truth E ${c}: ${e.min.toFixed(2)} .. ${e.max.toFixed(2)} GeV (mean ${e.mean.toFixed(2)})`,
      );
  }
  if (r.hitsPerEvent !== null)
    lines.push(
      `  hits/event: mean ${f1(r.hitsPerEvent.mean)}, min ${r.hitsPerEvent.min}, max ${r.hitsPerEvent.max}`,
    );
  r.hitsPerStation.forEach((s, i) =>
    lines.push(`  station ${i} hits/event: mean ${f1(s.mean)}, min ${s.min}, max ${s.max}`),
  );
  if (r.minTimestampNs !== null) {
    const ordered = r.firstTimestampNs === r.minTimestampNs && r.lastTimestampNs === r.maxTimestampNs;
    lines.push(
      `  time: ${r.minTimestampNs} .. ${r.maxTimestampNs} ns, span ${r.spanS.toFixed(3)} s${ordered ? '' : ' (frames not in time order)'}`,
    );
  }
  const meta = Object.entries(r.metadata).map(([k, v]) => `${k.replace(/^showertrig\./, '')}=${v}`);
  if (meta.length > 0) lines.push(`  metadata: ${meta.join(', ')}`);
  return lines.join('\n') + '\n';
}
