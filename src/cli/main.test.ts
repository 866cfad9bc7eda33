/**
 * The CLI's answers to a user's mistakes, in process: each is one line naming what to change,
 * with exit code 2 for usage and 1 for everything else, and never a stack trace.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startCli } from '../../test/helpers/processes.js';
import { main, version } from './main.js';

/** Runs main with its output captured. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const firstLine = (s: string): string => s.split('\n')[0]!;

test("--version prints the package version; help CMD prints that command's flags", async () => {
  assert.match(version(), /^\d+\.\d+\.\d+/);
  assert.deepEqual(await cli('--version'), { code: 0, out: `showertrig ${version()}\n`, err: '' });
  const help = await cli('help', 'record');
  assert.equal(help.code, 0);
  assert.match(help.out, /^usage: showertrig record --brokers/);
  assert.match((await cli('help')).out, /showertrig help <command>/);
  assert.equal((await cli('help', 'nosuch')).code, 2);
});

test('negative and malformed numbers in flags name the flag and the allowed range', async () => {
  const neg = await cli('simulate', '--events', '-5');
  assert.equal(neg.code, 2);
  assert.equal(firstLine(neg.err), 'showertrig simulate: --events: expected an integer >= 0, got "-5"');
  assert.equal(
    firstLine((await cli('run', '--duration', '-1')).err),
    'showertrig run: --duration: expected a number >= 0, got "-1"',
  );
  assert.equal(
    firstLine((await cli('simulate', '--seed', '-1', '--events', '1')).err),
    'showertrig simulate: --seed: expected an integer in [0, 4294967295], got "-1"',
  );
  assert.equal(
    firstLine((await cli('simulate', '--events', '1', '--excess', 'signal:-2:0:1')).err),
    'showertrig simulate: ConfigError: config --excess.rateFactor: expected a number in [0, 1000000], got -2',
  );
});

test('run --speed 0 and --speed abc are usage errors, as in replay', async () => {
  for (const speed of ['0', 'abc', '-3']) {
    for (const cmd of [['run'], ['replay', 'x.avro', '--embedded']]) {
      const r = await cli(...cmd, '--speed', speed);
      assert.equal(r.code, 2, `${cmd[0]} --speed ${speed}`);
      assert.equal(
        firstLine(r.err),
        `showertrig ${cmd[0]}: --speed: expected a positive number or "max", got "${speed}"`,
      );
    }
  }
});

test('a directory or unreadable file is one line, exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'showertrig-main-'));
  const ins = await cli('inspect', dir);
  assert.deepEqual(
    [ins.code, ins.err],
    [1, `showertrig inspect: RecordingError: ${dir} is a directory, not a recording (.avro file)\n`],
  );
  const cfg = await cli('simulate', '--events', '1', '--config', dir);
  assert.deepEqual(
    [cfg.code, cfg.err],
    [
      1,
      `showertrig simulate: ConfigError: config --config: expected a readable JSON file, got "${dir} (EISDIR)"\n`,
    ],
  );
  const missing = await cli('inspect', join(dir, 'none.avro'));
  assert.equal(missing.code, 1);
  assert.match(missing.err, /^showertrig inspect: RecordingError: cannot open .*none\.avro: ENOENT[^\n]*\n$/);
  const out = await cli('simulate', '--events', '1', '--out', join(dir, 'no', 'such', 'dir.avro'));
  assert.match(out.err, /^showertrig simulate: RecordingError: cannot create [^\n]*\n$/);
});

test('broker unreachable and metrics port in use: one line each, exit 1, in the configured time', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  try {
    const dir = mkdtempSync(join(tmpdir(), 'showertrig-main-'));
    const config = join(dir, 'c.json');
    // run waits out an outage at start for kafka.outageToleranceMs (a service); the one-shot commands kafka.reachTimeoutMs.
    writeFileSync(config, JSON.stringify({ kafka: { reachTimeoutMs: 1000, outageToleranceMs: 1000 } }));
    // A port bound and closed again: nothing listens there.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const broker = `127.0.0.1:${(closed.address() as { port: number }).port}`;
    await new Promise((r) => closed.close(r));
    for (const argv of [
      ['run', '--brokers', broker, '--metrics-port', '0'],
      ['simulate', '--brokers', broker, '--events', '5'],
    ]) {
      const t0 = performance.now();
      const r = await cli(...argv, '--config', config);
      const s = (performance.now() - t0) / 1000;
      assert.equal(r.code, 1);
      assert.equal(
        r.err,
        `showertrig ${argv[0]}: KafkaUnreachableError: cannot reach Kafka at ${broker} (connection refused; tried for 1 s, kafka.reachTimeoutMs sets how long)\n`,
      );
      assert.ok(s < 5, `${argv[0]} gave up after ${s.toFixed(1)} s`);
    }
    // Flags without a command are run's: the hint's `--metrics-port N` works added to `showertrig` as well.
    for (const argv of [
      ['run', '--metrics-port', String(port), '--duration', '1'],
      ['--metrics-port', String(port), '--duration', '1'],
    ]) {
      const r = await cli(...argv);
      assert.equal(r.code, 1);
      assert.match(
        r.err,
        new RegExp(
          `^showertrig run: MetricsPortError: port ${port} on 127\\.0\\.0\\.1 is already in use \\(another showertrig or exporter\\?\\): add --metrics-port ${port + 1} to the command \\(0 = any free port\\), or set service\\.metricsPort in a --config file\n$`,
        ),
      );
    }
  } finally {
    taken.close();
  }
});

test("every flag a command's usage line offers is described in its help", async () => {
  const undescribed: string[] = [];
  for (const name of [
    'run',
    'replay',
    'record',
    'simulate',
    'inspect',
    'evaluate',
    'train',
    'soak',
    'bench-sim',
    'bench-codecs',
    'bench-reco',
    'bench-e2e',
    'bench-backends',
    'fom',
    'anomaly',
  ]) {
    const { out } = await cli(name, '--help');
    const lines = out.split('\n');
    const synopsisEnd = lines.findIndex((l, i) => i > 0 && !/^\s+\[/.test(l) && !/^\s{8,}\S.*\]$/.test(l));
    const offered = new Set(
      [
        ...lines
          .slice(0, synopsisEnd)
          .join(' ')
          .matchAll(/\[(--[a-z0-9-]+)/g),
      ].map((m) => m[1]!),
    );
    const described = new Set(
      lines
        .slice(synopsisEnd)
        .flatMap((l) => (/^\s{1,4}(--[a-z0-9-]+(?:,\s*--[a-z0-9-]+)*)/.exec(l)?.[1] ?? '').split(/,\s*/)),
    );
    const missing = [...offered].filter((f) => !described.has(f));
    if (missing.length > 0) undescribed.push(`${name}: ${missing.join(', ')}`);
  }
  assert.deepEqual(undescribed, [], `flags offered but not described: ${undescribed.join('; ')}`);
});

test(
  'run started during an outage waits for the brokers (a warning, not ready) up to kafka.outageToleranceMs, then one line',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'showertrig-main-'));
    const config = join(dir, 'c.json');
    writeFileSync(config, JSON.stringify({ kafka: { reachTimeoutMs: 1000, outageToleranceMs: 6000 } }));
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const broker = `127.0.0.1:${(closed.address() as { port: number }).port}`;
    await new Promise((r) => closed.close(r));
    const t0 = performance.now();
    const child = startCli(['run', '--brokers', broker, '--metrics-port', '0', '--config', config]);
    const code = await child.exited;
    const err = child.stderr();
    const s = (performance.now() - t0) / 1000;
    assert.equal(code, 1, err);
    assert.ok(s >= 6, `gave up after ${s.toFixed(1)} s, before the outage tolerance`);
    assert.match(err, /cannot reach Kafka at [^ ]+ \(connection refused\); waiting, not ready/);
    assert.match(
      err,
      new RegExp(
        `showertrig run: KafkaUnreachableError: cannot reach Kafka at ${broker} \\(connection refused; tried for 6 s, kafka\\.outageToleranceMs sets how long\\)\\n$`,
      ),
    );
  },
);
