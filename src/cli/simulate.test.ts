import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../config/index.js';
import type { HitFrame } from '../domain/index.js';
import { readRecording } from '../recording/index.js';
import { UsageError } from './args.js';
import { DEFAULT_START_NS } from '../app/index.js';
import { createSimulateCommand } from './simulate.js';
import type { Terminal } from './terminal.js';

const dir = mkdtempSync(join(tmpdir(), 'showertrig-sim-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function terminal(): Terminal & { stdout: string; stderr: string } {
  const t = {
    stdout: '',
    stderr: '',
    errIsTty: false,
    out: (s: string) => void (t.stdout += s),
    err: (s: string) => void (t.stderr += s),
  };
  return t;
}

async function simulate(...argv: string[]): Promise<{ code: number; term: ReturnType<typeof terminal> }> {
  const term = terminal();
  const code = await createSimulateCommand(term).run(argv);
  return { code, term };
}

async function frames(path: string): Promise<HitFrame[]> {
  const out: HitFrame[] = [];
  for await (const f of readRecording(path)) out.push(f);
  return out;
}

describe('simulate', () => {
  it('writes the requested events to a recording and summarises them', async () => {
    const path = join(dir, 'a.avro');
    const { code, term } = await simulate('--events', '120', '--seed', '5', '--out', path);
    assert.equal(code, 0);
    const fs = await frames(path);
    assert.equal(fs.length, 120);
    assert.equal(fs[0]!.runId, 'run-5');
    assert.ok(fs.every((f) => f.truth !== undefined));
    for (let i = 1; i < fs.length; i++) assert.ok(fs[i]!.timestampNs > fs[i - 1]!.timestampNs);
    assert.ok(fs[0]!.timestampNs > DEFAULT_START_NS && fs[0]!.timestampNs < DEFAULT_START_NS + 10n ** 10n);
    assert.match(term.stdout, new RegExp(`wrote 120 events .* ${statSync(path).size} bytes`));
  });

  it('the same seed gives identical file bytes; another seed does not', async () => {
    const [a, b, c] = ['s1.avro', 's2.avro', 's3.avro'].map((n) => join(dir, n)) as [string, string, string];
    await simulate('--events', '80', '--seed', '11', '--out', a);
    await simulate('--events', '80', '--seed', '11', '--out', b);
    await simulate('--events', '80', '--seed', '12', '--out', c);
    assert.ok(readFileSync(a).equals(readFileSync(b)));
    assert.ok(!readFileSync(a).equals(readFileSync(c)));
  });

  it('--start-ns shifts every timestamp exactly, beyond double precision', async () => {
    const a = join(dir, 't0.avro');
    const b = join(dir, 't1.avro');
    const start = 1_726_000_000_123_456_789n;
    await simulate('--events', '20', '--seed', '3', '--out', a);
    await simulate('--events', '20', '--seed', '3', '--out', b, '--start-ns', start.toString());
    const fa = await frames(a);
    const fb = await frames(b);
    fa.forEach((f, i) => assert.equal(fb[i]!.timestampNs - start, f.timestampNs - DEFAULT_START_NS));
  });

  it('--excess raises the injected class share', async () => {
    const base = join(dir, 'base.avro');
    const boosted = join(dir, 'boost.avro');
    await simulate('--events', '300', '--seed', '4', '--out', base);
    await simulate('--events', '300', '--seed', '4', '--out', boosted, '--excess', 'signal:5:0:1000');
    const share = (fs: HitFrame[]): number =>
      fs.filter((f) => f.truth?.eventClass === 'signal').length / fs.length;
    const s0 = share(await frames(base));
    const s1 = share(await frames(boosted));
    // default rates: signal 20 of 85.3 Hz (23 %); x5: 100 of 165.3 Hz (60 %)
    assert.ok(s0 < 0.35 && s1 > 0.45, `signal share ${s0} -> ${s1}`);
  });

  it('without --out runs the simulator and prints a summary per class', async () => {
    const { code, term } = await simulate('--events', '50', '--seed', '2');
    assert.equal(code, 0);
    assert.match(
      term.stdout,
      /simulated 50 events \(signal \d+, neutrino \d+, muon \d+, noise \d+, nuElastic \d+, nueCCQE \d+, ncPi0 \d+\)/,
    );
  });

  it('rejects bad flags with a UsageError or ConfigError naming them', async () => {
    await assert.rejects(
      simulate('--events', 'many'),
      (e: unknown) => e instanceof UsageError && /--events/.test(e.message),
    );
    await assert.rejects(simulate('--events', '1', '--start-ns', '-5'), UsageError);
    await assert.rejects(
      simulate('--events', '1', '--excess', 'axion:2:0:1'),
      (e: unknown) => e instanceof ConfigError && /excess/.test(e.message),
    );
    await assert.rejects(simulate('--bogus'), UsageError);
    await assert.rejects(
      simulate('--events', '1', '--rate', '0'),
      (e: unknown) => e instanceof UsageError && /--rate/.test(e.message),
    );
    await assert.rejects(
      simulate('--events', '1', '--rate', 'fast'),
      (e: unknown) => e instanceof UsageError && /--rate/.test(e.message),
    );
    await assert.rejects(
      simulate('--events', '1', '--out', join(dir, 'x.avro'), '--brokers', '127.0.0.1:9092'),
      (e: unknown) => e instanceof UsageError && /--out and --brokers/.test(e.message),
    );
  });

  it('--rate scales every class rate by the same factor, keeping the mix', async () => {
    const base = join(dir, 'rate-base.avro');
    const fast = join(dir, 'rate-fast.avro');
    await simulate('--events', '2000', '--seed', '9', '--out', base);
    await simulate('--events', '2000', '--seed', '9', '--rate', '850', '--out', fast);
    const a = await frames(base);
    const b = await frames(fast);
    const span = (fs: HitFrame[]): number =>
      Number(fs[fs.length - 1]!.timestampNs - fs[0]!.timestampNs) / 1e9;
    // The configured rates sum to 85 Hz: ten times the rate gives a tenth of the span (Poisson noise ~2 %).
    assert.ok(Math.abs(span(a) / span(b) - 10) < 1, `span ratio ${span(a) / span(b)}`);
    const share = (fs: HitFrame[]): number =>
      fs.filter((f) => f.truth?.eventClass === 'muon').length / fs.length;
    assert.ok(Math.abs(share(a) - share(b)) < 0.05, `muon share ${share(a)} vs ${share(b)}`);
  });
});
