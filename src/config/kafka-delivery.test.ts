import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, transactionalIdOf } from './index.js';

test('kafka.delivery is at-least-once by default, exactly-once on request, anything else a config error', () => {
  assert.equal(parseConfig({}).kafka.delivery, 'at-least-once');
  const k = parseConfig({ kafka: { delivery: 'exactly-once' } }).kafka;
  assert.equal(k.delivery, 'exactly-once');
  assert.equal(k.transactionTimeoutMs, 10_000);
  assert.throws(
    () => parseConfig({ kafka: { delivery: 'exactly-twice' } }),
    /kafka\.delivery: expected one of "at-least-once", "exactly-once", got "exactly-twice"/,
  );
});

test('the transactional id is stable per instance and role: kafka.transactionalId, else groupId and host', () => {
  const k = parseConfig({ kafka: { groupId: 'g' } }).kafka;
  assert.equal(transactionalIdOf(k, 'reco', 'node-7'), 'g-node-7.reco');
  const named = parseConfig({ kafka: { transactionalId: 'det-a' } }).kafka;
  assert.equal(transactionalIdOf(named, 'reco', 'node-7'), 'det-a.reco');
});
