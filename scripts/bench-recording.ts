/**
 * Recording write and read speed, A/B: each module given is a recording room (an index.ts that
 * exports openRecordingWriter, readRecording and syncMarkerFromSeed); rounds alternate between
 * them so machine load hits both alike. Prints one JSON line per run and a median table.
 *   node --import tsx scripts/bench-recording.ts [--frames N] [--rounds R] <module> [<module> ...]
 * To compare with an older build, copy its room beside this one (it must resolve node_modules), e.g.
 *   mkdir src/recording-old && git archive <rev> src/recording | tar -x --strip-components=2 -C src/recording-old
 * and pass src/recording-old/index.ts src/recording/index.ts (delete the copy after; it is not to be committed).
 * Frames are simulated events of every class (fixed seed), written with the deflate codec.
 * Rates are frames per CPU second of this process.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_SIMULATION } from '../src/config/index.js';
import { DEFAULT_GEOMETRY, EVENT_CLASSES, Rng, type HitFrame } from '../src/domain/index.js';
import { median } from '../src/numerics/index.js';
import { generateEvent } from '../src/sim/index.js';

interface Room {
  openRecordingWriter(
    path: string,
    o: { syncMarker: Uint8Array },
  ): Promise<{ write(f: HitFrame): Promise<void>; close(): Promise<{ bytes: number }> }>;
  readRecording(path: string): AsyncIterable<HitFrame>;
  syncMarkerFromSeed(seed: number): Uint8Array;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { frames: { type: 'string', default: '5000' }, rounds: { type: 'string', default: '7' } },
});
const nFrames = Number(values.frames);
const rounds = Number(values.rounds);
const rooms: [string, Room][] = [];
for (const m of positionals) rooms.push([m, (await import(pathToFileURL(resolve(m)).href)) as Room]);

/** CPU time of this process (main thread, zlib and fs threads), ms: steadier than wall time on a shared machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const rng = new Rng(7);
const frames: HitFrame[] = [];
for (let i = 0; i < nFrames; i++) {
  const { hits, truth } = generateEvent(DEFAULT_GEOMETRY, DEFAULT_SIMULATION, EVENT_CLASSES[i % 7]!, rng);
  frames.push({
    runId: 'bench',
    eventId: `b-${i}`,
    timestampNs: 1_700_000_000_000_000_000n + BigInt(i),
    hits,
    truth,
  });
}
const dir = mkdtempSync(join(tmpdir(), 'bench-recording-'));
const times = new Map<string, { write: number[]; read: number[] }>();
try {
  for (let r = 0; r < rounds; r++) {
    for (const [name, room] of r % 2 === 0 ? rooms : [...rooms].reverse()) {
      const path = join(dir, 'r.avro');
      let t = cpuMs();
      const w = await room.openRecordingWriter(path, { syncMarker: room.syncMarkerFromSeed(1) });
      for (const f of frames) await w.write(f);
      const { bytes } = await w.close();
      const write = cpuMs() - t;
      t = cpuMs();
      let n = 0;
      for await (const f of room.readRecording(path)) if (f.hits.ix.length >= 0) n++;
      const read = cpuMs() - t;
      if (n !== nFrames) throw new Error(`${name}: read ${n} of ${nFrames} frames`);
      const sha = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
      console.log(JSON.stringify({ module: name, round: r, writeMs: write, readMs: read, bytes, sha }));
      const e = times.get(name) ?? { write: [], read: [] };
      e.write.push(write);
      e.read.push(read);
      times.set(name, e);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\n| module | write frames per CPU s (median of ${rounds}) | read frames per CPU s |`);
console.log('|---|---|---|');
for (const [name, t] of times) {
  const rate = (ms: number[]): string => Math.round(nFrames / (median(ms) / 1000)).toLocaleString('en');
  console.log(`| ${name} | ${rate(t.write)} | ${rate(t.read)} |`);
}
