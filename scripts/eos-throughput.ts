/**
 * Throughput of the reconstruction member at-least-once against exactly-once (kafka.delivery), in
 * one run on one broker, the modes alternated (ABBA…) with the same frames: per round, fresh
 * topics hold the same backlog of simulated frames, one `run --brokers --role reco` process reads
 * it, and a read_committed reader of tt.reco times the events from the first to the last one it
 * sees (exactly-once outputs count only once committed). Start-up is outside the timed span.
 *   node --import tsx scripts/eos-throughput.ts [--frames 3000] [--rounds 3] [--out bench/results/eos-throughput]
 * Writes OUT.json (every round) and OUT.md (the table and the medians).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createCodecs } from '../src/codecs/index.js';
import { parseConfig } from '../src/config/index.js';
import { createSimulator } from '../src/sim/index.js';
import { median } from '../src/numerics/index.js';
import { createTopics, freshTopics, kafkaClient, produce, startTrigger } from '../test/helpers/kafka.js';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string', default: 'bench/results/eos-throughput' },
  },
});
const n = Number(values.frames);
const rounds = Number(values.rounds);
const codecs = createCodecs('avro');
const cfg = parseConfig({ simulation: { seed: 7 } });
const sim = createSimulator(cfg.detector, cfg.simulation, 'eos-bench');
const frames = Array.from({ length: n }, () => {
  const f = sim.next();
  return { key: f.eventId, value: codecs.frame.encode(f) };
});
const kafka = kafkaClient();

type Mode = 'at-least-once' | 'exactly-once';
interface Round {
  readonly round: number;
  readonly mode: Mode;
  readonly events: number;
  readonly seconds: number;
  readonly perS: number;
  /** From the processor's first ready /readyz to the last event: includes the wait for the first commit, which the first-to-last span leaves out (large transactions would look faster than they are). */
  readonly secondsFromReady: number;
  readonly perSFromReady: number;
}

async function once(round: number, mode: Mode): Promise<Round> {
  const topics = freshTopics();
  await createTopics(kafka, topics, 4);
  await produce(kafka, topics.frames, frames);
  const group = `bench-${topics.frames}`;
  const seen = new Set<string>();
  let first = 0;
  let last = 0;
  const reader = kafka.consumer({
    groupId: `bench-r-${randomBytes(4).toString('hex')}`,
    readUncommitted: false,
  });
  await reader.connect();
  await reader.subscribe({ topic: topics.reco, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      const now = performance.now();
      if (first === 0) first = now;
      seen.add(message.key?.toString() ?? '');
      last = now;
    },
  });
  const kafkaCfg = { delivery: mode, transactionalId: `${group}-bench` };
  const proc = startTrigger(topics, { kafka: kafkaCfg, service: { logLevel: 'warn' } }, group, [
    '--role',
    'reco',
  ]);
  let readyAt = 0;
  try {
    const t0 = Date.now();
    while (readyAt === 0 && Date.now() - t0 < 120_000 && proc.child.exitCode === null) {
      const url = proc.metricsUrl();
      const ok =
        url !== undefined &&
        (await fetch(`${url}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        ));
      if (ok) readyAt = performance.now();
      else await new Promise((r) => setTimeout(r, 50));
    }
    while (seen.size < n) {
      if (Date.now() - t0 > 600_000 || proc.child.exitCode !== null)
        throw new Error(`${mode}: ${seen.size}/${n} events (${proc.output().slice(-1000)})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await proc.stop();
    await reader.disconnect();
  }
  const seconds = (last - first) / 1000;
  const secondsFromReady = (last - readyAt) / 1000;
  const r = {
    round,
    mode,
    events: seen.size,
    seconds,
    perS: (seen.size - 1) / seconds,
    secondsFromReady,
    perSFromReady: seen.size / secondsFromReady,
  };
  process.stderr.write(
    `round ${round} ${mode}: ${r.perS.toFixed(0)} events/s over ${seconds.toFixed(2)} s; ${r.perSFromReady.toFixed(0)} events/s from ready\n`,
  );
  return r;
}

const results: Round[] = [];
for (let r = 0; r < rounds; r++) {
  // ABBA: each mode goes first in every other round (drift in the machine's load cancels).
  const order: Mode[] = r % 2 === 0 ? ['at-least-once', 'exactly-once'] : ['exactly-once', 'at-least-once'];
  for (const mode of order) results.push(await once(r, mode));
}
const med = (mode: Mode, k: 'perS' | 'perSFromReady' = 'perS'): number =>
  median(results.filter((x) => x.mode === mode).map((x) => x[k]));
const alo = med('at-least-once');
const eos = med('exactly-once');
const aloR = med('at-least-once', 'perSFromReady');
const eosR = med('exactly-once', 'perSFromReady');
const lines = [
  `# Reconstruction throughput, at-least-once vs exactly-once`,
  '',
  `${n} simulated frames (seed 7) as a backlog in 4 partitions, one \`run --brokers --role reco\` process,`,
  `events/s from the first to the last event a read_committed reader of tt.reco sees; modes alternated.`,
  `Command: \`node --import tsx scripts/eos-throughput.ts --frames ${n} --rounds ${rounds}\``,
  '',
  "events/s from ready: from the processor's first ready /readyz to the last event (includes the wait for",
  'the first transaction to commit, which the first-to-last span leaves out).',
  '',
  '| round | mode | events | s | events/s | s from ready | events/s from ready |',
  '|---|---|---|---|---|---|---|',
  ...results.map(
    (x) =>
      `| ${x.round} | ${x.mode} | ${x.events} | ${x.seconds.toFixed(2)} | ${x.perS.toFixed(0)} | ${x.secondsFromReady.toFixed(2)} | ${x.perSFromReady.toFixed(0)} |`,
  ),
  '',
  `Medians: at-least-once ${alo.toFixed(0)} events/s, exactly-once ${eos.toFixed(0)} events/s (${(((eos - alo) / alo) * 100).toFixed(1)} %).`,
  `Medians from ready: at-least-once ${aloR.toFixed(0)} events/s, exactly-once ${eosR.toFixed(0)} events/s (${(((eosR - aloR) / aloR) * 100).toFixed(1)} %).`,
  '',
];
writeFileSync(
  `${values.out}.json`,
  JSON.stringify(
    { frames: n, rounds, results, medians: { alo, eos, aloFromReady: aloR, eosFromReady: eosR } },
    null,
    2,
  ),
);
writeFileSync(`${values.out}.md`, lines.join('\n'));
process.stdout.write(lines.join('\n'));
