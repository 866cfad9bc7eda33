import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLinkHealth, linkReady } from './link-health.js';

test('a link that worked stays ready for the grace after a failure, then not; one that never worked is not ready', () => {
  let t = 1_000;
  const h = createLinkHealth(false, () => t);
  assert.equal(linkReady(h, 5_000, t), false, 'never worked: not ready even inside the grace');
  h.markUp();
  assert.equal(linkReady(h, 5_000, t), true);
  t = 2_000;
  h.markDown('NOT_LEADER_OR_FOLLOWER');
  assert.equal(linkReady(h, 5_000, 6_999), true, 'a leader election inside the grace keeps the member ready');
  assert.equal(linkReady(h, 5_000, 7_000), false, 'failing for the whole grace: not ready');
  t = 7_500;
  h.markDown('again'); // a second failure of the same outage does not restart the grace
  assert.equal(linkReady(h, 5_000, 7_500), false);
  h.markUp();
  assert.equal(linkReady(h, 5_000, 7_500), true);
  assert.equal(linkReady(h, 0, 7_500), true, 'up is ready whatever the grace');
  h.markDown('x');
  assert.equal(linkReady(h, 0, 7_500), false, 'grace 0: not ready at the first failure');
});
