/**
 * Commands load only what they use: the version, the usage, a command's --help and `simulate --out`
 * start without TensorFlow.js and kafkajs (seconds and ~100 MB otherwise), and `--version` loads
 * nothing but the CLI's two entry modules. Each case is a real process; the packages it loaded are
 * read from the require cache at exit (test/fixtures/loaded-packages.mjs).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const PROBE = './test/fixtures/loaded-packages.mjs';
const HEAVY = /^(@tensorflow\/|kafkajs$)/;
const dir = mkdtempSync(join(tmpdir(), 'showertrig-startup-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function loadedBy(args: readonly string[]): { status: number | null; packages: string[]; stdout: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', PROBE, 'src/cli/entry.ts', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = /LOADED-PACKAGES (.*)/.exec(r.stderr)?.[1];
  assert.notEqual(line, undefined, `no package list from ${args.join(' ')}: ${r.stderr}`);
  // tsx and esbuild run the TypeScript sources here; the compiled CLI has neither.
  return {
    status: r.status,
    packages: line!.split(',').filter((p) => p !== '' && p !== 'tsx' && p !== 'esbuild'),
    stdout: r.stdout,
  };
}

test('--version and the usage load no npm package at all', () => {
  for (const args of [['--version'], ['help']]) {
    const r = loadedBy(args);
    assert.equal(r.status, 0);
    assert.deepEqual(r.packages, [], `${args.join(' ')} loaded ${r.packages.join(', ')}`);
  }
});

test('simulate --help, run --help and simulate --out load neither TensorFlow.js nor kafkajs', () => {
  const cases = [
    ['simulate', '--help'],
    ['run', '--help'],
    ['simulate', '--out', join(dir, 's.avro'), '--events', '20'],
  ];
  for (const args of cases) {
    const r = loadedBy(args);
    assert.equal(r.status, 0, args.join(' '));
    const heavy = r.packages.filter((p) => HEAVY.test(p));
    assert.deepEqual(heavy, [], `${args.join(' ')} loaded ${heavy.join(', ')}`);
  }
  // The probe sees what it should: train's module imports the network, so TensorFlow.js.
  assert.ok(loadedBy(['train', '--help']).packages.includes('@tensorflow/tfjs'));
});

/** Median wall time of `node ARGS` over n runs, ms. */
function medianMs(args: readonly string[], n: number): number {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, args, { stdio: 'ignore' });
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

const DIST = 'dist/cli/main.js';
const distFresh = existsSync(DIST) && statSync(DIST).mtimeMs >= statSync('src/cli/main.ts').mtimeMs;
test(
  'the compiled --version takes at most 150 ms more than starting node itself',
  { skip: distFresh ? false : 'no dist/ built from the current src/cli/main.ts (npm run build)' },
  () => {
    // Against node's own start-up on the same machine at the same time: on a loaded machine
    // `node -e 0` alone can take longer than 150 ms. Measured on a quiet one: README "Results".
    const node = medianMs(['-e', '0'], 7);
    const version = medianMs(['bin/showertrig.js', '--version'], 7);
    assert.ok(version - node <= 150, `--version ${version.toFixed(0)} ms, node -e 0 ${node.toFixed(0)} ms`);
  },
);
