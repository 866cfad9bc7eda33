/**
 * The Prometheus alert rules in config/prometheus, checked and unit-tested by the real promtool
 * (Debian's prometheus package; without it the test skips: tests install nothing), and held to the
 * metrics the service really exports: a rule on a misspelt metric would never fire.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createAnomalyMetrics, createExcessMetrics, createMetrics } from '../../src/telemetry/index.js';
import { haveBinary } from '../helpers/prometheus.js';

const RULES = 'config/prometheus/showertrig-rules.yml';
const RULE_TESTS = 'config/prometheus/showertrig-rules.test.yml';

const skip = haveBinary('promtool')
  ? false
  : 'promtool not installed (apt-get install prometheus, or bash scripts/promtool-test.sh --install)';
if (skip) process.stderr.write(`\n*** ${skip}: the alert rules are not checked by promtool ***\n\n`);

test('promtool checks the alert rules and passes every rule test case', { skip }, () => {
  const r = spawnSync('bash', ['scripts/promtool-test.sh'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `promtool failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout + r.stderr, /SUCCESS/);
});

test('every alert rule has a promtool test case', () => {
  const alerts = [...readFileSync(RULES, 'utf8').matchAll(/^\s*- alert:\s*(\S+)/gm)].map((m) => m[1]!);
  const cases = readFileSync(RULE_TESTS, 'utf8');
  assert.ok(alerts.length >= 5, `rules found: ${alerts.join(', ')}`);
  for (const a of alerts) assert.match(cases, new RegExp(`alertname:\\s*${a}\\b`), `no test case for ${a}`);
});

test('every showertrig_ metric a rule uses is exported by the service (its reconstruction, its excess stage or its anomaly path)', async () => {
  const registry = new Registry();
  createMetrics(registry, { defaultMetrics: false });
  createExcessMetrics(registry);
  createAnomalyMetrics(registry);
  const exported = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
  const used = new Set([...readFileSync(RULES, 'utf8').matchAll(/\bshowertrig_[a-z_]+/g)].map((m) => m[0]));
  assert.ok(used.size >= 4);
  for (const name of used)
    assert.ok(exported.has(name), `${RULES} uses ${name}, which the service does not export`);
});
