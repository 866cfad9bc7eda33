/**
 * Measures wire size (bytes per frame) and encode/decode speed (frames/s) of both codecs on
 * simulated signal showers at fixed energies. Run: node --import tsx src/codecs/bench.ts [events]
 */
import { pathToFileURL } from 'node:url';
import { DEFAULT_SIMULATION } from '../config/index.js';
import { DEFAULT_GEOMETRY, Rng, type HitFrame } from '../domain/index.js';
import { generateEvent } from '../sim/index.js';
import { CODEC_NAMES, createCodecs, type CodecName } from './index.js';

export interface CodecBenchRow {
  readonly codec: CodecName;
  readonly energyGeV: number;
  readonly meanHits: number;
  readonly meanBytes: number;
  readonly bytesPerHit: number;
  readonly encodePerS: number;
  readonly decodePerS: number;
}

function frames(energyGeV: number, n: number, seed: number): HitFrame[] {
  const rng = new Rng(seed);
  const out: HitFrame[] = [];
  for (let i = 0; i < n; i++) {
    const { hits, truth } = generateEvent(DEFAULT_GEOMETRY, DEFAULT_SIMULATION, 'signal', rng.fork(), { energyGeV });
    out.push({ runId: 'bench', eventId: `bench-${i}`, timestampNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n, hits, truth });
  }
  return out;
}

/** Repeats `fn` over the items for at least minMs, returns items per second. */
function rate<T>(items: readonly T[], fn: (x: T) => unknown, minMs = 300): number {
  let done = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    for (const x of items) fn(x);
    done += items.length;
    t = performance.now();
  }
  return (done / (t - t0)) * 1000;
}

export function benchCodecs(energies: readonly number[] = [10, 100], n = 200): CodecBenchRow[] {
  const rows: CodecBenchRow[] = [];
  for (const e of energies) {
    const fs = frames(e, n, 1000 + e);
    const meanHits = fs.reduce((s, f) => s + f.hits.station.length, 0) / fs.length;
    for (const name of CODEC_NAMES) {
      const c = createCodecs(name).frame;
      const bufs = fs.map((f) => c.encode(f));
      const meanBytes = bufs.reduce((s, b) => s + b.length, 0) / bufs.length;
      rate(fs, (f) => c.encode(f), 100); // warm-up
      const encodePerS = rate(fs, (f) => c.encode(f));
      rate(bufs, (b) => c.decode(b), 100);
      const decodePerS = rate(bufs, (b) => c.decode(b));
      rows.push({ codec: name, energyGeV: e, meanHits, meanBytes, bytesPerHit: meanBytes / meanHits, encodePerS, decodePerS });
    }
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 200);
  const fmt = (x: number, d = 0): string => x.toFixed(d).padStart(10);
  process.stdout.write('codec    E/GeV   hits/frame  bytes/frame  bytes/hit   encode/s   decode/s\n');
  for (const r of benchCodecs([10, 100], n)) {
    process.stdout.write(
      `${r.codec.padEnd(8)}${fmt(r.energyGeV)}${fmt(r.meanHits, 1)}${fmt(r.meanBytes, 1)}${fmt(r.bytesPerHit, 2)}${fmt(r.encodePerS)}${fmt(r.decodePerS)}\n`,
    );
  }
}
