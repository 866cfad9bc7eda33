/**
 * Against the shared broker: no poison pill (the largest message the broker accepts, and a
 * backlog of 40,000 bad keyed messages with maxInFlightFrames 16384: every one dead-lettered, every
 * valid frame reconstructed, the stream goes on), clean stops under load (SIGTERM → exit 0 within
 * the grace, nothing redone; `npm run soak` repeats it 10+ times), and a start-up that fails
 * halfway (metrics port in use) exits at once.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { decodeDeadLetter } from '../../src/codecs/index.js';
import {
  asMessages,
  BROKERS,
  consumeUntil,
  createTopics,
  freshTopics,
  kafkaClient,
  produce,
  simulatedFrames,
  startTrigger,
  waitUntil,
} from '../helpers/kafka.js';
import { startCli } from '../helpers/processes.js';

const frames = (
  n: number,
  seed: number,
  sim: Record<string, unknown> = {},
): { key: string; value: Buffer }[] => asMessages(simulatedFrames(n, { seed, ...sim }, `poison-${seed}`));

/** Every record of a topic with its headers (the helper's consumeUntil drops them). */
async function readAll(
  topic: string,
  until: (n: number) => boolean,
  timeoutMs: number,
): Promise<{ key: string; value: Buffer; headers: Record<string, string> }[]> {
  const kafka = kafkaClient();
  const c = kafka.consumer({
    groupId: `test-read-${randomBytes(4).toString('hex')}`,
    maxBytesPerPartition: 8 << 20,
  });
  const got: { key: string; value: Buffer; headers: Record<string, string> }[] = [];
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  await c.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
        got.push({ key: m.key?.toString() ?? '', value: m.value ?? Buffer.alloc(0), headers });
      }
      if (until(got.length)) done();
    },
  });
  let t: NodeJS.Timeout | undefined;
  await Promise.race([finished, new Promise<void>((r) => (t = setTimeout(r, timeoutMs)))]);
  clearTimeout(t);
  await c.disconnect();
  return got;
}

test(
  'no poison pill: the largest message the broker accepts and 40,000 bad keyed messages are dead-lettered, 0 valid frames lost',
  { timeout: 240_000 },
  async () => {
    const kafka = kafkaClient();
    const topics = freshTopics();
    await createTopics(kafka, topics, 4);
    const before = frames(100, 61);
    const after = frames(300, 62);
    // The largest value a default broker takes in one record (message.max.bytes 1048588 minus batch and record framing).
    const huge = { key: 'huge', value: randomBytes(1_048_504) };
    const BAD = 40_000;
    const bad = Array.from({ length: BAD }, (_, i) => ({
      key: `bad-${i}`,
      value: randomBytes(200 + (i % 800)),
    }));
    await produce(kafka, topics.frames, before);
    await produce(kafka, topics.frames, [huge]);
    const p = kafka.producer();
    await p.connect();
    for (let i = 0; i < bad.length; i += 1000)
      await p.send({ topic: topics.frames, acks: -1, messages: bad.slice(i, i + 1000) });
    await p.disconnect();
    await produce(kafka, topics.frames, after);
    const proc = startTrigger(topics, { kafka: { maxInFlightFrames: 16384 } }, `g-poison-${topics.frames}`);
    try {
      const valid = new Set([...before, ...after].map((m) => m.key));
      const reco = await consumeUntil(
        kafka,
        topics.reco,
        (m) => new Set(m.map((x) => x.key)).size >= valid.size,
        150_000,
      );
      assert.deepEqual(
        new Set(reco.map((m) => m.key)),
        valid,
        `valid frames reconstructed\n${proc.output().slice(-2000)}`,
      );
      const dlq = await readAll(topics.dlq, (n) => n >= BAD + 1, 60_000);
      const keys = new Set(dlq.map((d) => d.key));
      assert.equal(keys.size, BAD + 1, `distinct dead letters ${keys.size}`);
      for (const b of bad.slice(0, 50)) assert.ok(keys.has(b.key));
      const big = dlq.find((d) => d.key === 'huge');
      assert.ok(big !== undefined);
      const letter = decodeDeadLetter(big.value);
      assert.equal(big.headers['showertrig.payload.truncated'], 'true');
      assert.equal(big.headers['showertrig.payload.bytes'], String(huge.value.length));
      assert.equal(
        big.headers['showertrig.payload.sha256'],
        createHash('sha256').update(huge.value).digest('hex'),
      );
      assert.ok(
        letter.payload.length > 900_000 && letter.payload.length < huge.value.length,
        `kept ${letter.payload.length} bytes`,
      );
      assert.deepEqual(
        Buffer.from(letter.payload),
        huge.value.subarray(0, letter.payload.length),
        'the kept payload is the original prefix',
      );
      assert.equal(proc.child.exitCode, null, 'the processor is still running');
    } finally {
      assert.equal(await proc.stop(), 0, proc.output().slice(-2000));
    }
  },
);

test(
  'SIGTERM under load: stop fetching, drain, commit, exit 0 within the grace, nothing redone (3 stops; the soak does 10+)',
  { timeout: 240_000 },
  async () => {
    const kafka = kafkaClient();
    const topics = freshTopics();
    await createTopics(kafka, topics, 4);
    const all = frames(5000, 71, { ratesHz: { signal: 85, neutrino: 0, muon: 0, noise: 0 } });
    await produce(kafka, topics.frames, all);
    const group = `g-stops-${topics.frames}`;
    const graceMs = 10_000;
    const exits: number[] = [];
    const framesSoFar = (out: string): number =>
      Number([...out.matchAll(/ frames (\d+) \(/g)].at(-1)?.[1] ?? 0);
    for (let i = 0; i < 3; i++) {
      const proc = startTrigger(topics, { service: { shutdownGraceMs: graceMs } }, group);
      try {
        // Stop it in full flight: once it has worked through a few hundred frames of the backlog.
        await waitUntil(() => framesSoFar(proc.output()) >= 300, 60_000);
        const ts = Date.now();
        proc.child.kill('SIGTERM');
        const code = await proc.exited;
        exits.push(Date.now() - ts);
        assert.equal(code, 0, proc.output().slice(-2000));
        assert.ok(exits.at(-1)! <= graceMs, `exit ${exits.at(-1)} ms after SIGTERM`);
      } finally {
        if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      }
    }
    const last = startTrigger(topics, {}, group);
    try {
      // The earlier runs may already have finished the backlog: wait until this verifier runs its
      // pipeline (its live line) so the final stop below tests a running process, not a start-up.
      await waitUntil(() => / frames \d+ \(/.test(last.output()), 90_000);
      const reco = await consumeUntil(
        kafka,
        topics.reco,
        (m) => new Set(m.map((x) => x.key)).size >= all.length,
        150_000,
      );
      const ids = reco.map((m) => m.key);
      assert.equal(new Set(ids).size, all.length, 'every frame reconstructed');
      assert.equal(
        ids.length - new Set(ids).size,
        0,
        `frames redone after clean stops (exits after ${exits.join(', ')} ms)`,
      );
    } finally {
      assert.equal(await last.stop(), 0);
    }
  },
);

test(
  'a start-up that fails halfway (metrics port in use) exits ≠ 0 at once, naming --metrics-port',
  { timeout: 60_000 },
  async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as AddressInfo).port;
    try {
      const t0 = Date.now();
      const p = startCli(['run', '--brokers', BROKERS.join(','), '--metrics-port', String(port)]);
      const code = await p.exited;
      const out = p.output();
      assert.notEqual(code, 0);
      assert.match(out, /--metrics-port/);
      assert.ok(Date.now() - t0 < 15_000, `exit after ${Date.now() - t0} ms`);
    } finally {
      holder.close();
    }
  },
);
