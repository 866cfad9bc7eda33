/**
 * The pipelined Kafka source against the real broker: the next fetch waits for a batch's release
 * (reconstructed), not its ack; fetching goes on while released batches are unacknowledged (up to
 * maxInFlightMessages), and only acknowledged offsets are committed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Subscription } from 'rxjs';
import { createKafkaCluster, createKafkaSource, DEFAULT_KAFKA_SOURCE } from '../../src/io/index.js';
import { loadConfig } from '../../src/config-file/index.js';
import type { InputBatch } from '../../src/pipeline/index.js';
import { silentLogger } from '../../src/telemetry/index.js';
import { BROKERS, createTopics, freshTopics, kafkaClient, produce } from '../helpers/kafka.js';

const N = 400;
const VALUE = Buffer.alloc(1000, 7); // ~1 KB per message, produced 10 to a record batch: a 16 KiB fetch returns one or two of them

async function setup() {
  const kafka = kafkaClient();
  const topics = freshTopics();
  await createTopics(kafka, topics, 1);
  for (let i = 0; i < N; i += 10)
    await produce(
      kafka,
      topics.frames,
      Array.from({ length: 10 }, (_, k) => ({ key: `k${i + k}`, value: VALUE })),
    );
  const cfg = loadConfig([], { kafka: { brokers: [...BROKERS], topics } });
  const cluster = createKafkaCluster(cfg.kafka, silentLogger);
  const group = `g-src-${randomBytes(4).toString('hex')}`;
  const opened: ReturnType<typeof createKafkaSource>[] = [];
  const source = (maxInFlightMessages: number) => {
    const s = createKafkaSource(
      cluster,
      {
        ...DEFAULT_KAFKA_SOURCE,
        groupId: group,
        topic: topics.frames,
        maxBytesPerPartition: 16 * 1024,
        maxInFlightMessages,
        commitIntervalMs: 200,
      },
      silentLogger,
    );
    opened.push(s);
    return s;
  };
  const close = async () => {
    for (const s of opened) await s.close();
    await cluster.close();
  };
  return { close, source };
}

/** Collects batches without acking them (releasing each if `release`); resolves once `until` holds or after `ms`. */
function collect(
  s: ReturnType<typeof createKafkaSource>,
  until: (b: InputBatch[]) => boolean,
  ms: number,
  release = true,
): { batches: InputBatch[]; sub: Subscription; done: Promise<void> } {
  const batches: InputBatch[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const timer = setTimeout(resolve, ms);
  const sub = s.batches$.subscribe((b) => {
    batches.push(b);
    if (release) b.release?.();
    if (until(batches)) {
      clearTimeout(timer);
      resolve();
    }
  });
  return { batches, sub, done };
}

test(
  'the source fetches on while released batches are unacknowledged, up to maxInFlightMessages, and commits only acknowledged offsets',
  { timeout: 90_000 },
  async () => {
    const { close, source } = await setup();
    try {
      // Nothing released: nothing more is handed over while the first batch is being reconstructed,
      // and a late release lets the next fetch go on.
      const held = source(10_000);
      const h = collect(held, () => false, 3_000, false);
      await held.joined;
      await h.done;
      assert.equal(
        h.batches.length,
        1,
        `${h.batches.length} batches handed over before the first was released`,
      );
      assert.ok(h.batches[0]!.release !== undefined, 'a pipelined batch carries release');
      h.batches[0]!.release!();
      const t0 = Date.now();
      while (h.batches.length < 2 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
      assert.ok(h.batches.length >= 2, 'the release let the next fetch go on');
      h.sub.unsubscribe();
      await held.close();

      // A bound of 1 message: nothing more is handed over while the first batch is unacknowledged.
      const strict = source(1);
      const a = collect(strict, () => false, 3_000);
      await strict.joined;
      await a.done;
      assert.equal(
        a.batches.length,
        1,
        `${a.batches.length} batches handed over while the first was unacknowledged`,
      );
      assert.equal(strict.inFlight(), 1);
      a.sub.unsubscribe();
      await strict.close();

      // Nothing was acknowledged, so nothing was committed: a generous bound gets every message
      // again, fetch after fetch, while none of them is acknowledged.
      const loose = source(10_000);
      const b = collect(loose, (bs) => bs.reduce((n, x) => n + x.messages.length, 0) >= N, 30_000);
      await b.done;
      const offsets = b.batches.flatMap((x) => x.messages.map((m) => Number(m.offset)));
      assert.deepEqual(
        offsets,
        Array.from({ length: N }, (_, i) => i),
        'every message from offset 0, in order',
      );
      assert.ok(
        b.batches.length > 5,
        `several fetches (${b.batches.length} batches) while nothing was acknowledged`,
      );
      assert.equal(loose.inFlight(), b.batches.length);
      // Acknowledge the first half of the batches only; the commit (interval and close) covers exactly them.
      const half = Math.floor(b.batches.length / 2);
      for (const x of b.batches.slice(0, half)) await x.ack?.();
      const next = Number(b.batches[half]!.messages[0]!.offset);
      await new Promise((r) => setTimeout(r, 600));
      b.sub.unsubscribe();
      await loose.close();

      const again = source(10_000);
      const c = collect(again, (bs) => bs.length > 0, 30_000);
      await c.done;
      c.sub.unsubscribe();
      await again.close();
      assert.equal(
        Number(c.batches[0]?.messages[0]?.offset),
        next,
        'a successor starts right after the last acknowledged batch',
      );
    } finally {
      await close();
    }
  },
);
