/**
 * The Kafka sinks' producer against the real broker: concurrent writes of several sinks on one
 * producer are coalesced into shared requests without breaking a topic's max.message.bytes or the
 * write order per topic, and every write resolves only once its records are acknowledged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKafkaCluster, createKafkaProducer, createKafkaSink } from '../../src/io/index.js';
import { loadConfig } from '../../src/config-file/index.js';
import { silentLogger } from '../../src/telemetry/index.js';
import { BROKERS, consumeUntil, freshTopics, kafkaClient } from '../helpers/kafka.js';

test(
  'concurrent writes of two sinks on one producer: each topic within its max.message.bytes, in write order, all acknowledged',
  { timeout: 90_000 },
  async () => {
    const kafka = kafkaClient();
    const topics = freshTopics();
    const admin = kafka.admin();
    await admin.connect();
    // A 10 KiB limit: two 6 KB writes to `small` must never share a request (the broker would refuse it for good).
    await admin.createTopics({
      topics: [
        {
          topic: topics.frames,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: 'max.message.bytes', value: String(10 * 1024) }],
        },
        { topic: topics.reco, numPartitions: 1, replicationFactor: 1 },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const cfg = loadConfig([], { kafka: { brokers: [...BROKERS], topics } });
    const cluster = createKafkaCluster(cfg.kafka, silentLogger);
    const producer = createKafkaProducer(cluster);
    await producer.connect();
    try {
      const small = createKafkaSink<{ id: number; bytes: number }>(producer, {
        topic: topics.frames,
        key: (m) => `s${m.id}`,
        encode: (m) => Buffer.alloc(m.bytes, m.id % 251),
        maxMessageBytes: await cluster.maxMessageBytes(topics.frames),
      });
      const big = createKafkaSink<{ id: number }>(producer, {
        topic: topics.reco,
        key: (m) => `b${m.id}`,
        encode: (m) => Buffer.from(String(m.id)),
        maxMessageBytes: await cluster.maxMessageBytes(topics.reco),
      });
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 30; i++) {
        writes.push(small.write([{ id: i, bytes: 6_000 }]));
        writes.push(big.write(Array.from({ length: 20 }, (_, k) => ({ id: i * 20 + k }))));
      }
      await Promise.all(writes);
      const { sends, rounds: requests } = producer.stats();
      assert.equal(sends, 60);
      assert.ok(
        requests < sends,
        `writes queued behind a request in flight share the next one (${requests} requests for ${sends} sends)`,
      );
      const s = await consumeUntil(kafka, topics.frames, (m) => m.length >= 30, 30_000);
      const b = await consumeUntil(kafka, topics.reco, (m) => m.length >= 600, 30_000);
      assert.deepEqual(
        s.map((m) => m.key),
        Array.from({ length: 30 }, (_, i) => `s${i}`),
      );
      assert.deepEqual(
        b.map((m) => m.key),
        Array.from({ length: 600 }, (_, i) => `b${i}`),
      );
      assert.ok(s.every((m, i) => m.value.length === 6_000 && m.value[0] === i % 251));
    } finally {
      await producer.disconnect();
      await cluster.close();
    }
  },
);
