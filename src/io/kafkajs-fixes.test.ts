/**
 * The kafkajs request-queue timer fix (kafkajs-fixes.ts): the installed kafkajs has the bug, the
 * fix removes the idle loop and keeps what the timer is for (a request queued behind the
 * client-side throttle or the in-flight limit still goes out), and a kafkajs whose private file
 * cannot be patched leaves the commands running, saying so once. Against the real broker:
 * test/integration/kafkajs-fixes.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyKafkajsFixes,
  createKafkajsFixer,
  hasIdleTimerLoop,
  kafkajsRequestQueue,
} from './kafkajs-fixes.js';

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
  new RequestQueue({
    maxInFlightRequests,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'b:1',
    logger: quiet,
  });
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
  (q as unknown as { fulfillRequest(r: object): void }).fulfillRequest({
    correlationId: 1,
    payload: null,
    size: 0,
  });
  assert.deepEqual(order, [1, 2]);
  q.destroy();
});

test('a kafkajs that cannot be patched: not applied, one warning, no throw; the state is logged once', () => {
  const lines: string[] = [];
  const logger = {
    info: (m: string) => void lines.push(`info ${m}`),
    warn: (m: string) => void lines.push(`warn ${m}`),
  };
  const broken = createKafkajsFixer(() => {
    throw new Error("Cannot find module 'kafkajs/src/network/requestQueue/index.js'");
  });
  assert.equal(broken(), 'not applied');
  assert.equal(broken(logger), 'not applied');
  assert.equal(broken(logger), 'not applied');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^warn kafkajs request-queue timer fix not applied \(Cannot find module/);
  const moved = createKafkajsFixer(() => ({ prototype: {} as never }));
  assert.equal(moved(logger), 'not applied');
  assert.match(lines[1]!, /scheduleCheckPendingRequests not found/);
});

test('the real fix logs its state once, at info', () => {
  const lines: string[] = [];
  const logger = {
    info: (m: string) => void lines.push(m),
    warn: (m: string) => void lines.push(`warn ${m}`),
  };
  const fixer = createKafkajsFixer();
  fixer(logger);
  fixer(logger);
  assert.deepEqual(lines, ['kafkajs request-queue timer fix: not needed']); // the shared fixer above already patched the class
});
