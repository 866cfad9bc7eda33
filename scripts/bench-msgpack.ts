/**
 * msgpack encode/decode speed, A/B: each module given is a codecs room (an index.ts exporting
 * createCodecs); rounds alternate between them so machine load hits both alike.
 *   node --import tsx scripts/bench-msgpack.ts [--rounds R] <module> [<module> ...]
 * To compare with an older build, copy its room beside this one (it must resolve node_modules), e.g.
 *   mkdir src/codecs-old && git archive <rev> src/codecs | tar -x --strip-components=2 -C src/codecs-old
 * and pass src/codecs-old/index.ts src/codecs/index.ts (delete the copy after; it is not to be committed).
 * Messages: simulated signal frames at 10 and 100 GeV (fixed seed), and a candidate (a
 * classified reco event with truth). Rates are per CPU second of this process. Prints per-round
 * JSON and a table of medians.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_SIMULATION } from '../src/config/index.js';
import type { Codec } from '../src/codecs/index.js';
import { DEFAULT_GEOMETRY, Rng, type Candidate, type HitFrame } from '../src/domain/index.js';
import { median } from '../src/numerics/index.js';
import { generateEvent } from '../src/sim/index.js';

type Room = { createCodecs(name: 'msgpack'): { frame: Codec<HitFrame>; candidate: Codec<Candidate> } };

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '7' } },
});
const rounds = Number(values.rounds);
const rooms: [string, Room][] = [];
for (const m of positionals) rooms.push([m, (await import(pathToFileURL(resolve(m)).href)) as Room]);

function frames(energyGeV: number, n: number): HitFrame[] {
  const rng = new Rng(1000 + energyGeV);
  return Array.from({ length: n }, (_, i) => {
    const { hits, truth } = generateEvent(DEFAULT_GEOMETRY, DEFAULT_SIMULATION, 'signal', rng.fork(), {
      energyGeV,
    });
    return {
      runId: 'bench',
      eventId: `bench-${i}`,
      timestampNs: 1_700_000_000_000_000_000n + BigInt(i),
      hits,
      truth,
    };
  });
}
const truth = {
  eventClass: 'signal' as const,
  energyGeV: 31,
  x0Cm: 1.4,
  y0Cm: -0.2,
  dCm: -2.6,
  slopeX: 0,
  slopeY: 0.001,
};
const candidate: Candidate = {
  event: {
    runId: 'r',
    eventId: 'r:1',
    timestampNs: 1_700_000_000_000_000_000n,
    status: 'ok',
    nHits: 420,
    energyGeV: 33.3,
    dCm: -2.5,
    xCm: 1.5,
    yCm: -0.25,
    fitRmsCm: 0.031,
    stationsUsed: 3,
    truth,
    classification: {
      score: 0.93,
      predictedClass: 'signal',
      probabilities: { signal: 0.93, neutrino: 0.07 },
    },
  },
  selected: true,
  reasons: ['energy 33.3 GeV in [1, 100]', 'fiducial'],
  alertId: 'a-1',
};
const sets = { 'frame 10 GeV': frames(10, 200), 'frame 100 GeV': frames(100, 200), candidate: [candidate] };

/** CPU time of this process, ms (steadier than wall time on a shared machine). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Items per CPU second over repeated passes for at least minMs of CPU time. */
function rate<T>(items: readonly T[], fn: (x: T) => unknown, minMs = 300): number {
  let done = 0;
  const t0 = cpuMs();
  let t = t0;
  while (t - t0 < minMs) {
    for (const x of items) fn(x);
    done += items.length;
    t = cpuMs();
  }
  return (done / (t - t0)) * 1000;
}

const results = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const [name, room] of r % 2 === 0 ? rooms : [...rooms].reverse()) {
    const c = room.createCodecs('msgpack');
    for (const [what, items] of Object.entries(sets)) {
      const codec = (what === 'candidate' ? c.candidate : c.frame) as Codec<unknown>;
      const bufs = (items as unknown[]).map((x) => codec.encode(x));
      rate(bufs, (b) => codec.decode(b), 50);
      const row = {
        module: name,
        round: r,
        what,
        encodePerS: rate(items as unknown[], (x) => codec.encode(x)),
      };
      const decodePerS = rate(bufs, (b) => codec.decode(b));
      console.log(JSON.stringify({ ...row, decodePerS }));
      for (const [k, v] of [
        ['encode', row.encodePerS],
        ['decode', decodePerS],
      ] as const) {
        const key = `${name}\t${what}\t${k}`;
        results.set(key, [...(results.get(key) ?? []), v]);
      }
    }
  }
}
console.log(`\n| module | message | op | per s (median of ${rounds}) |\n|---|---|---|---|`);
for (const [key, v] of results)
  console.log(`| ${key.split('\t').join(' | ')} | ${Math.round(median(v)).toLocaleString('en')} |`);
