/** The one-line hint a fresh install on wasm prints: only for auto, only when the native binding is not built. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nativeBackendHint } from './model.js';

const notBuilt = [
  {
    backend: 'tensorflow-gpu',
    error:
      '@tensorflow/tfjs-node-gpu is not installed (npm run tf:native -- --gpu puts it in place and builds it)',
  },
  {
    backend: 'tensorflow',
    error:
      '@tensorflow/tfjs-node has no built binding (its libtensorflow download failed or was skipped; build it with npm run tf:native)',
  },
];

test('auto on wasm because the native binding is not built: one line naming npm run tf:native', () => {
  const line = nativeBackendHint({ requested: 'auto', backend: 'wasm', attempts: notBuilt });
  assert.match(line ?? '', /^showertrig: the CNN runs on wasm; .*npm run tf:native builds it\n$/);
});

test('no hint on native TensorFlow, for an explicit backend, or when the built binding failed to start', () => {
  assert.equal(
    nativeBackendHint({ requested: 'auto', backend: 'tensorflow', attempts: notBuilt.slice(0, 1) }),
    undefined,
  );
  assert.equal(nativeBackendHint({ requested: 'wasm', backend: 'wasm', attempts: [] }), undefined);
  const failed = [
    {
      backend: 'tensorflow',
      error: "@tensorflow/tfjs-node imported but backend 'tensorflow' failed to initialise",
    },
  ];
  assert.equal(nativeBackendHint({ requested: 'auto', backend: 'wasm', attempts: failed }), undefined);
});
