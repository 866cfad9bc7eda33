import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundedDisconnect, withDeadline } from './deadline.js';

test('a wait past its deadline rejects naming what hung; one in time passes its value through', async () => {
  assert.equal(await withDeadline(Promise.resolve(7), 50), 7);
  await assert.rejects(
    withDeadline(new Promise(() => undefined), 30, 'final commit'),
    /final commit: no answer in 30 ms/,
  );
});

test('a disconnect that hangs (a connection stuck re-authenticating) is left after its deadline with one warning', async () => {
  const warnings: string[] = [];
  const t0 = performance.now();
  await boundedDisconnect(
    () => new Promise(() => undefined),
    (m) => warnings.push(m),
    'consumer',
    40,
  );
  assert.ok(performance.now() - t0 < 1_000);
  assert.deepEqual(warnings, ['consumer disconnect: no answer in 40 ms']);
  await boundedDisconnect(
    () => Promise.reject(new Error('Request is not valid given the current SASL state')),
    (m) => warnings.push(m),
    'producer',
    40,
  );
  assert.equal(warnings[1], 'Request is not valid given the current SASL state');
  await boundedDisconnect(
    () => Promise.resolve(),
    (m) => warnings.push(m),
    'admin',
    40,
  );
  assert.equal(warnings.length, 2);
});
