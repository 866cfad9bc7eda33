import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from './backend.js';

const ORDER = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

test("'auto' takes the best backend that starts and records why the better ones were skipped", async () => {
  const r = await selectBackend('auto');
  assert.equal(tf.getBackend(), r.backend);
  const chosenRank = r.backend === 'tensorflow' ? (r.attempts.length === 0 ? 0 : 1) : ORDER.indexOf(r.backend);
  assert.deepEqual(r.attempts.map((a) => a.backend), ORDER.slice(0, chosenRank));
  for (const a of r.attempts) assert.ok(a.error.length > 0);
  if (r.backend === 'wasm') {
    assert.equal(typeof r.wasm?.simd, 'boolean');
    assert.ok((r.wasm?.threadCount ?? 0) >= 1);
  }
});

test('an explicitly requested backend that cannot start is an error, not a silent fallback', async () => {
  let nodeAvailable = true;
  try {
    await import('@tensorflow/tfjs-node' as string);
  } catch {
    nodeAvailable = false;
  }
  if (nodeAvailable) {
    assert.equal((await selectBackend('tensorflow')).backend, 'tensorflow');
  } else {
    await assert.rejects(selectBackend('tensorflow'), /no tfjs backend could start \(tensorflow: /);
  }
  assert.equal((await selectBackend('cpu')).backend, 'cpu');
  assert.equal((await selectBackend('wasm')).backend, 'wasm');
});
