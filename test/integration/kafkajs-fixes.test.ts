/**
 * The kafkajs request-queue timer fix (src/io/kafkajs-fixes.ts) against the real broker: an idle
 * connected producer arms a handful of timers a second instead of ~1,000.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { createKafkaCluster, createKafkaProducer } from '../../src/io/index.js';
import { loadConfig } from '../../src/config-file/index.js';
import { silentLogger } from '../../src/telemetry/index.js';

const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

test(
  'an idle producer connected to the real broker arms a handful of timers a second, not one per millisecond',
  { timeout: 60_000 },
  async () => {
    const cfg = loadConfig([], { kafka: { brokers: BROKERS } });
    const cluster = createKafkaCluster(cfg.kafka, silentLogger);
    const producer = createKafkaProducer(cluster);
    await producer.connect();
    let timers = 0;
    const hook = createHook({ init: (_id, type) => void (type === 'Timeout' && timers++) });
    try {
      // The connection has had its answers (metadata, api versions, init producer id): the loop would run now.
      await new Promise((r) => setTimeout(r, 200));
      hook.enable();
      await new Promise((r) => setTimeout(r, 1_000));
      hook.disable();
      assert.ok(
        timers < 50,
        `${timers} timers armed in 1 s of idle (with the kafkajs 2.2.4 loop: about 1,000 per connection)`,
      );
    } finally {
      hook.disable();
      await producer.disconnect();
      await cluster.close();
    }
  },
);
