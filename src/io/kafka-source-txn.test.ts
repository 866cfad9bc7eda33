import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTransactionalCommits } from './kafka-source-txn.js';

test('exactly-once commits: only while nothing is in flight, every acknowledged partition, waiters released by their commit', async () => {
  let inFlight = 2;
  const commits: Record<string, string>[] = [];
  const t = createTransactionalCommits({
    commit: async (o) => void commits.push(Object.fromEntries(o)),
    inFlight: () => inFlight,
    onFailure: () => assert.fail('no failure expected'),
  });
  const w0 = t.committed(0, 9n);
  const w1 = t.committed(1, 19n);
  let released = 0;
  void w0.then(() => released++);
  inFlight = 1;
  t.acked(0, 10n);
  await new Promise((r) => setTimeout(r, 10));
  // Another batch is still in flight: its outputs may be in the open transaction, so no commit yet.
  assert.deepEqual(commits, []);
  assert.equal(released, 0);
  inFlight = 0;
  t.acked(1, 20n);
  await Promise.all([w0, w1]);
  assert.deepEqual(commits, [{ 0: '10', 1: '20' }]);
  // Already committed past: resolves at once; nothing new: flush commits nothing.
  await t.committed(0, 5n);
  await t.flush();
  assert.equal(commits.length, 1);
});

test('exactly-once commits: a failed commit rejects every waiter and every later wait, and is reported once', async () => {
  const failures: unknown[] = [];
  const t = createTransactionalCommits({
    commit: async () => {
      throw new Error('fenced');
    },
    inFlight: () => 0,
    onFailure: (e) => failures.push(e),
  });
  const w = t.committed(3, 0n);
  t.acked(3, 1n);
  await assert.rejects(w, /fenced/);
  await assert.rejects(t.committed(2, 0n), /fenced/);
  await assert.rejects(t.flush(), /fenced/);
  assert.equal(failures.length, 1);
});

test('exactly-once commits: a commit the membership fence calls unsafe is never sent; the failure names why', async () => {
  const commits: unknown[] = [];
  const failures: unknown[] = [];
  const fence: { why?: string } = {};
  const t = createTransactionalCommits({
    commit: async (o) => void commits.push(Object.fromEntries(o)),
    inFlight: () => 0,
    onFailure: (e) => failures.push(e),
    unsafe: () => fence.why,
  });
  t.acked(0, 5n);
  await t.committed(0, 4n);
  fence.why = 'no heartbeat answered for 3500 ms (session timeout 6000 ms)';
  const w = t.committed(1, 0n);
  t.acked(1, 1n);
  await assert.rejects(w, /not committing the transaction: no heartbeat answered for 3500 ms/);
  assert.deepEqual(commits, [{ 0: '5' }]);
  assert.equal(failures.length, 1);
});
