/**
 * `showertrig bench-codecs`: wire size and encode/decode speed of the Avro and msgpack frame
 * codecs on simulated signal showers at 10 and 100 GeV. Writes <out>/codecs.json and codecs.md.
 */
import { DEFAULT_SIMULATION } from '../config/index.js';
import { CODEC_NAMES, createCodecs, type CodecName } from '../codecs/index.js';
import { DEFAULT_GEOMETRY, Rng, type HitFrame } from '../domain/index.js';
import { generateEvent } from '../sim/index.js';
import { intFlag, parseFlags, type Command } from '../cli/index.js';
import { benchOutDir, saveResultRow } from './bench-results.js';
import { quantile } from '../numerics/index.js';

interface CodecBenchRow {
  readonly codec: CodecName;
  readonly energyGeV: number;
  readonly meanHits: number;
  readonly meanBytes: number;
  readonly bytesPerHit: number;
  readonly encodePerS: number;
  readonly decodePerS: number;
  /** Per-frame decode time percentiles, µs (each frame timed alone after the rate runs). */
  readonly decodeP50Us: number;
  readonly decodeP99Us: number;
}

function frames(energyGeV: number, n: number, seed: number): HitFrame[] {
  const rng = new Rng(seed);
  const out: HitFrame[] = [];
  for (let i = 0; i < n; i++) {
    const { hits, truth } = generateEvent(DEFAULT_GEOMETRY, DEFAULT_SIMULATION, 'signal', rng.fork(), {
      energyGeV,
    });
    out.push({
      runId: 'bench',
      eventId: `bench-${i}`,
      timestampNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n,
      hits,
      truth,
    });
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

function benchCodecs(energies: readonly number[] = [10, 100], n = 200): CodecBenchRow[] {
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
      const us = bufs
        .map((b) => {
          const t0 = performance.now();
          c.decode(b);
          return (performance.now() - t0) * 1000;
        })
        .sort((a, b) => a - b);
      rows.push({
        codec: name,
        energyGeV: e,
        meanHits,
        meanBytes,
        bytesPerHit: meanBytes / meanHits,
        encodePerS,
        decodePerS,
        decodeP50Us: quantile(us, 0.5),
        decodeP99Us: quantile(us, 0.99),
      });
    }
  }
  return rows;
}

const USAGE = `usage: showertrig bench-codecs [--events N] [--out DIR] [--json]
  --events N   frames per energy (default 500)
  --json       print the result as JSON instead of text
  --out DIR    where codecs.json and codecs.md go (default: the scratch directory $TMPDIR/showertrig-bench;
               --out bench/results updates the committed results)`;

export const command: Command = {
  name: 'bench-codecs',
  summary: 'benchmark the frame codecs',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      events: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    });
    const n = intFlag(values.events, 'events', 500, 10, 1_000_000);
    const rows = benchCodecs([10, 100], n);
    const rss = process.memoryUsage().rss / 2 ** 20;
    const measured = new Date().toISOString().slice(0, 10);
    let table: unknown[] = [];
    for (const r of rows) {
      table = saveResultRow(
        benchOutDir(values.out),
        'codecs',
        { ...r, rssMiB: rss, measured },
        (x) => `${x.codec} ${x.energyGeV}`,
        {
          title: 'Frame codecs: size and speed',
          notes: [
            `\`showertrig bench-codecs --events ${n}\`: simulated signal showers at fixed energy (seeded), one thread, node ${process.version}`,
            'encode/s and decode/s: frames per second over repeated passes; decode p50/p99: each frame decoded alone, µs',
          ],
          columns: [
            { header: 'codec', cell: (x) => x.codec },
            { header: 'E (GeV)', cell: (x) => String(x.energyGeV) },
            { header: 'hits/frame', cell: (x) => x.meanHits.toFixed(1) },
            { header: 'bytes/frame', cell: (x) => x.meanBytes.toFixed(0) },
            { header: 'bytes/hit', cell: (x) => x.bytesPerHit.toFixed(2) },
            { header: 'encode/s', cell: (x) => x.encodePerS.toFixed(0) },
            { header: 'decode/s', cell: (x) => x.decodePerS.toFixed(0) },
            { header: 'decode p50 µs', cell: (x) => x.decodeP50Us.toFixed(1) },
            { header: 'decode p99 µs', cell: (x) => x.decodeP99Us.toFixed(1) },
            { header: 'RSS MiB', cell: (x) => x.rssMiB.toFixed(0) },
            { header: 'date', cell: (x) => x.measured },
          ],
        },
      );
    }
    // --json: stdout is the JSON alone (each row carries the RSS).
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(table, null, 2)}\n`);
      return 0;
    }
    for (const r of rows)
      process.stdout.write(
        `${r.codec.padEnd(8)} ${String(r.energyGeV).padStart(3)} GeV: ${r.meanBytes.toFixed(0)} bytes/frame (${r.bytesPerHit.toFixed(2)}/hit), ` +
          `encode ${r.encodePerS.toFixed(0)}/s, decode ${r.decodePerS.toFixed(0)}/s (p50 ${r.decodeP50Us.toFixed(1)} µs, p99 ${r.decodeP99Us.toFixed(1)} µs)\n`,
      );
    process.stdout.write(`RSS ${rss.toFixed(0)} MiB\n`);
    return 0;
  },
};
