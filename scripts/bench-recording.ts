/**
 * Recording write and read speed, A/B in one process: the hand-written container framing of an
 * earlier build (scripts/bench-ab/hand-recording.ts) against src/recording (avsc's types for the
 * header, the block varints and the records; its own block loop). Rounds alternate which side goes first, so machine load hits both
 * alike; every round writes the same frames with the same sync marker and reads them back.
 *   node --expose-gc --import tsx scripts/bench-recording.ts [--frames N] [--rounds R] [--reps K]
 *     [--codec deflate|null|both]
 * Frames are simulated events of every class (fixed seed). Times are CPU ms of this process per
 * pass (main thread plus zlib and fs threads), the fastest of K passes in each round. Prints one
 * JSON line per round, then a markdown table of medians [min–max] and the paired per-round
 * difference.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SIMULATION } from '../src/config/index.js';
import { DEFAULT_GEOMETRY, EVENT_CLASSES, Rng, type HitFrame } from '../src/domain/index.js';
import * as srcRoom from '../src/recording/index.js';
import { generateEvent } from '../src/sim/index.js';
import { collectGarbage, cpuMs, Samples } from './bench-ab/ab.js';
import * as handRoom from './bench-ab/hand-recording.js';

type Codec = 'deflate' | 'null';
interface Room {
  openRecordingWriter(
    path: string,
    o: { syncMarker: Uint8Array; codec: Codec },
  ): Promise<{ write(f: HitFrame): Promise<void>; close(): Promise<{ bytes: number }> }>;
  readRecording(path: string): AsyncIterable<HitFrame>;
}

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '11' },
    reps: { type: 'string', default: '3' },
    codec: { type: 'string', default: 'both' },
  },
});
const nFrames = Number(values.frames);
const rounds = Number(values.rounds);
const reps = Number(values.reps);
const codecs: Codec[] = values.codec === 'both' ? ['deflate', 'null'] : [values.codec as Codec];
const rooms: [name: string, side: 'a' | 'b', room: Room][] = [
  ['hand', 'a', handRoom],
  ['src', 'b', srcRoom],
];

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
const sync = srcRoom.syncMarkerFromSeed(1);

/** Writes every frame and reads them back: CPU ms of each half, the file's size and hash. */
async function pass(room: Room, path: string, codec: Codec) {
  collectGarbage();
  let t = cpuMs();
  const w = await room.openRecordingWriter(path, { syncMarker: sync, codec });
  for (const f of frames) await w.write(f);
  const { bytes } = await w.close();
  const writeMs = cpuMs() - t;
  collectGarbage();
  t = cpuMs();
  let n = 0;
  let hits = 0;
  for await (const f of room.readRecording(path)) {
    n++;
    hits += f.hits.ix.length;
  }
  const readMs = cpuMs() - t;
  if (n !== nFrames) throw new Error(`read ${n} of ${nFrames} frames`);
  const sha = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
  return { writeMs, readMs, bytes, sha, hits };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-recording-'));
const samples = new Samples();
try {
  for (const codec of codecs) await pass(srcRoom, join(dir, 'warm.avro'), codec); // JIT and file cache
  for (const codec of codecs) await pass(handRoom, join(dir, 'warm.avro'), codec);
  for (let r = 0; r < rounds; r++) {
    for (const codec of codecs) {
      for (const [name, side, room] of r % 2 === 0 ? rooms : [...rooms].reverse()) {
        // The fastest of a few passes: on a shared machine preemption only ever adds time.
        const p = await pass(room, join(dir, `${name}.avro`), codec);
        for (let k = 1; k < reps; k++) {
          const q = await pass(room, join(dir, `${name}.avro`), codec);
          p.writeMs = Math.min(p.writeMs, q.writeMs);
          p.readMs = Math.min(p.readMs, q.readMs);
        }
        console.log(JSON.stringify({ room: name, codec, round: r, ...p }));
        samples.add(`write ${codec}`, side, p.writeMs);
        samples.add(`read ${codec}`, side, p.readMs);
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `\n${nFrames} frames, ${rounds} rounds of the fastest of ${reps} passes, node ${process.version}\n`,
);
console.log(samples.table('CPU ms per pass', 'hand', 'src'));
