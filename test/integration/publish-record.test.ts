/**
 * The DAQ side against the real broker, through the CLI as users run it: `simulate --brokers`
 * and `replay --brokers` publish to a fresh tt.frames topic, `record` writes it back to a
 * recording, and the frames that come back are the ones a `simulate --out` of the same seed wrote.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HitFrame } from '../../src/domain/index.js';
import { readRecording } from '../../src/recording/index.js';
import { BROKERS, consumeUntil, createTopics, freshTopics, kafkaClient } from '../helpers/kafka.js';
import { runCli } from '../helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'showertrig-pub-'));

const cli = (...argv: string[]): { code: number | null; out: string } => runCli(argv);

async function read(path: string): Promise<HitFrame[]> {
  const out: HitFrame[] = [];
  for await (const f of readRecording(path)) out.push(f);
  return out;
}

/** Frames by event id, in a form deepEqual compares exactly (typed arrays and bigints included). */
const byId = (fs: HitFrame[]): Map<string, HitFrame> => new Map(fs.map((f) => [f.eventId, f]));

async function topicConfig(): Promise<{ path: string; topic: string }> {
  const topics = freshTopics();
  await createTopics(kafkaClient(), topics, 3);
  const path = join(dir, `${topics.frames}.json`);
  writeFileSync(
    path,
    JSON.stringify({ kafka: { brokers: BROKERS, topics, partitions: 3 }, service: { logLevel: 'warn' } }),
  );
  return { path, topic: topics.frames };
}

test(
  'simulate --brokers publishes exactly the frames simulate --out writes; record reads them back',
  { timeout: 180_000 },
  async () => {
    const n = 400;
    const file = join(dir, 'sim.avro');
    assert.equal(cli('simulate', '--events', String(n), '--seed', '17', '--out', file).code, 0);
    const { path, topic } = await topicConfig();
    const pub = cli(
      'simulate',
      '--brokers',
      BROKERS.join(','),
      '--config',
      path,
      '--events',
      String(n),
      '--seed',
      '17',
      '--rate',
      'max',
    );
    assert.equal(pub.code, 0, pub.out);
    assert.match(pub.out, new RegExp(`published ${n} events to ${topic.replace(/\./g, '\\.')}`));
    const copy = join(dir, 'copy.avro');
    const rec = cli(
      'record',
      '--brokers',
      BROKERS.join(','),
      '--topic',
      topic,
      '--out',
      copy,
      '--events',
      String(n),
      '--idle-s',
      '20',
    );
    assert.equal(rec.code, 0, rec.out);
    const want = byId(await read(file));
    const got = await read(copy);
    assert.equal(got.length, n, 'each frame recorded once');
    assert.deepEqual(byId(got), want);
  },
);

test(
  'replay --brokers --speed publishes a recording paced by its timestamps',
  { timeout: 180_000 },
  async () => {
    const file = join(dir, 'replay.avro');
    // 150 events at 85 Hz span about 1.8 s of detector time; at --speed 1 the replay takes as long.
    assert.equal(cli('simulate', '--events', '150', '--seed', '23', '--out', file).code, 0);
    const frames = await read(file);
    const spanS = Number(frames[frames.length - 1]!.timestampNs - frames[0]!.timestampNs) / 1e9;
    const { path, topic } = await topicConfig();
    const t0 = performance.now();
    const r = cli('replay', file, '--brokers', BROKERS.join(','), '--config', path, '--speed', '1');
    const wallS = (performance.now() - t0) / 1000;
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /replayed 150 frames/);
    assert.ok(
      wallS >= spanS * 0.9,
      `replay took ${wallS.toFixed(2)} s for ${spanS.toFixed(2)} s of recorded time`,
    );
    const copy = join(dir, 'replay-copy.avro');
    assert.equal(
      cli(
        'record',
        '--brokers',
        BROKERS.join(','),
        '--topic',
        topic,
        '--out',
        copy,
        '--events',
        '150',
        '--idle-s',
        '20',
      ).code,
      0,
    );
    assert.deepEqual(byId(await read(copy)), byId(frames));
  },
);

test(
  'a recording that is not Avro fails replay with a clear error and exit 1, publishing nothing',
  { timeout: 60_000 },
  async () => {
    const bad = join(dir, 'bad.avro');
    writeFileSync(bad, 'this is not an Avro container');
    const { path, topic } = await topicConfig();
    const r = cli('replay', bad, '--brokers', BROKERS.join(','), '--config', path);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /DecodeError: .*bad\.avro: not an Avro object container file/);
    assert.deepEqual(await consumeUntil(kafkaClient(), topic, (m) => m.length > 0, 3_000), []);
  },
);
