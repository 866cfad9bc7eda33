import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject, firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { groupWhileBusy, microBatch, orderedMap } from './operators.js';

test('microBatch flushes on size, then on time, and never emits an empty group', async () => {
  const s = new Subject<number>();
  const out: number[][] = [];
  const done = lastValueFrom(s.pipe(microBatch(3, 30), toArray())).then((g) => out.push(...g));
  for (const v of [1, 2, 3, 4]) s.next(v);
  await new Promise((r) => setTimeout(r, 80)); // the timer flushes [4]; then nothing for a while
  s.next(5);
  s.complete();
  await done;
  assert.deepEqual(out, [[1, 2, 3], [4], [5]]);
});

test('microBatch emits items marked alone as their own group, after flushing the open one', async () => {
  const groups = await lastValueFrom(
    from([1, 2, 100, 3]).pipe(
      microBatch(10, 1000, (v) => v >= 100),
      toArray(),
    ),
  );
  assert.deepEqual(groups, [[1, 2], [100], [3]]);
});

test('orderedMap keeps input order and never runs more than `concurrency` tasks', async () => {
  let active = 0;
  let peak = 0;
  const delays = [40, 5, 25, 1, 15, 2, 30, 3];
  const out = await lastValueFrom(
    from(delays).pipe(
      orderedMap(async (d, i) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, d));
        active--;
        return i;
      }, 3),
      toArray(),
    ),
  );
  assert.deepEqual(out, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(peak, 3);
});

test('orderedMap errors the stream on the first rejection', async () => {
  const run = firstValueFrom(
    from([1, 2]).pipe(
      orderedMap(async (v) => {
        if (v === 1) throw new Error('boom');
        return v;
      }, 2),
    ),
  );
  await assert.rejects(run, /boom/);
});

test('groupWhileBusy passes an item on at once when idle and groups what queues behind a running call, in order', async () => {
  const s = new Subject<number>();
  const calls: number[][] = [];
  let release!: () => void;
  const out = lastValueFrom(
    s.pipe(
      groupWhileBusy(async (g) => {
        calls.push(g);
        if (g[0] === 1) await new Promise<void>((r) => (release = r));
        return g.map((v) => v * 10);
      }),
      toArray(),
    ),
  );
  s.next(1); // idle: called at once (next microtask) with [1], which waits
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(calls, [[1]]);
  s.next(2);
  s.next(3);
  s.next(4);
  assert.deepEqual(calls, [[1]], 'nothing else starts while a call runs');
  release();
  await new Promise((r) => setTimeout(r, 10));
  s.next(5);
  s.complete();
  assert.deepEqual(await out, [10, 20, 30, 40, 50]);
  assert.deepEqual(calls, [[1], [2, 3, 4], [5]]);
});

test('groupWhileBusy errors the stream on a rejection and completes only after the queue drained', async () => {
  await assert.rejects(
    lastValueFrom(
      from([1, 2]).pipe(
        groupWhileBusy(async () => {
          throw new Error('boom');
        }),
      ),
    ),
    /boom/,
  );
  const out = await lastValueFrom(
    from([1, 2, 3]).pipe(
      groupWhileBusy(async (g) => {
        await new Promise((r) => setTimeout(r, 5));
        return g;
      }),
      toArray(),
    ),
  );
  assert.deepEqual(out, [1, 2, 3]);
});
