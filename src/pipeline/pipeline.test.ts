import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject, from, lastValueFrom, toArray } from 'rxjs';
import { Registry } from 'prom-client';
import {
  DEFAULT_GEOMETRY,
  DecodeError,
  ShowertrigError,
  type Candidate,
  type DeadLetter,
  type ExcessAlert,
  type HitFrame,
  type RecoEvent,
  type Reconstructor,
} from '../domain/index.js';
import { parseTrigger } from '../config/index.js';
import { createMetrics } from '../telemetry/index.js';
import { createPipeline, DEFAULT_PIPELINE, type PipelineConfig } from './pipeline.js';
import { createMemorySink, createMemorySource } from '../../test/helpers/memory.js';
import { COMPONENTS } from './stages.js';
import type { InputMessage, WriteContext } from './types.js';

const T0 = 1_700_000_000_000_000_000n;

/** A frame with hits in all three stations near the truth origin; `bad` puts a hit off the plane. */
function frame(i: number, opts: { bad?: boolean; energyGeV?: number; tsNs?: bigint } = {}): HitFrame {
  const n = 12;
  const station = new Uint8Array(n).map((_, k) => k % 3);
  const ix = new Int32Array(n).fill(900);
  const iy = new Int32Array(n).fill(750);
  if (opts.bad) ix[0] = 99_999;
  return {
    runId: 'run1',
    eventId: `ev${i}`,
    timestampNs: opts.tsNs ?? T0 + BigInt(i) * 10_000_000n,
    hits: { station, ix, iy, count: new Int32Array(n).fill(2) },
    truth: {
      eventClass: 'signal',
      energyGeV: opts.energyGeV ?? 20,
      x0Cm: 1,
      y0Cm: -2,
      dCm: -3,
      slopeX: 0,
      slopeY: 0,
    },
  };
}

/** Test codec: JSON with bigint as string and typed arrays as plain arrays. */
const encode = (f: HitFrame): Uint8Array =>
  new TextEncoder().encode(
    JSON.stringify({
      ...f,
      timestampNs: String(f.timestampNs),
      hits: Object.fromEntries(Object.entries(f.hits).map(([k, v]) => [k, [...(v as Int32Array)]])),
    }),
  );
const decode = (b: Uint8Array): HitFrame => {
  let o: {
    runId: string;
    eventId: string;
    timestampNs: string;
    hits: Record<string, number[]>;
    truth: HitFrame['truth'];
  };
  try {
    o = JSON.parse(new TextDecoder().decode(b));
  } catch (e) {
    throw new DecodeError('corrupt', 'not JSON', {}, e);
  }
  const h = o.hits;
  return {
    runId: o.runId,
    eventId: o.eventId,
    timestampNs: BigInt(o.timestampNs),
    truth: o.truth,
    hits: {
      station: Uint8Array.from(h['station']!),
      ix: Int32Array.from(h['ix']!),
      iy: Int32Array.from(h['iy']!),
      count: Int32Array.from(h['count']!),
    },
  };
};

/** Reconstruction = truth; fails (once or always) on batches holding a given event id. */
function fakeReconstructor(
  fail: { eventId: string; times: number; retriable: boolean } | undefined = undefined,
): Reconstructor & { calls: number } {
  let failuresLeft = fail?.times ?? 0;
  const r = {
    calls: 0,
    info: { backend: 'fake', model: 'truth' },
    dispose: () => undefined,
    async reconstruct(frames: readonly HitFrame[]): Promise<RecoEvent[]> {
      r.calls++;
      if (fail && failuresLeft > 0 && frames.some((f) => f.eventId === fail.eventId)) {
        failuresLeft--;
        throw new ShowertrigError('model crashed', { retriable: fail.retriable });
      }
      return frames.map((f) => ({
        runId: f.runId,
        eventId: f.eventId,
        timestampNs: f.timestampNs,
        status: 'ok' as const,
        nHits: f.hits.station.length,
        energyGeV: f.truth!.energyGeV,
        dCm: f.truth!.dCm,
        xCm: f.truth!.x0Cm,
        yCm: f.truth!.y0Cm,
        fitRmsCm: 0.1,
        stationsUsed: 3,
      }));
    },
  };
  return r;
}

function setup(reconstructor: Reconstructor, cfg: Partial<PipelineConfig> = {}, sinkDelayMs?: number) {
  const registry = new Registry();
  const metrics = createMetrics(registry, { defaultMetrics: false });
  const opt = sinkDelayMs === undefined ? {} : { delayMs: sinkDelayMs };
  const sinks = {
    reco: createMemorySink<RecoEvent>({ key: (e) => e.eventId, ...opt }),
    candidates: createMemorySink<Candidate>({ key: (c) => c.event.eventId, ...opt }),
    alerts: createMemorySink<ExcessAlert>({ key: (a) => a.alertId, ...opt }),
    deadLetters: createMemorySink<DeadLetter>(opt),
  };
  const config: PipelineConfig = {
    ...DEFAULT_PIPELINE,
    geometry: DEFAULT_GEOMETRY,
    trigger: parseTrigger({}),
    batchSize: 8,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    ...cfg,
  };
  const pipeline = createPipeline(config, { decode, reconstructor, sinks, metrics });
  return { pipeline, sinks, registry };
}

const messages = (frames: HitFrame[]): InputMessage[] =>
  frames.map((f, i) => ({
    key: f.eventId,
    value: encode(f),
    topic: 'tt.frames',
    partition: 0,
    offset: String(i),
    receivedAtNs: T0,
  }));

test('N frames in give N reconstructed events out, in input order, with the memory source bounding in-flight messages', async () => {
  const { pipeline, sinks } = setup(fakeReconstructor(), { maxConcurrentBatches: 3 });
  const source = createMemorySource(messages(Array.from({ length: 100 }, (_, i) => frame(i))), {
    batchSize: 10,
    maxUnacked: 30,
  });
  const reports = await lastValueFrom(pipeline.run(source.batches$).pipe(toArray()));
  assert.deepEqual(
    sinks.reco.items.map((e) => e.eventId),
    Array.from({ length: 100 }, (_, i) => `ev${i}`),
  );
  assert.equal(sinks.candidates.items.length, 100);
  assert.ok(sinks.candidates.items.every((c) => c.selected));
  assert.equal(source.acked, 100);
  assert.ok(source.maxObservedUnacked <= 30, `unacked peaked at ${source.maxObservedUnacked}`);
  assert.equal(
    reports.reduce((s, r) => s + r.messages, 0),
    100,
  );
});

test('invalid frames go to the dead-letter sink with their reason and bytes; the stream continues', async () => {
  const { pipeline, sinks, registry } = setup(fakeReconstructor());
  const msgs = messages([frame(0), frame(1, { bad: true }), frame(2)]);
  msgs.splice(2, 0, {
    key: 'junk',
    value: new Uint8Array([1, 2, 3]),
    topic: 'tt.frames',
    partition: 1,
    offset: '7',
  });
  await lastValueFrom(pipeline.run(from([{ messages: msgs }])).pipe(toArray()));
  assert.deepEqual(
    sinks.reco.items.map((e) => e.eventId),
    ['ev0', 'ev2'],
  );
  assert.deepEqual(
    sinks.deadLetters.items.map((d) => [d.reason, d.errorClass, d.key]),
    [
      ['out_of_plane', 'ValidationError', 'ev1'],
      ['corrupt', 'DecodeError', 'junk'],
    ],
  );
  assert.deepEqual([...sinks.deadLetters.items[1]!.payload], [1, 2, 3]);
  assert.equal(sinks.deadLetters.items[1]!.offset, '7');
  const text = await registry.metrics();
  assert.match(text, /showertrig_frames_invalid_total\{reason="out_of_plane"\} 1/);
  assert.match(text, /showertrig_frames_invalid_total\{reason="corrupt"\} 1/);
  assert.match(text, /showertrig_frames_received_total 4/);
});

test('a failed reconstruction dead-letters that batch only and the pipeline keeps going', async () => {
  const reco = fakeReconstructor({ eventId: 'ev9', times: 100, retriable: false });
  const { pipeline, sinks } = setup(reco, { batchSize: 8 });
  await lastValueFrom(
    pipeline
      .run(from([{ messages: messages(Array.from({ length: 24 }, (_, i) => frame(i))) }]))
      .pipe(toArray()),
  );
  assert.equal(sinks.reco.items.length, 16);
  assert.deepEqual(
    sinks.deadLetters.items.map((d) => d.key),
    Array.from({ length: 8 }, (_, i) => `ev${8 + i}`),
  );
  assert.ok(sinks.deadLetters.items.every((d) => d.reason === 'reconstruction_failed'));
  assert.equal(reco.calls, 3, 'a non-retriable error is not retried');
});

test('a retriable reconstruction error is retried and then succeeds', async () => {
  const reco = fakeReconstructor({ eventId: 'ev3', times: 2, retriable: true });
  const { pipeline, sinks } = setup(reco);
  await lastValueFrom(
    pipeline
      .run(from([{ messages: messages(Array.from({ length: 8 }, (_, i) => frame(i))) }]))
      .pipe(toArray()),
  );
  assert.equal(sinks.reco.items.length, 8);
  assert.equal(sinks.deadLetters.items.length, 0);
  assert.equal(reco.calls, 3);
});

test('acks are called only after every sink resolved the outputs of that batch', async () => {
  const { pipeline, sinks } = setup(fakeReconstructor(), {}, 15);
  const frames = Array.from({ length: 6 }, (_, i) => frame(i, { bad: i === 4 }));
  const acked: string[] = [];
  const msgs = messages(frames).map((m) => ({
    ...m,
    ack: () => {
      const id = m.key as string;
      const written = sinks.reco.byKey.has(id) || sinks.deadLetters.items.some((d) => d.key === id);
      assert.ok(written, `${id} acked before its output was written`);
      if (id !== 'ev4')
        assert.ok(sinks.candidates.byKey.has(id), `${id} acked before its candidate was written`);
      acked.push(id);
    },
  }));
  await lastValueFrom(pipeline.run(from(msgs)).pipe(toArray())); // single messages: micro-batched here
  assert.deepEqual(
    acked,
    frames.map((f) => f.eventId),
  );
});

test('a failing sink stops the stream without acking the batch', async () => {
  const { pipeline, sinks } = setup(fakeReconstructor());
  sinks.reco.failNext(10, new ShowertrigError('broker down', { retriable: false }));
  let acks = 0;
  const run = lastValueFrom(pipeline.run(from([{ messages: messages([frame(0)]), ack: () => void acks++ }])));
  await assert.rejects(run, /broker down/);
  assert.equal(acks, 0);
});

test('an excess in the candidate rate raises an alert and tags the candidates inside it', async () => {
  const trigger = parseTrigger({
    excess: {
      windowS: 1,
      stepS: 1,
      trailingWindowS: 1,
      backgroundRateHz: 2,
      zThreshold: 5,
      allowedLatenessS: 0,
    },
  });
  const { pipeline, sinks, registry } = setup(fakeReconstructor(), { trigger });
  const frames = Array.from({ length: 60 }, (_, i) => frame(i, { tsNs: T0 + BigInt(i) * 20_000_000n })); // 50 Hz for 1.2 s
  await lastValueFrom(pipeline.run(from([{ messages: messages(frames) }])).pipe(toArray()));
  assert.ok(sinks.alerts.items.length >= 1);
  const a = sinks.alerts.items[0]!;
  assert.equal(a.method, 'window');
  const tagged = [...sinks.candidates.byKey.values()].filter((c) => c.alertId === a.alertId);
  assert.equal(tagged.length, a.observed);
  assert.match(await registry.metrics(), /showertrig_excess_alerts_total\{method="window"\} [1-9]/);
});

test('every pipeline component emits received, sent and errors, and they balance', async () => {
  // a tiny configured background so the selected events also raise an alert (exercising the alert sink)
  const trigger = parseTrigger({
    excess: { windowS: 1, stepS: 1, trailingWindowS: 1, backgroundRateHz: 0.1, allowedLatenessS: 0 },
  });
  const { pipeline, registry } = setup(fakeReconstructor({ eventId: 'ev2', times: 100, retriable: false }), {
    batchSize: 4,
    trigger,
  });
  const msgs = messages(Array.from({ length: 12 }, (_, i) => frame(i, { bad: i === 7 })));
  msgs.push({ value: new Uint8Array([0]) });
  await lastValueFrom(pipeline.run(from([{ messages: msgs }])).pipe(toArray()));
  const text = await registry.metrics();
  const value = (metric: string, component: string): number => {
    const m = new RegExp(
      `^showertrig_component_${metric}_total\\{component="${component}"\\} (\\d+)$`,
      'm',
    ).exec(text);
    assert.ok(m, `${metric} missing for ${component}`);
    return Number(m[1]);
  };
  for (const c of COMPONENTS) {
    const [r, s, e] = [value('received', c), value('sent', c), value('errors', c)];
    assert.ok(r > 0, `${c} received nothing`);
    assert.equal(r, s + e, `${c}: received ${r} != sent ${s} + errors ${e}`);
  }
  assert.equal(value('errors', 'decode'), 1);
  assert.equal(value('errors', 'validate'), 1);
  assert.equal(value('errors', 'reconstruct'), 4);
});

test('a source batch larger than batchSize is written piece by piece and acked once, after its last piece', async () => {
  const inner = fakeReconstructor();
  const sizes: number[] = [];
  const writtenAfter: number[] = [];
  const reconstructor: Reconstructor = {
    ...inner,
    async reconstruct(frames) {
      sizes.push(frames.length);
      await new Promise((r) => setTimeout(r, 20));
      writtenAfter.push(sinks.reco.items.length);
      return inner.reconstruct(frames);
    },
  };
  const { pipeline, sinks } = setup(reconstructor, { batchSize: 8, maxConcurrentBatches: 2 });
  let acks = 0;
  let recoAtAck = -1;
  const reports = await lastValueFrom(
    pipeline
      .run(
        from([
          {
            messages: messages(Array.from({ length: 20 }, (_, i) => frame(i))),
            ack: () => {
              acks++;
              recoAtAck = sinks.reco.items.length;
            },
          },
        ]),
      )
      .pipe(toArray()),
  );
  assert.deepEqual(sizes, [8, 8, 4]);
  assert.deepEqual(
    reports.map((r) => r.messages),
    [8, 8, 4],
  );
  assert.equal(acks, 1);
  assert.equal(recoAtAck, 20, 'the ack comes after every piece was written');
  assert.ok(
    writtenAfter[2]! >= 8,
    `the first piece is written while the last one reconstructs (${writtenAfter.join(', ')})`,
  );
  assert.deepEqual(
    sinks.reco.items.map((e) => e.eventId),
    Array.from({ length: 20 }, (_, i) => `ev${i}`),
  );
});

test('a batch is released once reconstructed (its last piece), before its outputs are written and acked', async () => {
  const calls: number[] = [];
  const reconstructor: Reconstructor = {
    ...fakeReconstructor(),
    async reconstruct(frames) {
      calls.push(frames.length);
      return fakeReconstructor().reconstruct(frames);
    },
  };
  const { pipeline, sinks } = setup(reconstructor, { batchSize: 8 }, 30);
  const log: string[] = [];
  const batch = {
    messages: messages(Array.from({ length: 20 }, (_, i) => frame(i))),
    release: () =>
      void log.push(`release after ${calls.length} reconstruct calls, ${sinks.reco.items.length} written`),
    ack: () => void log.push(`ack, ${sinks.reco.items.length} written`),
  };
  await lastValueFrom(pipeline.run(from([batch])).pipe(toArray()));
  assert.deepEqual(log, ['release after 3 reconstruct calls, 0 written', 'ack, 20 written']);
});

test('small batches that arrive together are reconstructed in one call; each is released and acked once, candidates go to their own partition', async () => {
  const inner = fakeReconstructor();
  const sizes: number[] = [];
  const reconstructor: Reconstructor = {
    ...inner,
    reconstruct: (frames) => (sizes.push(frames.length), inner.reconstruct(frames)),
  };
  const { sinks } = setup(reconstructor);
  const written: { partition: number | undefined; ids: string[] }[] = [];
  const candidates = {
    write: async (items: readonly Candidate[], ctx?: WriteContext) =>
      void written.push({ partition: ctx?.partition, ids: items.map((x) => x.event.eventId) }),
  };
  const config: PipelineConfig = {
    ...DEFAULT_PIPELINE,
    geometry: DEFAULT_GEOMETRY,
    trigger: parseTrigger({}),
    batchSize: 8,
    maxConcurrentBatches: 2,
    excess: 'downstream',
  };
  const pipeline = createPipeline(config, {
    decode,
    reconstructor,
    sinks: { ...sinks, candidates },
    metrics: createMetrics(new Registry(), { defaultMetrics: false }),
  });
  const log: string[] = [];
  const batch = (partition: number, from: number) => ({
    messages: messages(Array.from({ length: 3 }, (_, i) => frame(from + i))).map((msg) => ({
      ...msg,
      partition,
    })),
    release: () => void log.push(`release ${partition}`),
    ack: () => void log.push(`ack ${partition}`),
  });
  const reports = await lastValueFrom(
    pipeline.run(from([batch(0, 0), batch(1, 3), batch(2, 6)])).pipe(toArray()),
  );
  assert.deepEqual(sizes, [6, 3], 'the first two (6 frames) in one call, the third would pass batchSize 8');
  assert.equal(
    reports.reduce((n, r) => n + r.messages, 0),
    9,
  );
  assert.deepEqual(
    log.filter((l) => l.startsWith('ack')),
    ['ack 0', 'ack 1', 'ack 2'],
  );
  assert.deepEqual(log.filter((l) => l.startsWith('release')).sort(), [
    'release 0',
    'release 1',
    'release 2',
  ]);
  const byPartition = new Map<number | undefined, string[]>();
  for (const w of written) byPartition.set(w.partition, [...(byPartition.get(w.partition) ?? []), ...w.ids]);
  assert.deepEqual([...byPartition].sort(), [
    [0, ['ev0', 'ev1', 'ev2']],
    [1, ['ev3', 'ev4', 'ev5']],
    [2, ['ev6', 'ev7', 'ev8']],
  ]);
});

test('single messages: a lone one is reconstructed within batchTimeoutMs, a burst gives full batches', async () => {
  const inner = fakeReconstructor();
  const sizes: number[] = [];
  const reconstructor: Reconstructor = {
    ...inner,
    reconstruct: (frames) => (sizes.push(frames.length), inner.reconstruct(frames)),
  };
  const { pipeline, sinks } = setup(reconstructor, { batchSize: 8, batchTimeoutMs: 30 });
  const input = new Subject<InputMessage>();
  const done = lastValueFrom(pipeline.run(input).pipe(toArray()));
  const [lone, ...burst] = messages(Array.from({ length: 17 }, (_, i) => frame(i)));
  const t0 = Date.now();
  input.next(lone!);
  while (sinks.reco.items.length < 1 && Date.now() - t0 < 2_000) await new Promise((r) => setTimeout(r, 2));
  const waited = Date.now() - t0;
  assert.ok(
    waited >= 25 && waited < 30 + 150,
    `the lone frame was written after ${waited} ms (bound 30 ms + scheduling)`,
  );
  for (const m of burst) input.next(m);
  input.complete();
  await done;
  assert.deepEqual(sizes, [1, 8, 8]);
  assert.equal(sinks.reco.items.length, 17);
});
