import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from './args.js';
import { command } from './run.js';

test('run --role takes all, reco or excess; anything else is a usage error naming the choices', async () => {
  await assert.rejects(
    command.run(['--brokers', '127.0.0.1:1', '--role', 'bogus']),
    (e: unknown) => e instanceof UsageError && /all, reco, excess/.test(e.message),
  );
});

test('run --role reco|excess without --brokers is a usage error (embedded mode is one process, role all)', async () => {
  for (const role of ['reco', 'excess']) {
    await assert.rejects(
      command.run(['--role', role]),
      (e: unknown) => e instanceof UsageError && /needs --brokers/.test(e.message),
    );
  }
});
