/**
 * msgpack encode/decode speed, A/B in one process: the hand-written field checks of the build
 * before zod (scripts/bench-ab/hand-msgpack.ts) against src/codecs (the zod wire schemas).
 * Rounds alternate which side goes first, so machine load hits both alike. Both sides must
 * write the same bytes and decode to the same values (checked before timing).
 *   node --expose-gc --import tsx scripts/bench-msgpack.ts [--rounds R] [--ms M]
 * Messages: simulated signal frames at 10 and 100 GeV (fixed seed), and a classified candidate
 * with truth. Each sample is CPU µs per message: the fastest of ten passes of at least M/10 ms.
 * Prints one JSON line per sample, then a markdown table of medians [min–max] and the paired
 * per-round difference.
 */
import { deepStrictEqual } from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { createCodecs, type Codec } from '../src/codecs/index.js';
import { DEFAULT_SIMULATION } from '../src/config/index.js';
import { DEFAULT_GEOMETRY, Rng, type Candidate, type HitFrame } from '../src/domain/index.js';
import { generateEvent } from '../src/sim/index.js';
import { collectGarbage, cpuMs, Samples } from './bench-ab/ab.js';
import * as hand from './bench-ab/hand-msgpack.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '15' }, ms: { type: 'string', default: '200' } },
});
const rounds = Number(values.rounds);
const minMs = Number(values.ms);

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
    truth: {
      eventClass: 'signal',
      energyGeV: 31,
      x0Cm: 1.4,
      y0Cm: -0.2,
      dCm: -2.6,
      slopeX: 0,
      slopeY: 0.001,
    },
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
const sets: Record<string, { kind: 'frame' | 'candidate'; items: unknown[] }> = {
  'frame 10 GeV': { kind: 'frame', items: frames(10, 200) },
  'frame 100 GeV': { kind: 'frame', items: frames(100, 200) },
  candidate: { kind: 'candidate', items: [candidate] },
};
type Side = Record<'frame' | 'candidate', Codec<unknown>>;
const zod = createCodecs('msgpack') as unknown as Side;
const sides: [name: string, side: 'a' | 'b', codecs: Side][] = [
  ['hand', 'a', hand.createCodecs() as unknown as Side],
  ['zod', 'b', zod],
];

// Same bytes out, same values back.
for (const { kind, items } of Object.values(sets)) {
  for (const x of items) {
    const a = sides[0]![2][kind].encode(x);
    const b = sides[1]![2][kind].encode(x);
    if (!a.equals(b)) throw new Error(`${kind}: the two sides encode different bytes`);
    deepStrictEqual(sides[1]![2][kind].decode(a), sides[0]![2][kind].decode(a));
  }
}

/**
 * CPU µs per item: the fastest of ten passes over the items, each of at least ms/10 of CPU time
 * (on a shared machine, preemption only ever adds time, so the fastest pass is the steadiest).
 */
function usPer<T>(items: readonly T[], fn: (x: T) => unknown, ms: number): number {
  let best = Infinity;
  for (let k = 0; k < 10; k++) {
    let done = 0;
    const t0 = cpuMs();
    let t = t0;
    while (t - t0 < ms / 10) {
      for (const x of items) fn(x);
      done += items.length;
      t = cpuMs();
    }
    best = Math.min(best, ((t - t0) * 1000) / done);
  }
  return best;
}

const samples = new Samples();
for (let r = -1; r < rounds; r++) {
  for (const [name, side, codecs] of r % 2 === 0 ? sides : [...sides].reverse()) {
    for (const [what, { kind, items }] of Object.entries(sets)) {
      const codec = codecs[kind];
      const bufs = items.map((x) => codec.encode(x));
      collectGarbage();
      const encode = usPer(items, (x) => codec.encode(x), minMs);
      collectGarbage();
      const decode = usPer(bufs, (b) => codec.decode(b), minMs);
      if (r < 0) continue; // warm-up round
      console.log(JSON.stringify({ side: name, round: r, what, encodeUs: encode, decodeUs: decode }));
      samples.add(`${what} encode`, side, encode);
      samples.add(`${what} decode`, side, decode);
    }
  }
}
console.log(`\n${rounds} rounds of ≥ ${minMs} ms CPU per sample, node ${process.version}\n`);
console.log(samples.table('CPU µs per message', 'hand', 'zod'));
