/**
 * The dispatcher's delivery contract, with a stand-in for kafkajs' sendBatch that fails the way a
 * killed partition leader does (the real thing under a leader kill: test/integration/cluster-leader-kill.test.ts):
 * one produce call per partition, only a failed partition is sent again, and an answer that does
 * not acknowledge the partition fails the write instead of counting it as delivered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message, Producer, ProducerBatch, RecordMetadata } from 'kafkajs';
import { createDispatcher, type DispatchStats } from './kafka-dispatch.js';
import { createLinkHealth } from './link-health.js';

type Send = (b: ProducerBatch) => Promise<RecordMetadata[]>;

function dispatcher(sendBatch: Send) {
  const stats: DispatchStats = { sends: 0, rounds: 0, requests: 0, retries: 0 };
  const dispatch = createDispatcher({
    producer: { sendBatch } as unknown as Producer,
    options: { outageToleranceMs: 10_000, stallMs: 10_000 },
    health: createLinkHealth(true),
    brokers: 'b:1',
    stats,
    partitions: async () => 4,
  });
  return { dispatch, stats };
}

const ack = (topic: string, partition: number): RecordMetadata[] => [
  { topicName: topic, partition, errorCode: 0, baseOffset: '0' } as RecordMetadata,
];
const messages = (n: number): Message[] =>
  Array.from({ length: n }, (_, i) => ({ key: `event-${i}`, value: Buffer.from([i]) }));

test('one produce call per partition; a failed partition alone is sent again, with the same records', async () => {
  const calls: { partition: number; keys: string[] }[] = [];
  let failedOnce = false;
  const { dispatch, stats } = dispatcher(async (b) => {
    const t = b.topicMessages![0]!;
    const partition = t.messages[0]!.partition!;
    assert.equal(b.topicMessages!.length, 1);
    assert.ok(
      t.messages.every((m) => m.partition === partition),
      'one partition per call',
    );
    calls.push({ partition, keys: t.messages.map((m) => String(m.key)) });
    if (partition === 2 && !failedOnce) {
      failedOnce = true;
      throw Object.assign(new Error('Connection error: connect ECONNREFUSED'), {
        name: 'KafkaJSConnectionError',
        retriable: true,
      });
    }
    return ack(t.topic, partition);
  });
  const msgs = messages(40);
  await dispatch('tt.frames', msgs, 40, 1 << 20);
  const partitions = new Set(calls.map((c) => c.partition));
  assert.ok(partitions.size > 1, 'keys spread over several partitions');
  assert.equal(calls.length, partitions.size + 1, 'each partition once, the failed one twice');
  const p2 = calls.filter((c) => c.partition === 2);
  assert.equal(p2.length, 2);
  assert.deepEqual(p2[0]!.keys, p2[1]!.keys, 'the retry carries the same records');
  assert.equal(new Set(calls.flatMap((c) => c.keys)).size, 40);
  assert.equal(calls.flatMap((c) => c.keys).length, 40 + p2[0]!.keys.length, 'nothing else is sent twice');
  assert.equal(stats.retries, 1);
});

test('an answer that does not acknowledge the partition fails the write', async () => {
  const { dispatch } = dispatcher(async (b) => {
    const t = b.topicMessages![0]!;
    const partition = t.messages[0]!.partition!;
    return partition === 1 ? [] : ack(t.topic, partition);
  });
  await assert.rejects(
    dispatch('tt.frames', messages(40), 40, 1 << 20),
    /tt\.frames\[1\].*does not acknowledge/,
  );
});
