/**
 * The pipelined hand-over keeps the messages in flight within maxInFlightMessages although the
 * batches of several partitions arrive at once (kafkajs runs eachBatch concurrently per partition).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { InputBatch } from '../pipeline/index.js';
import { silentLogger } from '../telemetry/index.js';
import { BatchFlight } from './kafka-source-batch.js';
import { createMembershipFence, type MembershipFence } from './kafka-membership.js';

function payload(partition: number, n: number): EachBatchPayload {
  const messages = Array.from({ length: n }, (_, i) => ({
    offset: String(i),
    key: Buffer.from(`k${i}`),
    value: Buffer.from('v'),
    timestamp: '0',
    headers: {},
    attributes: 0,
    size: 1,
  }));
  return {
    batch: { topic: 't', partition, messages, lastOffset: () => String(n - 1) },
    resolveOffset: () => undefined,
    heartbeat: async () => undefined,
    commitOffsetsIfNecessary: async () => undefined,
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
}

/** A pipelined flight of topic t (at most 10 messages in flight) run by `consumer`. */
function pipelinedFlight(consumer: Consumer, membership: MembershipFence): BatchFlight {
  return new BatchFlight(
    {
      topic: 't',
      external: false,
      pipelined: true,
      maxInFlightMessages: 10,
      heartbeatIntervalMs: 5,
      membership,
      logger: silentLogger,
    },
    {
      idle: () => false,
      stopping: () => false,
      current: () => consumer,
      down: () => undefined,
      fail: () => undefined,
    },
  );
}

test('pipelined: concurrent batches of four partitions never put more than maxInFlightMessages in flight', async () => {
  const consumer = {} as Consumer;
  const flight = pipelinedFlight(
    consumer,
    createMembershipFence({ sessionTimeoutMs: 6_000, rebalanceTimeoutMs: 10_000 }),
  );
  flight.assign([0, 1, 2, 3]);
  const pending: InputBatch[] = [];
  let handed = 0;
  let peak = 0;
  const emit = (b: InputBatch): void => {
    handed++;
    pending.push(b);
    peak = Math.max(peak, flight.inFlightMessages);
    b.release?.();
  };
  const handlers = [0, 1, 2, 3].map((p) => flight.handOver(consumer, emit, payload(p, 6)));
  // The pipeline acknowledges what it was handed, a little later, until all four went through.
  for (let i = 0; i < 400 && (handed < 4 || pending.length > 0); i++) {
    await new Promise((r) => setTimeout(r, 5));
    for (const b of pending.splice(0)) b.ack?.();
  }
  await Promise.all(handlers);
  assert.ok(peak <= 10, `in flight reached ${peak} messages against a bound of 10`);
  assert.equal(handed, 4, 'every batch was handed over');
});

test('a membership fence gone stale for want of heartbeats is asked again with one heartbeat before it refuses', async () => {
  let now = 0;
  const fence = createMembershipFence({ sessionTimeoutMs: 6_000, rebalanceTimeoutMs: 30_000 }, () => now);
  const consumer = {} as Consumer;
  let answer: 'ok' | 'gone' = 'ok';
  const flight = pipelinedFlight(consumer, fence);
  flight.assign([0]);
  // The consumer's HEARTBEAT event tells the fence of an answered heartbeat; UNKNOWN_MEMBER_ID rejects.
  const beat = async (): Promise<void> => {
    if (answer === 'gone') throw Object.assign(new Error('unknown member'), { type: 'UNKNOWN_MEMBER_ID' });
    fence.heartbeatOk();
  };
  const handed = flight.handOver(consumer, (b) => (b.release?.(), b.ack?.()), {
    ...payload(0, 1),
    heartbeat: beat,
  });
  await handed;
  now = 9_000; // a long start-up: no heartbeat for 9 s
  assert.notEqual(fence.unsafe(), undefined);
  assert.equal(await flight.membershipNow(), undefined, 'one answered heartbeat: in the group now');
  now = 20_000;
  answer = 'gone';
  assert.match((await flight.membershipNow()) ?? '', /answered UNKNOWN_MEMBER_ID/);
});
