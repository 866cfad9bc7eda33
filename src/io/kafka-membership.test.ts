import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMembershipFence } from './kafka-membership.js';

const protocolError = (type: string) => Object.assign(new Error(type), { type });

test('membership fence: heartbeats answered keep commits safe; a silent session past half its timeout is not', () => {
  let now = 0;
  const f = createMembershipFence({ sessionTimeoutMs: 6_000, rebalanceTimeoutMs: 10_000 }, () => now);
  for (; now <= 20_000; now += 1_000) {
    f.heartbeatOk();
    assert.equal(f.unsafe(), undefined);
  }
  now = 23_000; // the last OK at 20 000 ms
  assert.equal(f.unsafe(), undefined);
  now += 1;
  assert.match(f.unsafe() ?? '', /no heartbeat answered for 3001 ms \(session timeout 6000 ms\)/);
  // A network error is no answer: the session clock runs on.
  f.heartbeatFailed(new Error('ECONNREFUSED'));
  assert.notEqual(f.unsafe(), undefined);
  f.heartbeatOk();
  assert.equal(f.unsafe(), undefined);
});

test('membership fence: a rebalance keeps the session but is watched against half the rebalance timeout from the last OK', () => {
  let now = 0;
  const f = createMembershipFence({ sessionTimeoutMs: 6_000, rebalanceTimeoutMs: 10_000 }, () => now);
  f.heartbeatOk();
  for (now = 1_000; now <= 5_000; now += 1_000) {
    f.heartbeatFailed({ name: 'KafkaJSProtocolError', type: 'REBALANCE_IN_PROGRESS' });
    assert.equal(f.unsafe(), undefined, `at ${now} ms`);
  }
  now = 5_001;
  assert.match(
    f.unsafe() ?? '',
    /a rebalance has waited for this member up to 5001 ms \(rebalance timeout 10000 ms\)/,
  );
  // The member rejoined: a new generation, safe again.
  f.joined();
  assert.equal(f.unsafe(), undefined);
});

test('membership fence: an answer that the member is gone refuses every commit until it joins again, also when wrapped', () => {
  let now = 0;
  const f = createMembershipFence({ sessionTimeoutMs: 6_000, rebalanceTimeoutMs: 10_000 }, () => now);
  for (const type of ['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'FENCED_INSTANCE_ID']) {
    f.joined();
    f.heartbeatFailed(new Error('heartbeat', { cause: protocolError(type) }));
    now += 100;
    f.heartbeatOk();
    assert.match(f.unsafe() ?? '', new RegExp(`answered ${type}`));
  }
  f.joined();
  assert.equal(f.unsafe(), undefined);
});
