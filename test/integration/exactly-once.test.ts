/**
 * kafka.delivery exactly-once against the real broker: two reconstruction members (a rebalance
 * when the second joins), one SIGKILLed mid-stream and restarted with its transactional id (which
 * fences and aborts what it left open), then an independent read_committed reader sees every
 * generated event in tt.reco exactly once, and each selected candidate once in tt.candidates.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createCodecs, decodeCandidate, decodeRecoEvent } from '../../src/codecs/index.js';
import { parseConfig } from '../../src/config/index.js';
import { createSimulator } from '../../src/sim/index.js';
import {
  BROKERS,
  createTopics,
  freshTopics,
  kafkaClient,
  produce,
  startTrigger,
  type TriggerProcess,
} from '../helpers/kafka.js';

const codecs = createCodecs('avro');

function frameMessages(n: number, seed: number): { key: string; value: Buffer }[] {
  const cfg = parseConfig({ simulation: { seed } });
  const s = createSimulator(cfg.detector, cfg.simulation, `eos-${seed}`);
  return Array.from({ length: n }, () => {
    const f = s.next();
    return { key: f.eventId, value: codecs.frame.encode(f) };
  });
}

/** Reads a topic from the start as a read_committed member of a fresh group; `stop` ends it and returns what was read. */
function readCommitted(kafka: Kafka, topic: string): { got: Buffer[]; stop: () => Promise<Buffer[]> } {
  const c = kafka.consumer({
    groupId: `eos-reader-${randomBytes(4).toString('hex')}`,
    readUncommitted: false,
  });
  const got: Buffer[] = [];
  const started = (async () => {
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => void got.push(message.value ?? Buffer.alloc(0)) });
  })();
  return {
    got,
    stop: async () => {
      await started;
      await c.disconnect();
      return got;
    },
  };
}

async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The same check by librdkafka (confluent-kafka in .venv-ref, where present): no key twice, every event in tt.reco. */
function independentCheck(
  t: { diagnostic(m: string): void },
  reco: string,
  candidates: string,
  events: number,
): void {
  const py = '.venv-ref/bin/python';
  const probe = existsSync(py) ? spawnSync(py, ['-c', 'import confluent_kafka']) : undefined;
  if (probe?.status !== 0) {
    t.diagnostic('confluent-kafka check skipped: no .venv-ref/bin/python with confluent_kafka');
    return;
  }
  const r = spawnSync(
    py,
    ['scripts/check_exactly_once.py', '--brokers', BROKERS.join(','), reco, candidates],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  t.diagnostic(`confluent-kafka read_committed: ${r.stdout.trim().replace(/\n/g, '; ')}`);
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.equal(JSON.parse(r.stdout.split('\n')[0]!).distinct, events);
}

test(
  'exactly-once: a rebalance and a SIGKILL mid-stream leave every event once in tt.reco and tt.candidates (read_committed)',
  { timeout: 120_000 },
  async (t) => {
    const kafka = kafkaClient();
    const topics = freshTopics();
    await createTopics(kafka, topics, 4);
    const first = frameMessages(800, 31);
    const second = frameMessages(400, 32);
    const ids = new Set([...first, ...second].map((m) => m.key));
    const group = `g-${topics.frames}`;
    const member = (id: string): TriggerProcess =>
      startTrigger(
        topics,
        {
          kafka: {
            delivery: 'exactly-once',
            transactionalId: `${group}-${id}`,
            transactionTimeoutMs: 10_000,
          },
        },
        group,
        ['--role', 'reco'],
      );
    const reco = readCommitted(kafka, topics.reco);
    const procs: TriggerProcess[] = [];
    try {
      await produce(kafka, topics.frames, first);
      procs.push(member('a'), member('b'));
      const recoIds = (): Set<string> => new Set(reco.got.map((v) => decodeRecoEvent(v).eventId));
      await until(() => recoIds().size >= 200, 60_000, 'the first committed outputs');
      // Mid-stream: the first member dies without a word; its successor keeps its transactional id.
      procs[0]!.child.kill('SIGKILL');
      await procs[0]!.exited;
      await produce(kafka, topics.frames, second);
      procs.push(member('a'));
      await until(() => recoIds().size >= ids.size, 90_000, `all ${ids.size} events in tt.reco`);
      for (const p of procs.slice(1)) assert.equal(await p.stop(), 0, p.output().slice(-2000));
      const recoValues = await reco.stop();
      const candidates = readCommitted(kafka, topics.candidates);
      const expected = recoValues.map(decodeRecoEvent).filter((e) => e.status === 'ok').length;
      await until(() => candidates.got.length > 0, 20_000, 'candidates');
      await new Promise((r) => setTimeout(r, 1_500));
      const candIds = (await candidates.stop()).map((v) => decodeCandidate(v).event.eventId);
      const recoList = recoValues.map((v) => decodeRecoEvent(v).eventId);
      const dup = (xs: string[]): number => xs.length - new Set(xs).size;
      t.diagnostic(
        `tt.reco ${recoList.length} records, ${new Set(recoList).size} distinct of ${ids.size}; tt.candidates ${candIds.length} records, ${new Set(candIds).size} distinct`,
      );
      assert.equal(dup(recoList), 0, 'no event twice in tt.reco');
      assert.equal(dup(candIds), 0, 'no candidate twice in tt.candidates');
      assert.equal(
        [...ids].filter((id) => !recoList.includes(id)).length,
        0,
        'every generated event present',
      );
      assert.ok(candIds.length > 0 && candIds.length <= expected, `${candIds.length} candidates`);
      independentCheck(t, topics.reco, topics.candidates, ids.size);
    } finally {
      await reco.stop().catch(() => undefined);
      for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) await p.stop();
    }
  },
);
