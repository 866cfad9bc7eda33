/**
 * The codec is a setting: with `--codec msgpack` (kafka.codec), simulate and replay publish
 * msgpack frames, record reads them back into an Avro recording, and run consumes them and
 * writes its outputs in msgpack, all through the real broker. Avro through the same commands is
 * covered by publish-record.test.ts and trigger-kafka.test.ts; the header byte tells them apart.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeFrame, decodeRecoEvent, readHeader } from '../../src/codecs/index.js';
import type { HitFrame } from '../../src/domain/index.js';
import { readRecording } from '../../src/recording/index.js';
import {
  BROKERS,
  consumeUntil,
  createTopics,
  freshTopics,
  kafkaClient,
  startTrigger,
} from '../helpers/kafka.js';
import { runCli } from '../helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'showertrig-codec-'));

const cli = (...argv: string[]): { code: number | null; out: string } => runCli(argv);

async function read(path: string): Promise<Map<string, HitFrame>> {
  const out = new Map<string, HitFrame>();
  for await (const f of readRecording(path)) out.set(f.eventId, f);
  return out;
}

test(
  'msgpack frames through simulate, replay, record and run against the real broker',
  { timeout: 240_000 },
  async () => {
    const n = 120;
    const kafka = kafkaClient();
    const [viaReplay, viaSimulate] = [freshTopics(), freshTopics()];
    await createTopics(kafka, viaReplay, 4);
    await createTopics(kafka, viaSimulate, 2);
    const config = (topics: typeof viaReplay): string => {
      const p = join(dir, `${topics.frames}.json`);
      writeFileSync(
        p,
        JSON.stringify({ kafka: { brokers: BROKERS, topics }, service: { logLevel: 'warn' } }),
      );
      return p;
    };
    // The trigger starts first (model load, warm-up) and reads msgpack frames, writing msgpack outputs.
    const trig = startTrigger(viaReplay, { kafka: { codec: 'msgpack' } });
    try {
      const file = join(dir, 'sim.avro');
      assert.equal(cli('simulate', '--events', String(n), '--seed', '31', '--out', file).code, 0);
      const want = await read(file);

      const rep = cli(
        'replay',
        file,
        '--brokers',
        BROKERS.join(','),
        '--config',
        config(viaReplay),
        '--codec',
        'msgpack',
      );
      assert.equal(rep.code, 0, rep.out);
      const sim = cli(
        'simulate',
        '--brokers',
        BROKERS.join(','),
        '--config',
        config(viaSimulate),
        '--events',
        String(n),
        '--seed',
        '31',
        '--rate',
        'max',
        '--codec',
        'msgpack',
      );
      assert.equal(sim.code, 0, sim.out);

      for (const topics of [viaReplay, viaSimulate]) {
        const raw = await consumeUntil(kafka, topics.frames, (m) => m.length >= n, 30_000);
        assert.equal(raw.length, n);
        assert.ok(
          raw.every((m) => readHeader(m.value).codec === 'msgpack'),
          `${topics.frames}: every frame msgpack-encoded`,
        );
        assert.deepEqual(new Map(raw.map((m) => [m.key, decodeFrame(m.value)])), want);
      }

      const copy = join(dir, 'copy.avro');
      const rec = cli(
        'record',
        '--brokers',
        BROKERS.join(','),
        '--topic',
        viaSimulate.frames,
        '--out',
        copy,
        '--events',
        String(n),
        '--idle-s',
        '20',
      );
      assert.equal(rec.code, 0, rec.out);
      assert.match(rec.out, new RegExp(`recorded ${n} frames .*skipped 0 undecodable`));
      assert.deepEqual(await read(copy), want);

      const reco = await consumeUntil(
        kafka,
        viaReplay.reco,
        (m) => new Set(m.map((x) => x.key)).size >= n,
        90_000,
      );
      assert.ok(
        reco.every((m) => readHeader(m.value).codec === 'msgpack'),
        'outputs in the configured codec',
      );
      assert.deepEqual(
        new Set(reco.map((m) => decodeRecoEvent(m.value).eventId)),
        new Set(want.keys()),
        trig.output().slice(-2000),
      );
    } finally {
      assert.equal(await trig.stop(), 0, `exit code; output:\n${trig.output().slice(-2000)}`);
    }
  },
);
