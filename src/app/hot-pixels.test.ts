import assert from 'node:assert/strict';
import { test } from 'node:test';
import { from, lastValueFrom, toArray } from 'rxjs';
import { createCodecs } from '../codecs/index.js';
import { parseConfig } from '../config/index.js';
import { DEFAULT_GEOMETRY, pixelToXCm, type HitFrame, type Hits, type RecoEvent } from '../domain/index.js';
import type { InputMessage } from '../pipeline/index.js';
import { createMemorySink } from '../../test/helpers/memory.js';
import { createHotPixelMask } from '../reconstruction/index.js';
import { createSimulator } from '../sim/index.js';
import { createLogger, createMetrics, Registry } from '../telemetry/index.js';
import { HOT_PIXEL_LOG_INTERVAL_MS, hotPixelReporter } from './hot-pixel-log.js';
import { startTriggerRuntime } from './trigger-runtime.js';

/** A 3 × 3 block of hot pixels in every station: DBSCAN finds it as a cluster unless it is masked. */
const BLOCK = [0, 1, 2].flatMap((s) =>
  [0, 1, 2].flatMap((dx) => [0, 1, 2].map((dy) => [s, 600 + dx, 700 + dy] as const)),
);
const onBlock = (s: number, x: number, y: number): boolean =>
  x >= 600 && x <= 602 && y >= 700 && y <= 702 && s <= 2;

/** The frame's hits with the block firing (any real hit on a block pixel replaced by the hot one). */
function withBlock(h: Hits): Hits {
  const keep = [...h.station.keys()].filter((i) => !onBlock(h.station[i]!, h.ix[i]!, h.iy[i]!));
  return {
    station: Uint8Array.from([...keep.map((i) => h.station[i]!), ...BLOCK.map((b) => b[0])]),
    ix: Int32Array.from([...keep.map((i) => h.ix[i]!), ...BLOCK.map((b) => b[1])]),
    iy: Int32Array.from([...keep.map((i) => h.iy[i]!), ...BLOCK.map((b) => b[2])]),
    count: Int32Array.from([...keep.map((i) => h.count[i]!), ...BLOCK.map(() => 40)]),
  };
}

test('the trigger runtime masks hot pixels before clustering and the CNN, exports the gauge and logs the change', async () => {
  const window = 40;
  const cfg = parseConfig({
    service: { metricsPort: 0 },
    reconstruction: { hotPixels: { windowFrames: window, maskFraction: 0.5, unmaskFraction: 0.25 } },
    simulation: { seed: 21 },
  });
  const lines: string[] = [];
  const rt = await startTriggerRuntime(
    cfg,
    createLogger('info', {}, (l) => lines.push(l), 'json'),
  );
  try {
    const sim = createSimulator(cfg.detector, cfg.simulation, 'hot');
    const frames: HitFrame[] = [];
    for (let i = 0; i < 3 * window; i++) {
      const f = sim.next();
      // Every 8th frame carries nothing but the hot block.
      const hits =
        i % 8 === 7
          ? withBlock({
              station: new Uint8Array(0),
              ix: new Int32Array(0),
              iy: new Int32Array(0),
              count: new Int32Array(0),
            })
          : withBlock(f.hits);
      frames.push({ ...f, eventId: `f${i}`, hits });
    }
    const codec = createCodecs('avro').frame;
    const msgs: InputMessage[] = frames.map((f) => ({ key: f.eventId, value: codec.encode(f) }));
    const reco = createMemorySink<RecoEvent>();
    const drop = createMemorySink<never>();
    await lastValueFrom(
      rt
        .pipeline({ reco, candidates: drop, alerts: drop, deadLetters: drop })
        .run(from(msgs))
        .pipe(toArray()),
    );
    const byId = new Map(reco.items.map((e) => [e.eventId, e]));
    assert.equal(byId.size, frames.length, 'every frame reaches the reconstruction');
    for (let i = 0; i < frames.length; i++) {
      const e = byId.get(`f${i}`)!;
      const n = frames[i]!.hits.station.length;
      if (i < window - 1) assert.equal(e.nHits, n, `frame ${i}: warm-up, nothing masked`);
      else assert.equal(e.nHits, n - BLOCK.length, `frame ${i}: the block's hits are gone`);
      if (i % 8 !== 7) continue;
      // A frame of only the hot block: a shower at the block before the mask, nothing to cluster after it.
      if (i < window - 1)
        assert.ok(
          e.status === 'ok' && Math.abs(e.xCm - pixelToXCm(cfg.detector, 601)) < 0.2,
          `frame ${i}: ${e.status} at ${e.xCm}`,
        );
      else assert.equal(e.status, 'no_cluster', `frame ${i}`);
    }
    const metrics = await fetch(rt.metricsUrl).then((r) => r.text());
    for (const s of [0, 1, 2])
      assert.match(metrics, new RegExp(`^showertrig_hot_pixels_masked\\{station="${s}"\\} 9$`, 'm'));
    const logged = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => String(l['msg']).startsWith('hot-pixel mask'));
    assert.equal(logged.length, 1, 'one change: one line');
    assert.deepEqual(logged[0]!['maskedPerStation'], [9, 9, 9]);
    assert.equal((logged[0]!['pixels'] as string[])[0], '0:600,700');
  } finally {
    await rt.close();
  }
});

test('mask changes set the gauge every time and are logged at most once a minute, with the changes not logged counted', async () => {
  const metrics = createMetrics(new Registry(), { defaultMetrics: false });
  const lines: Record<string, unknown>[] = [];
  let now = 0;
  const mask = createHotPixelMask(DEFAULT_GEOMETRY, {
    enabled: true,
    windowFrames: 10,
    maskFraction: 0.5,
    unmaskFraction: 0.5,
  });
  const report = hotPixelReporter(
    mask,
    3,
    metrics,
    createLogger('info', {}, (l) => lines.push(JSON.parse(l) as Record<string, unknown>), 'json'),
    () => now,
  );
  assert.match(
    await metrics.registry.metrics(),
    /^showertrig_hot_pixels_masked\{station="2"\} 0$/m,
    'every station at 0 from the start',
  );
  const change = (masked: number[], w: number) => ({
    framesSeen: 10 * w,
    windowsCompleted: w,
    maskedPerStation: masked,
    added: 1,
    removed: 0,
  });
  report(change([1, 0, 0], 1));
  now += 1000;
  report(change([2, 0, 0], 2));
  report(change([2, 5, 0], 3));
  assert.match(await metrics.registry.metrics(), /^showertrig_hot_pixels_masked\{station="1"\} 5$/m);
  assert.deepEqual(
    lines.map((l) => l['msg']),
    ['hot-pixel mask warm'],
  );
  now += HOT_PIXEL_LOG_INTERVAL_MS;
  report(change([2, 5, 1], 4));
  assert.deepEqual(
    lines.map((l) => l['msg']),
    ['hot-pixel mask warm', 'hot-pixel mask changed'],
  );
  assert.equal(lines[1]!['changesNotLogged'], 2);
  assert.deepEqual(lines[1]!['maskedPerStation'], [2, 5, 1]);
});
