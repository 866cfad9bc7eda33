/**
 * The trigger against the real Kafka broker, as users run it: `showertrig run --brokers` child
 * processes, frames produced to a fresh topic set per test, outputs read back from the brokers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeDeadLetter, decodeExcessAlert, decodeRecoEvent } from '../../src/codecs/index.js';
import { parseConfig } from '../../src/config/index.js';
import type { HitFrame } from '../../src/domain/index.js';
import { createSimulator } from '../../src/sim/index.js';
import {
  asMessages,
  consumeUntil,
  createTopics,
  freshTopics,
  kafkaClient,
  produce,
  simulatedFrames,
  startTrigger,
  waitFor,
} from '../helpers/kafka.js';

const frames = (n: number, sim: { seed: number } & Record<string, unknown>): HitFrame[] =>
  simulatedFrames(n, sim, `it-${sim.seed}`);

function framesUntil(endS: number, sim: Record<string, unknown>): HitFrame[] {
  const cfg = parseConfig({ simulation: sim });
  const s = createSimulator(cfg.detector, cfg.simulation, `it-${cfg.simulation.seed}`);
  const out: HitFrame[] = [];
  for (let f = s.next(); s.elapsedS < endS; f = s.next()) out.push(f);
  return out;
}

test(
  'N frames in → N reconstructed events out, each event id once; malformed frames go to the DLQ and the stream goes on',
  { timeout: 120_000 },
  async () => {
    const kafka = kafkaClient();
    const topics = freshTopics();
    await createTopics(kafka, topics, 4);
    const good = frames(300, { seed: 11 });
    const msgs = asMessages(good);
    const bad = [
      { key: 'bad-random', value: Buffer.from('definitely not a frame') },
      { key: 'bad-empty', value: Buffer.alloc(0) },
      { key: 'bad-truncated', value: msgs[0]!.value.subarray(0, 10) },
    ];
    // Interleave the bad messages with good ones so the stream must continue past them.
    const all = [
      ...msgs.slice(0, 100),
      bad[0]!,
      ...msgs.slice(100, 200),
      bad[1]!,
      bad[2]!,
      ...msgs.slice(200),
    ];
    const trig = startTrigger(topics);
    try {
      await produce(kafka, topics.frames, all);
      const reco = await consumeUntil(
        kafka,
        topics.reco,
        (m) => new Set(m.map((x) => x.key)).size >= good.length,
        90_000,
      );
      const ids = reco.map((m) => decodeRecoEvent(m.value).eventId);
      assert.equal(
        new Set(ids).size,
        good.length,
        `distinct reconstructed events: ${new Set(ids).size}\n${trig.output().slice(-2000)}`,
      );
      assert.deepEqual(new Set(ids), new Set(good.map((f) => f.eventId)));
      assert.equal(ids.length, good.length, 'a single healthy process writes each event once');
      const dlq = await consumeUntil(kafka, topics.dlq, (m) => m.length >= 3, 30_000);
      assert.equal(dlq.length, 3);
      const letters = dlq.map((m) => decodeDeadLetter(m.value));
      for (const d of letters) {
        assert.ok(d.reason.length > 0, 'every dead letter says why');
        assert.equal(d.topic, topics.frames);
      }
      assert.deepEqual(
        new Set(letters.map((d) => Buffer.from(d.payload).toString('hex'))),
        new Set(bad.map((b) => b.value.toString('hex'))),
        'original bytes kept',
      );
    } finally {
      assert.equal(await trig.stop(), 0, `exit code; output:\n${trig.output().slice(-2000)}`);
    }
  },
);

const excessTrigger = {
  trigger: { excess: { windowS: 10, stepS: 1, trailingWindowS: 40, zThreshold: 5, holdoffS: 30 } },
};

test(
  'an injected excess raises an alert; a background-only stream does not',
  { timeout: 180_000 },
  async () => {
    const kafka = kafkaClient();
    const withExcess = freshTopics();
    const background = freshTopics();
    await createTopics(kafka, withExcess, 2);
    await createTopics(kafka, background, 2);
    // Event-time statistics need frames in time order: one partition per stream keeps them so.
    const key = 'run';
    const ex = framesUntil(110, {
      seed: 21,
      excess: { eventClass: 'signal', rateFactor: 5, startS: 70, durationS: 20 },
    });
    const bg = framesUntil(110, { seed: 22 });
    const a = startTrigger(withExcess, excessTrigger);
    const b = startTrigger(background, excessTrigger);
    try {
      await produce(
        kafka,
        withExcess.frames,
        asMessages(ex).map((m) => ({ ...m, key })),
      );
      await produce(
        kafka,
        background.frames,
        asMessages(bg).map((m) => ({ ...m, key })),
      );
      const alerts = await consumeUntil(kafka, withExcess.alerts, (m) => m.length >= 1, 90_000);
      assert.ok(alerts.length >= 1, `no alert for the injected excess\n${a.output().slice(-2000)}`);
      const alert = decodeExcessAlert(alerts[0]!.value);
      const t0 = ex[0]!.timestampNs;
      const startS = Number(alert.windowStartNs - t0) / 1e9;
      assert.ok(
        startS > 55 && startS < 95,
        `alert window starts ${startS.toFixed(1)} s into the run (excess at 70–90 s)`,
      );
      assert.ok(
        alert.observed > alert.expected && alert.p < 1e-3,
        `alert ${JSON.stringify({ ...alert, windowStartNs: String(alert.windowStartNs), windowEndNs: String(alert.windowEndNs) })}`,
      );
      // Wait until the background stream is fully reconstructed, then check it raised nothing.
      const reco = await consumeUntil(
        kafka,
        background.reco,
        (m) => new Set(m.map((x) => x.key)).size >= bg.length,
        90_000,
      );
      assert.equal(new Set(reco.map((m) => m.key)).size, bg.length);
      const none = await consumeUntil(kafka, background.alerts, (m) => m.length > 0, 3_000);
      assert.equal(none.length, 0, 'background-only stream raised an alert');
    } finally {
      await a.stop();
      await b.stop();
    }
  },
);

test(
  'two processes in one consumer group split the partitions and together process every frame',
  { timeout: 150_000 },
  async () => {
    const kafka = kafkaClient();
    const topics = freshTopics();
    await createTopics(kafka, topics, 4);
    const fs = frames(600, { seed: 31 });
    const group = `g-split-${topics.frames}`;
    const p1 = startTrigger(topics, {}, group);
    const p2 = startTrigger(topics, {}, group);
    try {
      // Both joined, and the newest join of each holds frames partitions: the group has rebalanced
      // onto both members before any frame is produced (else the first may take everything).
      const holds = (out: string): boolean => {
        const joins = out
          .split('\n')
          .filter((l) => l.includes('joined consumer group') && l.includes(`"groupId":"${group}"`));
        const last = joins[joins.length - 1];
        return last !== undefined && new RegExp(`"${topics.frames.replace(/\./g, '\\.')}":\\[\\d`).test(last);
      };
      await waitFor(
        () => holds(p1.output()) && holds(p2.output()),
        60_000,
        'both processes to hold partitions',
      );
      await produce(kafka, topics.frames, asMessages(fs));
      const reco = await consumeUntil(
        kafka,
        topics.reco,
        (m) => new Set(m.map((x) => x.key)).size >= fs.length,
        90_000,
      );
      assert.equal(new Set(reco.map((m) => decodeRecoEvent(m.value).eventId)).size, fs.length);
      const processed = (out: string): number =>
        [...out.matchAll(/processed (\d+) frames/g)].reduce((s, m) => s + Number(m[1]), 0);
      const c1 = await p1.stop();
      const c2 = await p2.stop();
      assert.equal(c1, 0);
      assert.equal(c2, 0);
      const n1 = processed(p1.output());
      const n2 = processed(p2.output());
      assert.ok(n1 > 0 && n2 > 0, `both processes worked: ${n1} + ${n2}`);
      assert.ok(n1 + n2 >= fs.length, `together they processed every frame: ${n1} + ${n2}`);
    } finally {
      if (p1.child.exitCode === null) await p1.stop();
      if (p2.child.exitCode === null) await p2.stop();
    }
  },
);

test(
  'a processor killed mid-stream loses nothing: its successor in the group redoes the unacknowledged frames',
  { timeout: 180_000 },
  async () => {
    const kafka = kafkaClient();
    const topics = freshTopics();
    await createTopics(kafka, topics, 4);
    // Signal showers only (the slowest class), so the stream outlasts the kill.
    const fs = frames(4000, { seed: 41, ratesHz: { signal: 85, neutrino: 0, muon: 0, noise: 0 } });
    const group = `g-crash-${topics.frames}`;
    const first = startTrigger(topics, {}, group);
    let second: ReturnType<typeof startTrigger> | undefined;
    try {
      await waitFor(
        () => first.output().includes('joined consumer group'),
        60_000,
        'the first processor to join',
      );
      await produce(kafka, topics.frames, asMessages(fs));
      // Kill it without any chance to commit or flush once it has written part of the stream.
      await consumeUntil(kafka, topics.reco, (m) => new Set(m.map((x) => x.key)).size >= 200, 60_000);
      first.child.kill('SIGKILL');
      const before = new Set((await consumeUntil(kafka, topics.reco, () => false, 2_000)).map((m) => m.key))
        .size;
      assert.ok(
        before < fs.length,
        `the kill came after the whole stream (${before} events): it tests nothing`,
      );
      second = startTrigger(topics, {}, group);
      const reco = await consumeUntil(
        kafka,
        topics.reco,
        (m) => new Set(m.map((x) => x.key)).size >= fs.length,
        120_000,
      );
      const ids = new Set(reco.map((m) => decodeRecoEvent(m.value).eventId));
      assert.deepEqual(
        ids,
        new Set(fs.map((f) => f.eventId)),
        `${ids.size}/${fs.length} events after the crash (${before} before it)\n${second.output().slice(-1500)}`,
      );
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
      if (second !== undefined) assert.equal(await second.stop(), 0, second.output().slice(-1500));
    }
  },
);
