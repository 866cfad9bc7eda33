import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../../domain/index.js';
import { activeBackend, nativeBindingStatus, selectBackend } from './backend.js';

const ORDER = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
const built = (pkg: string): boolean => nativeBindingStatus(pkg).built;

test("'auto' takes the best backend that starts and records why the better ones were skipped", async () => {
  const r = await selectBackend('auto');
  // What 'auto' must pick follows from which native bindings are built here (npm run tf:native).
  const expected = built('@tensorflow/tfjs-node-gpu')
    ? 'tensorflow-gpu'
    : built('@tensorflow/tfjs-node')
      ? 'tensorflow'
      : 'wasm';
  assert.equal(r.backend, expected);
  assert.equal(activeBackend(), expected);
  assert.equal(tf.getBackend(), expected.startsWith('tensorflow') ? 'tensorflow' : expected);
  assert.deepEqual(
    r.attempts.map((a) => a.backend),
    ORDER.slice(0, ORDER.indexOf(expected)),
  );
  for (const a of r.attempts) assert.match(a.error, /npm run tf:native/);
  if (r.backend === 'tensorflow-gpu') assert.equal(typeof r.gpuDevice, 'boolean');
  if (r.backend === 'wasm') {
    assert.equal(typeof r.wasm?.simd, 'boolean');
    assert.ok((r.wasm?.threadCount ?? 0) >= 1);
  }
});

test('an explicitly requested backend that cannot start is an error, not a silent fallback', async () => {
  if (built('@tensorflow/tfjs-node-gpu')) {
    // The first test loaded tfjs-node-gpu; a second libtensorflow in the same process is refused.
    await assert.rejects(selectBackend('tensorflow'), /tfjs-node-gpu is already loaded in this process/);
  } else if (built('@tensorflow/tfjs-node')) {
    assert.equal((await selectBackend('tensorflow')).backend, 'tensorflow');
  } else {
    // One typed line, not a stack: the CLI prints it as "showertrig run: BackendError: …".
    await assert.rejects(
      selectBackend('tensorflow'),
      (e: unknown) =>
        e instanceof BackendError &&
        /^no tfjs backend could start \(tensorflow: [^\n]*npm run tf:native[^\n]*\)$/.test(e.message),
    );
  }
  assert.equal((await selectBackend('cpu')).backend, 'cpu');
  assert.equal(activeBackend(), 'cpu');
  assert.equal((await selectBackend('wasm')).backend, 'wasm');
  assert.equal(activeBackend(), 'wasm');
});

test('a package without its binding is reported as such, with the command that builds it', () => {
  const s = nativeBindingStatus('@tensorflow/no-such-tfjs-package');
  assert.equal(s.built, false);
  assert.match(s.built ? '' : s.reason, /is not installed .*npm run tf:native/);
});

test('no tfjs banner: the cpu backend\'s "install our node backend" notice is not printed', async () => {
  const warned: unknown[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => void warned.push(a);
  try {
    await selectBackend('cpu');
    // A fresh cpu backend instance prints its banner on its first tensor.
    tf.registerBackend('cpu-fresh', tf.findBackendFactory('cpu')!);
    await tf.setBackend('cpu-fresh');
    tf.tensor([1, 2, 3]).dataSync();
    await tf.setBackend('cpu');
    tf.removeBackend('cpu-fresh');
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(warned, []);
});
