import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createLogger } from './logger.js';
import { createMetrics, METRIC_NAMES } from './metrics.js';
import { createMetricsServer } from './server.js';

test('metrics register every name of METRIC_NAMES on the injected registry only', async () => {
  const registry = new Registry();
  const m = createMetrics(registry);
  m.framesInvalid.inc({ reason: 'truncated' });
  m.setBackend('wasm');
  m.setBackend('cpu');
  const text = await registry.metrics();
  for (const n of METRIC_NAMES) assert.match(text, new RegExp(`^# TYPE showertrig_${n} `, 'm'), n);
  assert.match(text, /^showertrig_frames_invalid_total\{reason="truncated"\} 1$/m);
  assert.match(text, /^showertrig_backend_info\{backend="cpu"\} 1$/m);
  assert.doesNotMatch(text, /backend="wasm"/);
  assert.match(text, /^process_cpu_seconds_total /m, 'default metrics on the same registry');
  // a second registry is independent: no "already registered" clash
  createMetrics(new Registry());
});

test('component metrics start at zero and count per component', async () => {
  const registry = new Registry();
  const c = createMetrics(registry, { defaultMetrics: false }).component('decode');
  c.received(3);
  c.sent(2);
  c.errors();
  const text = await registry.metrics();
  assert.match(text, /showertrig_component_received_total\{component="decode"\} 3/);
  assert.match(text, /showertrig_component_sent_total\{component="decode"\} 2/);
  assert.match(text, /showertrig_component_errors_total\{component="decode"\} 1/);
});

test('the HTTP server serves metrics, liveness and readiness on a free port', async () => {
  const registry = new Registry();
  createMetrics(registry, { defaultMetrics: false }).eventsSelected.inc(4);
  let ready = false;
  const server = createMetricsServer({ registry, ready: () => ready });
  const { port } = await server.start(0, '127.0.0.1');
  try {
    assert.ok(port > 0);
    const base = `http://127.0.0.1:${port}`;
    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^showertrig_events_selected_total 4$/m);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 503);
    ready = true;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  } finally {
    await server.close();
  }
  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
});

test('a throwing readiness callback reports not ready', async () => {
  const server = createMetricsServer({
    registry: new Registry(),
    ready: () => {
      throw new Error('model missing');
    },
  });
  const { port } = await server.start(0);
  try {
    assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 503);
  } finally {
    await server.close();
  }
});

test('only counters end in _total (promtool check metrics), default metrics included', async () => {
  const registry = new Registry();
  createMetrics(registry);
  const text = await registry.metrics();
  const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1]!, type: m[2]! }));
  assert.ok(types.length > 20);
  for (const t of types) if (t.name.endsWith('_total')) assert.equal(t.type, 'counter', t.name);
  assert.match(text, /^nodejs_active_resources\{type="\w+"\} \d+$/m);
});

test('logs: JSON lines for collectors, one readable line per record on a terminal', () => {
  const lines: string[] = [];
  const asJson = createLogger('info', { cmd: 'run' }, (l) => lines.push(l), 'json');
  asJson.debug('dropped below the level');
  asJson.info('inference backend', { backend: 'wasm', warmupMs: 3657, offset: 12n });
  assert.equal(lines.length, 1);
  const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual(
    { ...rec, t: 'T' },
    {
      t: 'T',
      level: 'info',
      msg: 'inference backend',
      cmd: 'run',
      backend: 'wasm',
      warmupMs: 3657,
      offset: '12',
    },
  );
  const human = createLogger('info', { cmd: 'run' }, (l) => lines.push(l), 'human');
  human
    .child({ component: 'kafkajs' })
    .warn('broker moved', { broker: '127.0.0.1:9092', detail: 'leader not available' });
  assert.match(
    lines[1]!,
    /^\d\d:\d\d:\d\d WARN {2}broker moved {2}cmd=run component=kafkajs broker=127\.0\.0\.1:9092 detail="leader not available"\n$/,
  );
});

test('/readyz says what each part is doing after ready / not ready', async () => {
  let state = 'excess: standby, working';
  const server = createMetricsServer({
    registry: new Registry(),
    ready: () => state.includes('working'),
    status: () => state,
  });
  const { port } = await server.start(0, '127.0.0.1');
  try {
    const r = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.deepEqual([r.status, await r.text()], [200, 'ready\nexcess: standby, working\n']);
    state =
      'excess: active (4 tt.candidates partitions), down: brokers (no broker of b:1 answered for 2600 ms)';
    const d = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.deepEqual([d.status, await d.text()], [503, `not ready\n${state}\n`]);
  } finally {
    await server.close();
  }
});
