/**
 * The kafkajs request-queue timer fix (kafkajs-fixes.ts): the installed kafkajs has the bug, the
 * fix removes the idle loop and keeps what the timer is for (a request queued behind the
 * client-side throttle or the in-flight limit still goes out), and against the real broker an
 * idle connected producer stops arming ~1,000 timers a second.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { applyKafkajsFixes, hasIdleTimerLoop, kafkajsRequestQueue } from './kafkajs-fixes.js';
import { createKafkaCluster, createKafkaProducer } from './index.js';
import { loadConfig } from './config-file.js';
import { silentLogger } from '../telemetry/index.js';

const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const RequestQueue = kafkajsRequestQueue() as unknown as new (o: object) => {
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  maybeThrottle(ms: number): void;
  push(r: object): void;
  destroy(): void;
};
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const queue = (maxInFlightRequests: number | null = null) =>
  new RequestQueue({ maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: 'b:1', logger: quiet });
/** A request that expects no answer: it completes as soon as it is sent. */
const request = (correlationId: number, onSend: () => void) => ({
  entry: { correlationId, apiKey: 0, apiName: 'Produce', apiVersion: 3, resolve() {}, reject() {} },
  expectResponse: false,
  sendRequest: onSend,
});

test('the installed kafkajs has the idle timer loop, and applying the fix removes it (once)', () => {
  const original = kafkajsRequestQueue().prototype.scheduleCheckPendingRequests;
  const needed = hasIdleTimerLoop(original);
  assert.equal(applyKafkajsFixes(), needed ? 'applied' : 'not needed');
  assert.equal(applyKafkajsFixes(), needed ? 'applied' : 'not needed');
  assert.equal(hasIdleTimerLoop(kafkajsRequestQueue().prototype.scheduleCheckPendingRequests), false);
  // kafkajs 2.2.4 (package.json ^2.2.4) has it: if this fails after an upgrade, check whether upstream fixed it.
  assert.equal(needed, true);
});

test('with nothing queued, checking the queue arms no timer', () => {
  applyKafkajsFixes();
  const q = queue();
  q.checkPendingRequests();
  assert.equal(q.throttleCheckTimeoutId, null);
  q.destroy();
});

test('a request queued behind the client-side throttle goes out once the throttle ends', async () => {
  applyKafkajsFixes();
  const q = queue();
  q.maybeThrottle(60);
  const t0 = Date.now();
  const sent = new Promise<number>((resolve) => q.push(request(1, () => resolve(Date.now() - t0))));
  assert.equal(q.pending.length, 1);
  assert.notEqual(q.throttleCheckTimeoutId, null);
  const after = await sent;
  assert.ok(after >= 55 && after < 1_000, `sent after ${after} ms`);
  assert.equal(q.pending.length, 0);
  q.destroy();
});

test('a request queued behind the in-flight limit goes out when the one in flight is answered', async () => {
  applyKafkajsFixes();
  const q = queue(1);
  const order: number[] = [];
  // Expects an answer: stays in flight until fulfillRequest.
  q.push({ ...request(1, () => order.push(1)), expectResponse: true });
  q.push(request(2, () => order.push(2)));
  assert.deepEqual(order, [1]);
  (q as unknown as { fulfillRequest(r: object): void }).fulfillRequest({ correlationId: 1, payload: null, size: 0 });
  assert.deepEqual(order, [1, 2]);
  q.destroy();
});

test('an idle producer connected to the real broker arms a handful of timers a second, not one per millisecond', { timeout: 60_000 }, async () => {
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
    assert.ok(timers < 50, `${timers} timers armed in 1 s of idle (with the kafkajs 2.2.4 loop: about 1,000 per connection)`);
  } finally {
    hook.disable();
    await producer.disconnect();
    await cluster.close();
  }
});
