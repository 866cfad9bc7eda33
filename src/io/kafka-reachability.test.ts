import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReachability } from './kafka-reachability.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a broker whose requests stall does not make the cluster unreachable while another answers', async () => {
  const asked: string[] = [];
  const r = createReachability({
    brokers: ['dead:9092', 'alive:9092'],
    // The first broker never answers (a node killed mid-request); the second answers at once.
    ask: (b) => (asked.push(b), b === 'dead:9092' ? new Promise<void>(() => undefined) : Promise.resolve()),
    pollMs: 20,
    perBrokerTimeoutMs: 50,
    deadlineMs: 100,
  });
  try {
    await sleep(400);
    assert.equal(r.health.up, true, r.health.lastError);
    assert.equal(r.health.wasUp, true);
    // The stalled broker is asked again once its request was cut off, the other one every round.
    assert.ok(asked.filter((b) => b === 'dead:9092').length >= 3, asked.join(' '));
    assert.ok(asked.filter((b) => b === 'alive:9092').length >= 10, asked.join(' '));
  } finally {
    r.stop();
  }
});

test('no broker answering for the deadline is down, and the first answer after it is up again', async () => {
  let answering = false;
  const r = createReachability({
    brokers: ['a:1', 'b:2', 'c:3'],
    ask: () => (answering ? Promise.resolve() : new Promise<void>(() => undefined)),
    pollMs: 20,
    perBrokerTimeoutMs: 50,
    deadlineMs: 100,
  });
  try {
    await sleep(250);
    assert.equal(r.health.up, false);
    assert.match(r.health.lastError ?? '', /no broker of a:1,b:2,c:3 answered/);
    answering = true;
    await sleep(150);
    assert.equal(r.health.up, true);
  } finally {
    r.stop();
  }
});
