import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DEFAULT_SIMULATION } from '../../config/index.js';
import { DEFAULT_GEOMETRY, Rng, type HitFrame, type Hits } from '../../domain/index.js';
import { modelDirectory } from '../../io/index.js';
import { generateEvent } from '../../sim/index.js';
import { DEFAULT_TRANSVERSE } from '../clustering/index.js';
import { buildModelInputs, loadEnergyVertexModel, selectBackend, type ModelMetadata } from '../cnn/index.js';
import { createEventPreparer, type PreparedBatch } from '../prepare.js';
import { createReconstructor, DEFAULT_RECONSTRUCTOR } from '../reconstructor.js';
import { createPreparePool, splitByHits, workerExecArgv } from './pool.js';

const g = DEFAULT_GEOMETRY;
const modelDir = new URL('../../../models/default/', import.meta.url);
const meta = JSON.parse(readFileSync(new URL('model.json', modelDir), 'utf8')).userDefinedMetadata
  .showertrig as ModelMetadata;
const spec = {
  inputSpec: meta.inputSpec,
  ...(meta.features === undefined ? {} : { features: meta.features }),
};

/** Signal showers, a muon-like and a noise-only frame among them (no track: the event is skipped). */
function events(n: number, seed: number): Hits[] {
  const rng = new Rng(seed);
  return Array.from(
    { length: n },
    (_, i) => generateEvent(g, DEFAULT_SIMULATION, i % 7 === 3 ? 'noise' : 'signal', rng).hits,
  );
}

function assertSame(a: PreparedBatch, b: PreparedBatch): void {
  assert.deepEqual(b.events, a.events);
  assert.equal(b.inputs?.n, a.inputs?.n);
  assert.deepEqual(Array.from(b.inputs!.images), Array.from(a.inputs!.images));
  assert.deepEqual(Array.from(b.inputs!.features ?? []), Array.from(a.inputs!.features ?? []));
}

test('splitByHits: k consecutive non-empty chunks in order, about equal hits each', () => {
  const hits = events(40, 3);
  for (const k of [1, 2, 3, 5, 40, 60]) {
    const parts = splitByHits(hits, k);
    assert.equal(parts.length, Math.min(k, hits.length));
    assert.ok(parts.every((p) => p.length > 0));
    assert.deepEqual(parts.flat(), hits);
  }
  const sizes = splitByHits(hits, 2).map((p) => p.reduce((s, h) => s + h.station.length, 0));
  const biggest = Math.max(...hits.map((h) => h.station.length));
  assert.ok(
    Math.abs(sizes[0]! - sizes[1]!) <= 2 * biggest,
    `chunk hits ${sizes.join(' / ')}, largest event ${biggest}`,
  );
});

test('a pool of worker threads prepares exactly what one thread prepares (tracks, robust centres, CNN inputs)', async () => {
  const local = createEventPreparer(g, DEFAULT_TRANSVERSE, (h) => buildModelInputs(spec, h, g));
  const pool = createPreparePool({ threads: 2, geometry: g, transverse: DEFAULT_TRANSVERSE, spec });
  try {
    assert.equal(pool.preparedBy, '2 worker threads + the calling thread');
    for (const n of [64, 7, 1, 0]) {
      const hits = events(n, 100 + n);
      assertSame(local.prepare(hits), await pool.prepare(hits));
    }
    // Concurrent batches keep their own replies.
    const [x, y] = [events(30, 1), events(30, 2)];
    const [px, py] = await Promise.all([pool.prepare(x), pool.prepare(y)]);
    assertSame(local.prepare(x), px);
    assertSame(local.prepare(y), py);
    // The workers did their share: 2 chunks for each split batch (64, 7, 30, 30 events), none lost.
    assert.deepEqual(pool.chunks, { onWorkers: 8, here: 6 });
    assert.equal(pool.threads, 2);
  } finally {
    await pool.close();
  }
});

test('a worker that dies is reported once and its share is prepared on the calling thread', async () => {
  const lost: number[] = [];
  const pool = createPreparePool(
    {
      threads: 1,
      geometry: g,
      transverse: DEFAULT_TRANSVERSE,
      spec,
      workerEntry: new URL('../../../test/fixtures/failing-prepare-worker.mjs', import.meta.url),
    },
    {
      onWorkerLost: (i, e) => {
        lost.push(i);
        assert.match(e.message, /fails on purpose|exited/);
      },
    },
  );
  const local = createEventPreparer(g, DEFAULT_TRANSVERSE, (h) => buildModelInputs(spec, h, g));
  try {
    const hits = events(20, 9);
    assertSame(local.prepare(hits), await pool.prepare(hits)); // in flight when it dies, or after
    while (pool.threads > 0) await new Promise((r) => setTimeout(r, 10));
    assertSame(local.prepare(hits), await pool.prepare(hits));
    assert.deepEqual(lost, [0]);
    assert.equal(pool.preparedBy, '0 worker threads + the calling thread');
  } finally {
    await pool.close();
  }
});

test('a worker that never answers is dropped after the reply timeout; the batch is prepared here', async () => {
  const lost: string[] = [];
  const pool = createPreparePool(
    {
      threads: 1,
      geometry: g,
      transverse: DEFAULT_TRANSVERSE,
      spec,
      replyTimeoutMs: 300,
      workerEntry: new URL('../../../test/fixtures/silent-prepare-worker.mjs', import.meta.url),
    },
    { onWorkerLost: (_, e) => lost.push(e.message) },
  );
  const local = createEventPreparer(g, DEFAULT_TRANSVERSE, (h) => buildModelInputs(spec, h, g));
  try {
    const hits = events(12, 5);
    const t0 = performance.now();
    assertSame(local.prepare(hits), await pool.prepare(hits));
    assert.ok(performance.now() - t0 >= 250, 'waited for the timeout');
    assert.deepEqual(lost, ['prepare worker 0: no reply within 300 ms']);
    assert.equal(pool.threads, 0);
  } finally {
    await pool.close();
  }
});

test('the reconstructor gives the same events with the batch prepared on worker threads (default model)', async () => {
  await selectBackend('wasm');
  const model = await loadEnergyVertexModel(modelDirectory(modelDir.pathname), g);
  const pool = createPreparePool({
    threads: 1,
    geometry: g,
    transverse: DEFAULT_RECONSTRUCTOR.transverse,
    spec: model.inputSpec,
  });
  try {
    const frames: HitFrame[] = events(48, 77).map((hits, i) => ({
      runId: 'r',
      eventId: `e${i}`,
      timestampNs: BigInt(i),
      hits,
    }));
    const alone = await createReconstructor(g, model, DEFAULT_RECONSTRUCTOR).reconstruct(frames);
    const reco = createReconstructor(g, model, DEFAULT_RECONSTRUCTOR, { preparer: pool });
    assert.equal(reco.info.preparedBy, '1 worker thread + the calling thread');
    const pooled = await reco.reconstruct(frames);
    assert.deepEqual(pooled, alone);
    assert.equal(pool.chunks.onWorkers, 1);
    assert.ok(alone.filter((e) => e.status === 'ok').length >= 30);
    assert.ok(alone.some((e) => e.status === 'no_cluster'));
  } finally {
    await pool.close();
    model.dispose();
  }
});

test('workers start in a process run with per-process flags (--max-old-space-size, --expose-gc): they keep only the module-loading flags', () => {
  assert.deepEqual(
    workerExecArgv([
      '--max-old-space-size=512',
      '--import',
      'tsx',
      '--perf-basic-prof',
      '--conditions=dev',
      '--expose-gc',
      '--enable-source-maps',
      '-r',
      'x.cjs',
      '--stack-size=2000',
    ]),
    ['--import', 'tsx', '--conditions=dev', '--enable-source-maps', '-r', 'x.cjs'],
  );
  // Node refuses a worker given such a flag (ERR_WORKER_INVALID_EXEC_ARGV): the pool must not pass them on.
  const script = `import { createPreparePool } from ${JSON.stringify(new URL('./pool.ts', import.meta.url).href)};
    import { DEFAULT_GEOMETRY, Rng } from ${JSON.stringify(new URL('../../domain/index.ts', import.meta.url).href)};
    import { DEFAULT_SIMULATION } from ${JSON.stringify(new URL('../../config/index.ts', import.meta.url).href)};
    import { DEFAULT_TRANSVERSE } from ${JSON.stringify(new URL('../clustering/index.ts', import.meta.url).href)};
    import { generateEvent } from ${JSON.stringify(new URL('../../sim/index.ts', import.meta.url).href)};
    const rng = new Rng(5);
    const hits = Array.from({ length: 8 }, () => generateEvent(DEFAULT_GEOMETRY, DEFAULT_SIMULATION, 'signal', rng).hits);
    const pool = createPreparePool({ threads: 1, geometry: DEFAULT_GEOMETRY, transverse: DEFAULT_TRANSVERSE }, { onWorkerLost: (i, e) => console.log('lost', e.message) });
    const out = await pool.prepare(hits);
    console.log(JSON.stringify({ events: out.events.length, chunks: pool.chunks }));
    await pool.close();`;
  const out = execFileSync(
    process.execPath,
    [
      '--max-old-space-size=512',
      '--expose-gc',
      '--stack-size=2000',
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), {
    events: 8,
    chunks: { onWorkers: 1, here: 1 },
  });
});
