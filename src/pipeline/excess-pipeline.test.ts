import assert from 'node:assert/strict';
import { test } from 'node:test';
import { from, lastValueFrom, of, Subject, toArray } from 'rxjs';
import { createCodecs } from '../codecs/index.js';
import { parseTrigger } from '../config/index.js';
import type { Candidate, ExcessAlert } from '../domain/index.js';
import { createExcessMetrics, createLogger, createMetrics, Registry } from '../telemetry/index.js';
import { createExcessPipeline, type CandidateBatch, type ExcessControl } from './excess-pipeline.js';
import { createMemorySource } from '../../test/helpers/memory.js';
import { DEFAULT_RETRY } from './retry.js';
import type { InputMessage, Sink, WriteContext } from './types.js';

const codecs = createCodecs('avro');
const T0 = 1_700_000_000_000_000_000n;
const S = 1_000_000_000n;

function candidate(tsNs: bigint, id: string): Candidate {
  return {
    event: {
      runId: 'r',
      eventId: id,
      timestampNs: tsNs,
      status: 'ok',
      nHits: 50,
      energyGeV: 12,
      dCm: -2,
      xCm: 1,
      yCm: 1,
      fitRmsCm: 0.02,
      stationsUsed: 3,
    },
    selected: true,
    reasons: ['energy ok'],
  };
}

function recordingSink<T>(): Sink<T> & { writes: { items: readonly T[]; ctx: WriteContext | undefined }[] } {
  const writes: { items: readonly T[]; ctx: WriteContext | undefined }[] = [];
  return { writes, write: async (items, ctx) => void writes.push({ items, ctx }) };
}

test('the excess stream writes alerts and the alert-tagged candidates into their partitions, acks every batch and commits the replay offsets', async () => {
  const trigger = parseTrigger({
    excess: { windowS: 2, stepS: 1, trailingWindowS: 4, holdoffS: 0, zThreshold: 3, allowedLatenessS: 0 },
  });
  // 2 partitions: 1 candidate/s each for 20 s, then 15/s in partition 1 for 2 s, then 1/s again
  const messages: Omit<InputMessage, 'ack'>[] = [];
  const perPartition = [0, 0];
  const add = (p: number, ts: bigint, id: string): void => {
    messages.push({
      key: id,
      value: codecs.candidate.encode(candidate(ts, id)),
      partition: p,
      offset: String(perPartition[p]!++),
    });
  };
  for (let s = 0; s < 30; s++) {
    for (const p of [0, 1]) add(p, T0 + BigInt(s) * S + BigInt(p) * 1000n, `p${p}-${s}`);
    if (s >= 20 && s < 22)
      for (let k = 1; k < 15; k++) add(1, T0 + BigInt(s) * S + BigInt(k) * 50_000_000n, `x${s}-${k}`);
  }
  messages.push({
    key: 'junk',
    value: new Uint8Array([1, 2, 3]),
    partition: 0,
    offset: String(perPartition[0]!++),
  });
  const source = createMemorySource(messages, { batchSize: 7, maxUnacked: 14 });
  const alerts = recordingSink<ExcessAlert>();
  const candidates = recordingSink<Candidate>();
  const commits: Map<number, string>[] = [];
  const markers: (string | undefined)[] = [];
  let positions: (bigint | undefined)[] = [];
  const registry = new Registry();
  const metrics = createMetrics(registry, { defaultMetrics: false });
  const pipeline = createExcessPipeline(
    {
      excess: trigger.excess,
      idlePartitionMs: 1000,
      maxTrackedIds: 10_000,
      commitIntervalMs: 0,
      retry: DEFAULT_RETRY,
    },
    {
      decode: (b) => codecs.candidate.decode(b),
      sinks: { alerts, flagged: candidates },
      metrics,
      excessMetrics: createExcessMetrics(registry),
      nowMs: () => 0,
      pendingUpstream: (position) => {
        positions = [position(0), position(1)];
        return new Set();
      },
      commit: async (o, marker) => {
        commits.push(new Map(o));
        markers.push(marker);
      },
    },
  );
  const control$ = new Subject<ExcessControl>();
  const reports$ = pipeline.run(source.batches$, control$);
  const done = lastValueFrom(reports$.pipe(toArray()));
  control$.next({ kind: 'assign', partitions: [0, 1] });
  const reports = await done;
  assert.equal(source.acked, messages.length, 'every batch acknowledged');
  const got = alerts.writes.flatMap((w) => w.items);
  assert.ok(
    got.some(
      (a) => a.method === 'window' && a.windowStartNs >= T0 + 19n * S && a.windowEndNs <= T0 + 24n * S,
    ),
    JSON.stringify(got.map((a) => a.alertId)),
  );
  assert.deepEqual(
    reports.flatMap((r) => r.alerts),
    got,
  );
  const tagged = candidates.writes.flatMap((w) => w.items.map((c) => ({ c, p: w.ctx?.partition })));
  assert.ok(tagged.length > 0 && tagged.every(({ c }) => c.alertId !== undefined));
  for (const { c, p } of tagged)
    assert.equal(p, c.event.eventId.startsWith('p0') ? 0 : 1, `${c.event.eventId} back into its partition`);
  assert.deepEqual(
    positions,
    [BigInt(perPartition[0]!), BigInt(perPartition[1]!)],
    'the upstream check sees how far the stage has read',
  );
  assert.ok(commits.length > 0);
  assert.match(markers[markers.length - 1] ?? '', /^excess-open-from=\d+$/, 'commits carry the resume point');
  const last = commits[commits.length - 1]!;
  assert.ok(
    Number(last.get(0)) > 0 && Number(last.get(1)) > 0 && Number(last.get(1)) < perPartition[1]!,
    `commits trail the input: ${JSON.stringify([...last])}`,
  );
  const text = await registry.metrics();
  assert.match(text, /showertrig_excess_candidates_total \d+/);
  assert.match(
    text,
    /showertrig_component_errors_total\{component="excess"\} 1/,
    'the undecodable candidate is counted and skipped',
  );
  assert.match(text, /showertrig_excess_active 1/);
});

test('a commit failing at every interval is warned about once per 30 s with the count and its own cause, not once per try', async () => {
  const trigger = parseTrigger({
    excess: { windowS: 2, stepS: 1, trailingWindowS: 4, holdoffS: 0, zThreshold: 3, allowedLatenessS: 0 },
  });
  const messages: Omit<InputMessage, 'ack'>[] = [];
  for (let s = 0; s < 60; s++)
    messages.push({
      key: `c${s}`,
      value: codecs.candidate.encode(candidate(T0 + BigInt(s) * S, `c${s}`)),
      partition: 0,
      offset: String(s),
    });
  const source = createMemorySource(messages, { batchSize: 1, maxUnacked: 1 });
  const lines: string[] = [];
  let clock = 0;
  let tries = 0;
  const registry = new Registry();
  const pipeline = createExcessPipeline(
    {
      excess: trigger.excess,
      idlePartitionMs: 1000,
      maxTrackedIds: 10_000,
      commitIntervalMs: 1000,
      retry: DEFAULT_RETRY,
    },
    {
      decode: (b) => codecs.candidate.decode(b),
      sinks: { alerts: recordingSink<ExcessAlert>(), flagged: recordingSink<Candidate>() },
      metrics: createMetrics(registry, { defaultMetrics: false }),
      excessMetrics: createExcessMetrics(registry),
      logger: createLogger('warn', {}, (l) => lines.push(l), 'json'),
      // One second per batch: a commit is due at every one.
      nowMs: () => (clock += 500),
      pendingUpstream: () => new Set(),
      commit: async () => {
        tries++;
        throw new Error(
          'committing offsets of tt.candidates: the consumer is not in group g (connection refused)',
        );
      },
    },
  );
  const control$ = new Subject<ExcessControl>();
  const done = lastValueFrom(pipeline.run(source.batches$, control$).pipe(toArray()));
  control$.next({ kind: 'assign', partitions: [0] });
  await done;
  const warnings = lines
    .map((l) => JSON.parse(l) as { msg: string; error?: string; failedCommits?: number })
    .filter((r) => r.msg.includes('committing offsets failed'));
  assert.ok(tries >= 30, `commits tried ${tries} times`);
  const spanS = clock / 1000;
  assert.ok(
    warnings.length <= Math.ceil(spanS / 30) + 1,
    `${warnings.length} warnings for ${tries} failures over ${spanS} s`,
  );
  assert.match(warnings[0]?.error ?? '', /not in group g \(connection refused\)/);
});

test('transactional: a step that wrote alerts commits at once, before its ack; a failed commit ends the stream', async () => {
  const trigger = parseTrigger({
    excess: { windowS: 2, stepS: 1, trailingWindowS: 4, holdoffS: 0, zThreshold: 3, allowedLatenessS: 0 },
  });
  const messages: Omit<InputMessage, 'ack'>[] = [];
  for (let s = 0; s < 30; s++) {
    const n = s >= 20 && s < 22 ? 15 : 1;
    for (let k = 0; k < n; k++) {
      const id = `c${s}-${k}`;
      messages.push({
        key: id,
        value: codecs.candidate.encode(candidate(T0 + BigInt(s) * S + BigInt(k) * 1000n, id)),
        partition: 0,
        offset: String(messages.length),
      });
    }
  }
  const run = async (failAt: number | undefined) => {
    const source = createMemorySource(messages, { batchSize: 1, maxUnacked: 1 });
    const alerts = recordingSink<ExcessAlert>();
    const events: string[] = [];
    const registry = new Registry();
    const pipeline = createExcessPipeline(
      {
        excess: trigger.excess,
        idlePartitionMs: 1000,
        maxTrackedIds: 10_000,
        commitIntervalMs: 3_600_000, // only writes make a commit due
        retry: DEFAULT_RETRY,
        transactional: true,
      },
      {
        decode: (b) => codecs.candidate.decode(b),
        sinks: {
          alerts: {
            write: async (items, ctx) => {
              events.push('alerts');
              await alerts.write(items, ctx);
            },
          },
          flagged: recordingSink<Candidate>(),
        },
        metrics: createMetrics(registry, { defaultMetrics: false }),
        excessMetrics: createExcessMetrics(registry),
        nowMs: () => 0,
        pendingUpstream: () => new Set(),
        commit: async () => {
          events.push('commit');
          if (events.filter((e) => e === 'commit').length === failAt) throw new Error('transaction aborted');
        },
      },
    );
    const control$ = new Subject<ExcessControl>();
    const done = lastValueFrom(pipeline.run(source.batches$, control$).pipe(toArray()));
    control$.next({ kind: 'assign', partitions: [0] });
    return { done, events, alerts, source };
  };
  const ok = await run(undefined);
  await ok.done;
  assert.ok(ok.alerts.writes.length > 0, 'the burst raises an alert');
  // Every write is followed by a commit (the commit interval alone would allow none).
  ok.events.forEach(
    (e, i) => e === 'alerts' && assert.equal(ok.events[i + 1], 'commit', ok.events.join(',')),
  );
  const failing = await run(2);
  await assert.rejects(failing.done, /transaction aborted/);
  assert.ok(failing.source.acked < messages.length, 'the batch whose commit failed is not acknowledged');
});

test('in-process candidates: rejected ones move the watermark uncounted, and a finite input closes its last bins at its end', async () => {
  const trigger = parseTrigger({
    excess: { windowS: 2, stepS: 1, trailingWindowS: 4, holdoffS: 0, zThreshold: 3, allowedLatenessS: 1 },
  });
  // 1 selected candidate/s for 20 s, then 15/s for 2 s: the input ends inside the burst's window
  const items: CandidateBatch['items'][number][] = [];
  const add = (c: Candidate): void =>
    void items.push({ candidate: c, partition: 0, offset: String(items.length) });
  for (let s = 0; s < 20; s++) {
    add(candidate(T0 + BigInt(s) * S, `c${s}`));
    add({ ...candidate(T0 + BigInt(s) * S + S / 2n, `r${s}`), selected: false });
  }
  for (let k = 0; k < 30; k++) add(candidate(T0 + 20n * S + BigInt(k) * (S / 15n), `x${k}`));
  // a tail of rejected candidates only, 5 s after the burst
  const tail = Array.from({ length: 5 }, (_, k) => ({
    candidate: { ...candidate(T0 + BigInt(23 + k) * S, `t${k}`), selected: false },
    partition: 0,
    offset: String(items.length + k),
  }));
  const run = async (flushAtEnd: boolean, withTail = false) => {
    const registry = new Registry();
    const batches: CandidateBatch[] = [];
    const input = withTail ? [...items, ...tail] : items;
    for (let i = 0; i < input.length; i += 5) {
      const slice = input.slice(i, i + 5);
      batches.push({ items: slice, skipped: [], received: slice.length });
    }
    const reports = await lastValueFrom(
      createExcessPipeline(
        {
          excess: trigger.excess,
          idlePartitionMs: 1000,
          maxTrackedIds: 10_000,
          commitIntervalMs: 0,
          retry: DEFAULT_RETRY,
        },
        {
          sinks: { alerts: recordingSink<ExcessAlert>(), flagged: recordingSink<Candidate>() },
          metrics: createMetrics(registry, { defaultMetrics: false }),
          excessMetrics: createExcessMetrics(registry),
          nowMs: () => 0,
          pendingUpstream: () => new Set([0]),
        },
      )
        .run(from(batches), of<ExcessControl>({ kind: 'assign', partitions: [0] }), { flushAtEnd })
        .pipe(toArray()),
    );
    return { reports, text: await registry.metrics() };
  };
  const open = await run(false);
  const closed = await run(true);
  const alerts = (r: typeof open): number => r.reports.flatMap((x) => x.alerts).length;
  assert.equal(alerts(open), 0, 'without the end, the burst bins stay open');
  assert.ok(alerts(closed) > 0, 'at the end of a finite input the last bins close');
  assert.ok(alerts(await run(false, true)) > 0, 'rejected candidates after the burst close its bins');
  assert.match(
    closed.text,
    /showertrig_excess_candidates_total 50/,
    'the 50 selected ones, not the rejected',
  );
});
