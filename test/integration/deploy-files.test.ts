/**
 * The deployment files in docker/: the Grafana dashboard queries only metrics the service exports
 * (or Prometheus' own `up` and `ALERTS`) and covers what the shift needs; the compose file is
 * accepted by the compose implementations installed here (docker compose v2 and/or Debian's
 * docker-compose 1.29) and mounts files that exist. The queries' PromQL syntax is checked by a
 * real Prometheus in prometheus-alertmanager.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createExcessMetrics, createMetrics } from '../../src/telemetry/index.js';
import { dashboardQueries, metricNames, type Dashboard } from '../helpers/dashboard.js';

const DASHBOARD = 'docker/grafana/dashboards/showertrig.json';
const COMPOSE = 'docker/docker-compose.yml';
const PROMETHEUS_BUILTINS = new Set(['up', 'ALERTS']);

async function exportedSeries(): Promise<Set<string>> {
  const registry = new Registry();
  createMetrics(registry);
  createExcessMetrics(registry);
  const out = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    out.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(m.name + s);
  }
  return out;
}

test('every Grafana panel parses and queries only exported metrics', async () => {
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
  assert.equal(dash.uid, 'showertrig');
  const exported = await exportedSeries();
  const queries = dashboardQueries(dash);
  assert.ok(queries.length >= 15, `${queries.length} queries`);
  for (const q of queries) {
    const names = metricNames(q.expr);
    assert.ok(names.length > 0, `panel "${q.panel}": no metric selector in ${q.expr}`);
    for (const n of names)
      assert.ok(
        exported.has(n) || PROMETHEUS_BUILTINS.has(n),
        `panel "${q.panel}" queries ${n}, which the service does not export`,
      );
    assert.equal(q.datasourceUid, 'prometheus', `panel "${q.panel}" datasource`);
  }
  for (const p of dash.panels) {
    assert.ok(
      p.gridPos.x >= 0 && p.gridPos.x + p.gridPos.w <= 24 && p.gridPos.h > 0,
      `panel "${p.title}" gridPos ${JSON.stringify(p.gridPos)}`,
    );
    if (p.type !== 'row') assert.ok((p.targets ?? []).length > 0, `panel "${p.title}" has no query`);
  }
  assert.equal(new Set(dash.panels.map((p) => p.id)).size, dash.panels.length, 'panel ids are unique');
  // What the shift watches: each of these metrics is on some panel.
  const used = new Set(queries.flatMap((q) => metricNames(q.expr)));
  for (const n of [
    'showertrig_frames_received_total',
    'showertrig_events_selected_total',
    'showertrig_excess_significance',
    'showertrig_excess_alerts_total',
    'ALERTS',
    'showertrig_end_to_end_latency_seconds_bucket',
    'showertrig_inference_batch_size_sum',
    'showertrig_consumer_lag',
    'showertrig_dead_letters_total',
    'showertrig_backend_info',
    'showertrig_excess_active',
    'showertrig_hot_pixels_masked',
  ])
    assert.ok(used.has(n), `no panel shows ${n}`);
});

test('the compose file mounts existing files and provisions Prometheus, Alertmanager and Grafana', () => {
  const text = readFileSync(COMPOSE, 'utf8');
  assert.doesNotMatch(text, /^name:/m, 'a top-level name: key is rejected by docker-compose 1.x');
  for (const m of text.matchAll(/^\s*- (\.{1,2}\/[^:]+):/gm))
    assert.ok(existsSync(resolve('docker', m[1]!)), `compose mounts ${m[1]}, which does not exist`);
  for (const s of ['prometheus', 'alertmanager', 'grafana', 'trigger', 'kafka'])
    assert.match(text, new RegExp(`^  ${s}:`, 'm'), `service ${s}`);
  const ignore = readFileSync('.dockerignore', 'utf8').split('\n');
  for (const p of ['node_modules', '.git', 'dist', '.kafka', '.venv*', 'out', '**/*.avro'])
    assert.ok(ignore.includes(p), `.dockerignore lacks ${p}`);
  // Every published port on the host's loopback only (the compose file's own rule).
  for (const m of text.matchAll(/ports: \[(.*)\]/g))
    for (const p of m[1]!.split(','))
      assert.match(p.trim(), /^(["'])127\.0\.0\.1:\d+:\d+\1$/, `published on all interfaces: ${p}`);
});

test("the image's default broker is the compose network's listener that the other services use", () => {
  const compose = readFileSync(COMPOSE, 'utf8');
  const internal = /INTERNAL:\/\/(kafka:\d+)/.exec(compose)?.[1];
  assert.ok(internal !== undefined);
  const cmd = /^CMD \[(.*)\]$/m.exec(readFileSync('docker/Dockerfile', 'utf8'))?.[1] ?? '';
  assert.match(cmd, new RegExp(`"--brokers", "${internal}"`));
  for (const m of compose.matchAll(/"--brokers", "([^"]+)"/g)) assert.equal(m[1], internal);
});

const composeTools: { name: string; cmd: string[] }[] = [
  { name: 'docker compose (v2)', cmd: ['docker', 'compose'] },
  { name: 'docker-compose (v1)', cmd: ['docker-compose'] },
];
for (const tool of composeTools) {
  const probe = spawnSync(tool.cmd[0]!, [...tool.cmd.slice(1), 'version'], { encoding: 'utf8' });
  const skip = probe.status === 0 ? false : `${tool.name} is not installed`;
  test(`${tool.name} accepts the compose file (config validation, no engine needed)`, { skip }, () => {
    const r = spawnSync(tool.cmd[0]!, [...tool.cmd.slice(1), '-f', COMPOSE, 'config', '--services'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `${tool.name} config:\n${r.stdout}${r.stderr}`);
    assert.deepEqual(
      new Set(r.stdout.trim().split('\n')),
      new Set([
        'kafka',
        'trigger',
        'daq-simulator',
        'prometheus',
        'alertmanager',
        'grafana',
        'kafka-1',
        'kafka-2',
        'kafka-3',
      ]),
    );
  });
}
