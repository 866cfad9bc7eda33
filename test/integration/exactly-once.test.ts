/**
 * kafka.delivery exactly-once against the real broker: two reconstruction members (a rebalance
 * when the second joins), one SIGKILLed mid-stream and restarted with its transactional id (which
 * fences and aborts what it left open), then an independent read_committed reader sees every
 * generated event in tt.reco exactly once, and each selected candidate once in tt.candidates.
 * The excess stage the same way: SIGKILLed right after its first alert and restarted, its alerts
 * and flagged candidates are read once each, while at least once the same kill re-publishes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createCodecs, decodeCandidate, decodeExcessAlert, decodeRecoEvent } from '../../src/codecs/index.js';
import { parseConfig } from '../../src/config/index.js';
import { Rng, type Candidate } from '../../src/domain/index.js';
import { createExcessStage } from '../../src/pipeline/index.js';
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

/** A member's log lines at warn or error (what tells a duplicate's cause: a crash, a fence, a rebalance). */
function warnings(output: string): string {
  return output
    .split('\n')
    .filter((l) => /"level":"(warn|error)"|\b(WARN|ERROR)\b/.test(l))
    .slice(-40)
    .join('\n');
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
      if (dup(recoList) > 0)
        for (const [i, p] of procs.entries()) t.diagnostic(`member ${i} warnings:\n${warnings(p.output())}`);
      // librdkafka first: a duplicate it does not see is a kafkajs reading fault, not a double write.
      independentCheck(t, topics.reco, topics.candidates, ids.size);
      assert.equal(dup(recoList), 0, 'no event twice in tt.reco');
      assert.equal(dup(candIds), 0, 'no candidate twice in tt.candidates');
      assert.equal(
        [...ids].filter((id) => !recoList.includes(id)).length,
        0,
        'every generated event present',
      );
      assert.ok(candIds.length > 0 && candIds.length <= expected, `${candIds.length} candidates`);
    } finally {
      await reco.stop().catch(() => undefined);
      for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) await p.stop();
    }
  },
);

/** Short windows: alerts within seconds of event time, decided while the backlog is read. */
const EXCESS_TRIGGER = {
  selection: { mode: 'cuts' },
  excess: {
    windowS: 5,
    stepS: 1,
    trailingWindowS: 20,
    minTrailingS: 20,
    holdoffS: 10,
    zThreshold: 5,
    allowedLatenessS: 1,
    idlePartitionS: 1,
  },
};
const NS = 1_000_000_000n;
const T0 = 1_700_000_000n * NS;

/** Selected candidates at 6 Hz for 90 s, ×6 in 30–35 s and 60–65 s; partition i % 2, each partition in event-time order. */
function excessCandidates(): { candidate: Candidate; partition: number }[] {
  const rng = new Rng(0xe0e);
  const out: { candidate: Candidate; partition: number }[] = [];
  for (let t = 0, i = 0; t < 90; i++) {
    t += rng.exponential((t >= 30 && t < 35) || (t >= 60 && t < 65) ? 36 : 6);
    const event = {
      runId: 'eos-excess',
      eventId: `eos-excess-${i}`,
      timestampNs: T0 + BigInt(Math.round(t * 1e9)),
      status: 'ok' as const,
      nHits: 80,
      energyGeV: 10,
      dCm: -1,
      xCm: 0,
      yCm: 0,
      fitRmsCm: 0.01,
      stationsUsed: 3,
    };
    out.push({ candidate: { event, selected: true, reasons: [] }, partition: i % 2 });
  }
  return out;
}

/** The reference: the same candidates through the excess stage in process (no broker), every partition idle at the end. */
function referenceAlerts(items: readonly { candidate: Candidate; partition: number }[]): {
  alerts: Set<string>;
  flagged: number;
} {
  const cfg = parseConfig({ trigger: EXCESS_TRIGGER });
  const stage = createExcessStage({
    excess: cfg.trigger.excess,
    idlePartitionMs: 1000,
    maxTrackedIds: 100_000,
  });
  stage.assign([0, 1], 0);
  const sourced = items.map((x, i) => ({ ...x, offset: String(i) }));
  const u = [stage.process(sourced, [], 0, new Set([0, 1])), stage.process([], [], 10_000, new Set())];
  return {
    alerts: new Set(u.flatMap((x) => x.alerts.map((a) => a.alertId))),
    flagged: u.reduce((n, x) => n + x.tagged.length, 0),
  };
}

async function produceCandidates(
  kafka: Kafka,
  topic: string,
  items: readonly { candidate: Candidate; partition: number }[],
): Promise<void> {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({
    topic,
    acks: -1,
    messages: items.map(({ candidate, partition }) => ({
      key: candidate.event.eventId,
      value: codecs.candidate.encode(candidate),
      partition,
    })),
  });
  await producer.disconnect();
}

/** Waits until `groupId` has committed an offset of `topic`. */
async function committed(kafka: Kafka, groupId: string, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const t0 = Date.now(); ; await new Promise((r) => setTimeout(r, 200))) {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      if (offsets?.partitions.some((p) => Number(p.offset) >= 0)) return;
      if (Date.now() - t0 > 40_000) throw new Error(`timed out waiting for a commit of ${groupId}`);
    }
  } finally {
    await admin.disconnect();
  }
}

interface ExcessRun {
  readonly alerts: string[];
  readonly flagged: string[];
}

/**
 * One excess instance on a backlog of candidates, SIGKILLed as soon as its first alert shows in
 * tt.alerts (read uncommitted) and restarted with the same transactional id; the outputs as an
 * independent read_committed reader sees them once the reference alerts are all there.
 */
async function killedExcessRun(
  kafka: Kafka,
  delivery: 'at-least-once' | 'exactly-once',
  items: readonly { candidate: Candidate; partition: number }[],
  expected: { alerts: Set<string>; flagged: number },
): Promise<ExcessRun> {
  const topics = freshTopics();
  await createTopics(kafka, topics, 2);
  const group = `g-${topics.frames}`;
  const start = (): TriggerProcess =>
    startTrigger(
      topics,
      {
        trigger: EXCESS_TRIGGER,
        // A long commit interval: at least once, what is published after the first commit is re-published.
        kafka: {
          delivery,
          transactionalId: group,
          transactionTimeoutMs: 10_000,
          excessCommitIntervalMs: 60_000,
        },
      },
      group,
      ['--role', 'excess'],
    );
  const uncommitted = kafka.consumer({
    groupId: `eos-watch-${randomBytes(4).toString('hex')}`,
    readUncommitted: true,
  });
  const alerts = readCommitted(kafka, topics.alerts);
  const flagged = readCommitted(kafka, topics.flagged);
  const procs = [start()];
  try {
    let seen = 0;
    await uncommitted.connect();
    await uncommitted.subscribe({ topic: topics.alerts, fromBeginning: true });
    await uncommitted.run({ eachMessage: async () => void seen++ });
    // The candidates before any window can alert first, and the rest once the stage has committed
    // (its first commit comes with the first closed bins): every alert comes after that commit.
    const early = (x: { candidate: Candidate }): boolean => x.candidate.event.timestampNs < T0 + 20n * NS;
    await produceCandidates(kafka, topics.candidates, items.filter(early));
    await committed(kafka, `${group}-excess`, topics.candidates);
    await produceCandidates(
      kafka,
      topics.candidates,
      items.filter((x) => !early(x)),
    );
    await until(() => seen > 0, 40_000, `the first alert (${delivery})`);
    procs[0]!.child.kill('SIGKILL');
    await procs[0]!.exited;
    procs.push(start());
    const ids = (): Set<string> => new Set(alerts.got.map((v) => decodeExcessAlert(v).alertId));
    await until(
      () =>
        /excess stage active/.test(procs[1]!.output()) &&
        [...expected.alerts].every((id) => ids().has(id)) &&
        flagged.got.length >= expected.flagged,
      40_000,
      `every reference alert in tt.alerts (${delivery})`,
    );
    await new Promise((r) => setTimeout(r, 2_000)); // anything re-published shows up by now
    const [code, a, f] = await Promise.all([
      procs[1]!.stop(),
      alerts.stop(),
      flagged.stop(),
      uncommitted.disconnect(),
    ]);
    assert.equal(code, 0, procs[1]!.output().slice(-2000));
    return {
      alerts: a.map((v) => decodeExcessAlert(v).alertId),
      flagged: f.map((v) => decodeCandidate(v).event.eventId),
    };
  } finally {
    await Promise.all(
      [alerts.stop(), flagged.stop(), uncommitted.disconnect()].map((p) => p.catch(() => undefined)),
    );
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) await p.stop();
  }
}

test(
  'exactly-once excess stage: after a SIGKILL and restart every alert and flagged candidate is read once (read_committed); at least once the same kill re-publishes',
  { timeout: 120_000 },
  async (t) => {
    const kafka = kafkaClient();
    const items = excessCandidates();
    const expected = referenceAlerts(items);
    assert.ok(expected.alerts.size >= 2, `reference alerts: ${[...expected.alerts].join(', ')}`);
    const [alo, eos] = await Promise.all([
      killedExcessRun(kafka, 'at-least-once', items, expected),
      killedExcessRun(kafka, 'exactly-once', items, expected),
    ]);
    const dup = (xs: string[]): number => xs.length - new Set(xs).size;
    const line = (r: ExcessRun): string =>
      `tt.alerts ${r.alerts.length} records (${new Set(r.alerts).size} distinct), tt.flagged ${r.flagged.length} (${new Set(r.flagged).size} distinct)`;
    t.diagnostic(`reference: ${expected.alerts.size} alerts, ${expected.flagged} flagged`);
    t.diagnostic(`at-least-once: ${line(alo)}`);
    t.diagnostic(`exactly-once: ${line(eos)}`);
    for (const r of [alo, eos]) {
      assert.deepEqual(new Set(r.alerts), expected.alerts, 'the reference alerts, no other');
      assert.equal(new Set(r.flagged).size, expected.flagged, 'every flagged candidate');
    }
    assert.equal(dup(eos.alerts), 0, 'exactly-once: no alert twice');
    assert.equal(dup(eos.flagged), 0, 'exactly-once: no flagged candidate twice');
    assert.ok(dup(alo.alerts) > 0, 'at least once, the kill re-publishes alerts (the check can fail)');
  },
);
