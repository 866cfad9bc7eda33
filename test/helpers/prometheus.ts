/**
 * Real Prometheus and Alertmanager (Debian's `prometheus` and `prometheus-alertmanager` packages)
 * as child processes on loopback ports, each with its own temporary data directory; stopped by the
 * caller. Alertmanager runs without clustering (no gossip port).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMETHEUS_BIN = 'prometheus';
export const ALERTMANAGER_BIN = 'prometheus-alertmanager';

export function haveBinary(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = a !== null && typeof a === 'object' ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Service {
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

async function waitReady(
  url: string,
  child: ChildProcess,
  out: () => string,
  timeoutMs: number,
): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${url}: exited with ${child.exitCode}\n${out().slice(-2000)}`);
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`${url} not ready after ${timeoutMs} ms\n${out().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startService(
  bin: string,
  args: (port: number, dir: string) => string[],
  dir: string,
): Promise<Service> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(bin, args(port, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, () => out, 20_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, output: () => out, stop };
}

export async function startAlertmanager(configFile: string): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'showertrig-am-'));
  return startService(
    ALERTMANAGER_BIN,
    (port, d) => [
      `--config.file=${configFile}`,
      `--storage.path=${d}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    dir,
  );
}

export interface PrometheusOptions {
  /** host:port targets of job "showertrig". */
  readonly targets: readonly string[];
  readonly alertmanager: string;
  /** Rules file contents (written to the data directory). */
  readonly rules: string;
  readonly intervalS: number;
}

export async function startPrometheus(o: PrometheusOptions): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'showertrig-prom-'));
  writeFileSync(join(dir, 'rules.yml'), o.rules);
  const am = new URL(o.alertmanager).host;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      `  scrape_interval: ${o.intervalS}s`,
      `  evaluation_interval: ${o.intervalS}s`,
      'rule_files: [rules.yml]',
      'alerting:',
      '  alertmanagers:',
      `    - static_configs: [{ targets: ["${am}"] }]`,
      'scrape_configs:',
      '  - job_name: showertrig',
      `    static_configs: [{ targets: [${o.targets.map((t) => JSON.stringify(t)).join(', ')}] }]`,
      '',
    ].join('\n'),
  );
  return startService(
    PROMETHEUS_BIN,
    (port, d) => [
      `--config.file=${join(d, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(d, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--rules.alert.resend-delay=1s',
      '--log.level=warn',
    ],
    dir,
  );
}

/**
 * The production rules with every range, offset and `for:` duration shortened, so a test sees in
 * seconds what production decides over minutes; the expressions are otherwise untouched.
 */
export function shortenRules(rules: string, rangeS: number, forS: number): string {
  return rules
    .replace(/\[\d+[smhd]\]/g, `[${rangeS}s]`)
    .replace(/offset \d+[smhd]/g, `offset ${rangeS}s`)
    .replace(/^(\s*for:\s*)\S+/gm, `$1${forS}s`);
}

export interface AmAlert {
  readonly labels: Record<string, string>;
  readonly startsAt: string;
  readonly status: { readonly state: string };
}

/** Active alerts as Alertmanager's v2 API lists them. */
export async function alertmanagerAlerts(am: Service): Promise<AmAlert[]> {
  const r = await fetch(`${am.url}/api/v2/alerts?active=true&silenced=false&inhibited=false`);
  if (!r.ok) throw new Error(`alertmanager /api/v2/alerts: HTTP ${r.status}`);
  return (await r.json()) as AmAlert[];
}

/** Alerts in Prometheus' rule evaluation (pending or firing). */
export async function prometheusAlerts(
  prom: Service,
): Promise<{ labels: Record<string, string>; state: string }[]> {
  const r = await fetch(`${prom.url}/api/v1/alerts`);
  if (!r.ok) throw new Error(`prometheus /api/v1/alerts: HTTP ${r.status}`);
  return ((await r.json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } }).data
    .alerts;
}

export async function until<T>(
  f: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  detail: () => string = () => '',
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
