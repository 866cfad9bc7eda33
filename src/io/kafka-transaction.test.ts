import { test } from 'node:test';
import assert from 'node:assert/strict';
import { untilServed } from './kafka-transaction.js';

test('a transactional commit counts once the group coordinator serves its offsets, not when EndTxn answers', async () => {
  // The markers land a few polls after the commit's answer: the old offsets are served meanwhile.
  const answers = [
    new Map([[0, 10n]]),
    new Map([[0, 10n]]),
    new Map([
      [0, 25n],
      [1, 7n],
    ]),
  ];
  let polls = 0;
  await untilServed(
    async () => answers[Math.min(polls++, answers.length - 1)]!,
    'g',
    't',
    new Map([
      [0, '25'],
      [1, '7'],
    ]),
    5_000,
  );
  assert.equal(polls, 3);
});

test('offsets never served within the limit: a non-retriable error that names the group and topic', async () => {
  const t0 = Date.now();
  await assert.rejects(
    untilServed(async () => new Map([[0, 10n]]), 'g', 'frames', new Map([[0, '11']]), 60),
    (e: Error & { retriable?: boolean }) =>
      /committed offsets of g on frames were not served within 60 ms/.test(e.message) &&
      e.retriable === false,
  );
  assert.ok(Date.now() - t0 < 1_000);
});
