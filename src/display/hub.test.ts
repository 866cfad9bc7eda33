import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { lastValueFrom, tap, toArray } from 'rxjs';
import { createCodecs, decodeFrame } from '../codecs/index.js';
import { parseConfig } from '../config/index.js';
import type { HitFrame } from '../domain/index.js';
import { createPipeline, DEFAULT_PIPELINE, type Sink } from '../pipeline/index.js';
import { createMemorySource } from '../../test/helpers/memory.js';
import { createReconstructor, reconstructorConfig } from '../reconstruction/index.js';
import { createSimulator } from '../sim/index.js';
import { createMetrics, createMetricsServer, Registry } from '../telemetry/index.js';
import { tableModel } from '../../test/helpers/truth-model.js';
import { displayHubConfig } from './config.js';
import { createDisplayHub, type DisplayLimits } from './hub.js';
import type { AlertDetail, CandidateDetail, ServerMessage } from './protocol.js';
import { createDisplayRoutes } from './routes.js';

const cfg = parseConfig({
  simulation: {
    seed: 3,
    signalSpectrum: 'flat',
    ratesHz: { signal: 5, neutrino: 2, muon: 2, noise: 1, nuElastic: 0, nueCCQE: 0, ncPi0: 0 },
    excess: { eventClass: 'signal', rateFactor: 6, startS: 40, durationS: 20 },
  },
  trigger: { excess: { windowS: 5, stepS: 1, trailingWindowS: 20, allowedLatenessS: 1, holdoffS: 30 } },
});

function frames(endS: number, simulation?: Record<string, unknown>): HitFrame[] {
  const c = simulation === undefined ? cfg : parseConfig({ simulation: { seed: 4, ...simulation } });
  const sim = createSimulator(c.detector, c.simulation, 'hub');
  const out: HitFrame[] = [];
  for (let f = sim.next(); sim.elapsedS < endS; f = sim.next()) out.push(f);
  return out;
}

async function setup(limits: Partial<DisplayLimits>, assetsDir?: string) {
  const metrics = createMetrics(new Registry(), { defaultMetrics: false });
  const rc = reconstructorConfig(cfg.reconstruction);
  const reconstructor = createReconstructor(cfg.detector, tableModel(new Map()), rc);
  const hub = createDisplayHub({ ...displayHubConfig(cfg, reconstructor.info, 'test'), limits }, metrics);
  const server = createMetricsServer({
    registry: metrics.registry,
    routes: createDisplayRoutes(hub, assetsDir),
  });
  const { port } = await server.start(0);
  hub.start();
  // Sinks that resolve on a later turn of the event loop, as broker acknowledgements do.
  const drop: Sink<unknown> = { write: () => new Promise<void>((r) => setImmediate(r)) };
  const run = async (fs: HitFrame[]): Promise<number> => {
    const codec = createCodecs('avro');
    const src = createMemorySource(
      fs.map((f) => ({ key: f.eventId, value: codec.frame.encode(f) })),
      { batchSize: 32, maxUnacked: 64 },
    );
    const p = createPipeline(
      { ...DEFAULT_PIPELINE, geometry: cfg.detector, trigger: cfg.trigger },
      {
        decode: decodeFrame,
        reconstructor,
        metrics,
        sinks: { reco: drop, candidates: drop, alerts: drop, deadLetters: drop },
        tap: hub.tap,
      },
    );
    // Alerts and window evaluations reach the display through the reports, as drive() passes them.
    const reports = await lastValueFrom(
      p.run(src.batches$).pipe(
        tap((r) => hub.report(r)),
        toArray(),
      ),
    );
    return reports.reduce((n, r) => n + r.messages, 0);
  };
  const close = async (): Promise<void> => {
    hub.stop();
    await server.close();
  };
  return { hub, port, run, close, url: (p: string) => `http://127.0.0.1:${port}${p}` };
}

function subscribe(url: string): { messages: ServerMessage[]; res: Promise<IncomingMessage> } {
  const messages: ServerMessage[] = [];
  const res = new Promise<IncomingMessage>((resolve) =>
    get(url, { agent: false }, (r) => {
      let buf = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => {
        buf += d;
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data !== undefined) messages.push(JSON.parse(data.slice(6)) as ServerMessage);
        }
      });
      resolve(r);
    }),
  );
  return { messages, res };
}

const until = async (pred: () => boolean, ms: number, what: string): Promise<void> => {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('a subscriber gets the snapshot, then rates, windows, candidates, events and alerts; clicks on them are answered', async () => {
  const assets = mkdtempSync(join(tmpdir(), 'display-assets-'));
  writeFileSync(join(assets, 'index.html'), '<!doctype html><title>display</title>');
  const d = await setup({ flushMs: 20, eventIntervalMs: 0 }, assets);
  try {
    const sub = subscribe(d.url('/display/events'));
    const res = await sub.res;
    assert.equal(res.headers['content-type'], 'text/event-stream');
    await until(() => sub.messages.length > 0, 2000, 'the snapshot');
    assert.equal(sub.messages[0]!.type, 'hello');
    const fs = frames(70);
    assert.equal(await d.run(fs), fs.length);
    const of = <T extends ServerMessage['type']>(t: T) =>
      sub.messages.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === t);
    await until(() => of('alerts').length > 0 && of('event').length > 0, 5000, 'alerts and events');
    const windows = of('windows').flatMap((m) => m.points);
    assert.ok(windows.length >= 30, `${windows.length} window points`);
    assert.ok(
      windows.every((w, i) => i === 0 || w.tS > windows[i - 1]!.tS),
      'window points in event-time order',
    );
    assert.ok(Math.max(...windows.map((w) => w.z)) >= 5, 'the excess shows in Z');
    // Input-rate bins are flushed on their own timer: they may trail the alerts by a flush or two.
    await until(() => of('input').flatMap((m) => m.points).length >= 60, 5000, 'input-rate bins');
    const event = of('event')[0]!.detail;
    assert.ok(event.stations.some((s) => s.hits.xCm.length > 0 && s.clusters.length > 0));

    const alert = of('alerts')[0]!.alerts[0]!;
    const ad = (await (
      await fetch(d.url(`/display/api/alert?id=${encodeURIComponent(alert.alertId)}`))
    ).json()) as AlertDetail;
    assert.equal(ad.alert.alertId, alert.alertId);
    assert.ok(
      ad.candidates.length > 0 &&
        ad.candidates.every(
          (c) => c.tS >= alert.windowStartS && c.tS < alert.windowEndS && c.alertId !== undefined,
        ),
    );
    const cd = (await (
      await fetch(d.url(`/display/api/candidate?id=${encodeURIComponent(ad.candidates[0]!.eventId)}`))
    ).json()) as CandidateDetail;
    assert.equal(cd.eventId, ad.candidates[0]!.eventId);
    assert.equal((await fetch(d.url('/display/api/candidate?id=nope'))).status, 404);
    const state = (await (await fetch(d.url('/display/api/state'))).json()) as ServerMessage;
    assert.equal(state.type, 'hello');

    const page = await fetch(d.url('/'));
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>display<\/title>/);
    assert.equal((await fetch(d.url('/display/assets/../../etc/passwd'))).status, 404);
    assert.equal((await fetch(d.url('/metrics'))).status, 200, 'the metrics endpoint is still served');
    res.destroy();
  } finally {
    await d.close();
  }
});

test('without a built bundle the page says how to build it', async () => {
  const d = await setup({}, join(tmpdir(), 'no-such-display-bundle'));
  try {
    const r = await fetch(d.url('/display'));
    assert.equal(r.status, 503);
    assert.match(await r.text(), /npm run build/);
  } finally {
    await d.close();
  }
});

test('a stalled browser is dropped at its buffer limit and a closed one is forgotten; the pipeline never waits for them', async () => {
  const limit = 256 * 1024;
  const d = await setup({
    flushMs: 5,
    eventIntervalMs: 0,
    maxBufferedBytes: limit,
    maxHitsPerStation: 20_000,
  });
  try {
    // Stalled: sends its request, then never reads a byte.
    const stalled = connect(d.port, '127.0.0.1');
    await new Promise<void>((r) => stalled.once('connect', () => r()));
    stalled.write('GET /display/events HTTP/1.1\r\nHost: x\r\n\r\n');
    stalled.pause();
    // Closed: goes away right after subscribing.
    const closed = subscribe(d.url('/display/events'));
    (await closed.res).destroy();
    await until(() => d.hub.stats().subscribers === 1, 2000, 'the closed subscriber to be forgotten');

    const fs = frames(20, { ratesHz: { signal: 40, neutrino: 0, muon: 0, noise: 0 } });
    assert.equal(await d.run(fs), fs.length, 'every frame processed with the stalled subscriber attached');

    // Then events of ~1 MB each (15,000 hits per station) until the kernel's socket buffers (tens
    // of MB on loopback) and the subscriber's own 256 kB are full: it must be dropped, while each
    // tap call stays a few buffer pushes.
    const n = 15_000;
    const hits = {
      station: Uint8Array.from({ length: 3 * n }, (_, i) => i % 3),
      ix: Int32Array.from({ length: 3 * n }, (_, i) => 800 + ((i * 7) % 200)),
      iy: Int32Array.from({ length: 3 * n }, (_, i) => 700 + ((i * 13) % 200)),
      count: Int32Array.from({ length: 3 * n }, (_, i) => 1 + (i % 5)),
    };
    let maxTapMs = 0;
    for (let i = 0; i < 200 && d.hub.stats().dropped === 0; i++) {
      const frame: HitFrame = {
        runId: 'big',
        eventId: `big-${i}`,
        timestampNs: fs[fs.length - 1]!.timestampNs + BigInt(i),
        hits,
      };
      const event = {
        runId: 'big',
        eventId: frame.eventId,
        timestampNs: frame.timestampNs,
        status: 'ok' as const,
        nHits: 3 * n,
        energyGeV: 90,
        dCm: -3,
        xCm: 0,
        yCm: 0,
        fitRmsCm: 0.1,
        stationsUsed: 3,
      };
      const t = performance.now();
      d.hub.tap.onBatch({
        messages: 1,
        reco: [event],
        selected: [{ candidate: { event, selected: true, reasons: [] }, frame }],
      });
      maxTapMs = Math.max(maxTapMs, performance.now() - t);
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(
      d.hub.stats().dropped,
      1,
      `stalled subscriber not dropped: ${JSON.stringify(d.hub.stats())}`,
    );
    assert.equal(d.hub.stats().subscribers, 0);
    assert.ok(maxTapMs < 50, `a tap call took ${maxTapMs.toFixed(1)} ms`);
    stalled.destroy();
  } finally {
    await d.close();
  }
});
