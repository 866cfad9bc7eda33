/**
 * A private three-node KRaft cluster for a test or a fault run (scripts/kafka-cluster.sh with its
 * own state directory and ports), and the measurements the fault runs share: which node leads the
 * most partitions of a topic, the keys of a topic (lost and duplicated event ids), readiness gaps.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { kafkaClient } from './kafka.js';

const run = promisify(execFile);
const SCRIPT = 'scripts/kafka-cluster.sh';

export interface TestCluster {
  readonly brokers: readonly string[];
  readonly kafka: Kafka;
  /** The node (1..3) whose client port is `port`. */
  nodeOfPort(port: number): number;
  /** SIGKILL a node (no controlled shutdown). */
  kill(node: number): Promise<void>;
  /** SIGTERM a node and wait for it to exit (controlled shutdown). */
  stopNode(node: number): Promise<void>;
  startNode(node: number): Promise<void>;
  /** Stops all three and removes the state directory. */
  stop(): Promise<void>;
}

/** Starts the cluster, or returns why it could not (the caller skips with that note). */
export async function startTestCluster(timeoutS = 60): Promise<TestCluster | string> {
  const home = mkdtempSync(join(tmpdir(), 'showertrig-cluster-'));
  // Ports away from the shared broker (9092) and the development cluster (19092..19097).
  const base = 30_000 + 10 * (randomBytes(2).readUInt16BE(0) % 2_000);
  const env = {
    ...process.env,
    KAFKA_CLUSTER_HOME: home,
    KAFKA_CLUSTER_PORT: String(base),
    KAFKA_START_TIMEOUT_S: String(timeoutS),
  };
  const sh = (...args: string[]): Promise<unknown> =>
    run('bash', [SCRIPT, ...args], { env, timeout: (timeoutS + 30) * 1000 });
  try {
    await sh('start');
  } catch (e) {
    await sh('stop').catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
    return `three-node cluster did not start in ${timeoutS} s: ${String((e as { stderr?: string }).stderr || e).slice(0, 300)}`;
  }
  const brokers = [1, 2, 3].map((n) => `127.0.0.1:${base + 2 * (n - 1)}`);
  return {
    brokers,
    kafka: kafkaClient(brokers),
    nodeOfPort: (port) => (port - base) / 2 + 1,
    kill: async (n) => void (await sh('kill', String(n))),
    stopNode: async (n) => void (await sh('stop-node', String(n))),
    startNode: async (n) => void (await sh('start-node', String(n))),
    stop: async () => {
      await sh('stop').catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The node leading the most partitions of `topic` (ties: the lowest partition's leader), and how many it leads. */
export async function busiestLeader(
  c: TestCluster,
  topic: string,
): Promise<{ node: number; partitions: number[] }> {
  const admin = c.kafka.admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const { brokers } = await admin.describeCluster();
    const portOf = new Map(brokers.map((b) => [b.nodeId, b.port]));
    const by = new Map<number, number[]>();
    for (const p of md.topics[0]?.partitions ?? [])
      by.set(p.leader, [...(by.get(p.leader) ?? []), p.partitionId]);
    const [leader, partitions] = [...by].sort((a, b) => b[1].length - a[1].length)[0] ?? [-1, []];
    return { node: c.nodeOfPort(portOf.get(leader) ?? -1), partitions };
  } finally {
    await admin.disconnect();
  }
}

/** Every record key of a topic, read to its end offsets (read_committed unless told otherwise). */
export async function readKeys(kafka: Kafka, topic: string, readUncommitted = false): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const want = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  const done = (pos: Map<number, bigint>): boolean => [...want].every(([p, h]) => (pos.get(p) ?? 0n) >= h);
  const keys: string[] = [];
  const pos = new Map<number, bigint>();
  if (done(pos)) return keys;
  const consumer = kafka.consumer({
    groupId: `reader-${randomBytes(4).toString('hex')}`,
    readUncommitted,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => (finish = r));
  let lastProgress = Date.now();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) keys.push(m.key?.toString() ?? '');
      if (batch.messages.length > 0) lastProgress = Date.now();
      pos.set(batch.partition, BigInt(batch.lastOffset()) + 1n);
      if (done(pos)) finish();
    },
  });
  // A transaction's commit marker ends a partition without a message to read: nothing new for 5 s
  // (read_committed, aborted records skipped too) also ends the read.
  const idle = setInterval(() => Date.now() - lastProgress > 5_000 && finish(), 500);
  const timer = setTimeout(finish, 120_000);
  await finished;
  clearTimeout(timer);
  clearInterval(idle);
  await consumer.disconnect();
  return keys;
}

/** Lost (expected, absent) and duplicated (present more than once) keys. */
export function lossAndDuplicates(
  expected: Iterable<string>,
  got: readonly string[],
): { lost: number; duplicated: number; distinct: number } {
  const seen = new Map<string, number>();
  for (const k of got) seen.set(k, (seen.get(k) ?? 0) + 1);
  let lost = 0;
  for (const k of expected) if (!seen.has(k)) lost++;
  let duplicated = 0;
  for (const n of seen.values()) if (n > 1) duplicated += n - 1;
  return { lost, duplicated, distinct: seen.size };
}

/** A not-ready stretch (ms from the watch's start) and why: the distinct /readyz bodies seen in it ("no answer" when the request failed or took over 1 s). */
export interface ReadinessGap {
  fromMs: number;
  toMs: number;
  why: string[];
}

/** Polls a /readyz URL every `everyMs` and records the not-ready stretches with their reasons. */
export function watchReadiness(
  url: () => string | undefined,
  everyMs = 200,
): { stop(): { gaps: ReadinessGap[]; polls: number } } {
  const t0 = Date.now();
  const gaps: ReadinessGap[] = [];
  let open: ReadinessGap | undefined;
  let polls = 0;
  let stopped = false;
  const tick = async (): Promise<void> => {
    while (!stopped) {
      const u = url();
      if (u !== undefined) {
        const answer = await fetch(`${u}/readyz`, { signal: AbortSignal.timeout(1_000) }).then(
          async (r) => ({ ok: r.status === 200, body: (await r.text()).trim() }),
          (e: unknown) => ({ ok: false, body: `no answer (${e instanceof Error ? e.name : String(e)})` }),
        );
        polls++;
        const t = Date.now() - t0;
        if (!answer.ok) {
          open ??= { fromMs: t, toMs: t, why: [] };
          const why = answer.body.replace(/^not ready\n?/, '').replace(/\n/g, ' | ');
          if (!open.why.includes(why)) open.why.push(why);
        }
        if (answer.ok && open !== undefined) {
          gaps.push({ ...open, toMs: t });
          open = undefined;
        }
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };
  void tick();
  return {
    stop: () => {
      stopped = true;
      if (open !== undefined) gaps.push({ ...open, toMs: Date.now() - t0 });
      open = undefined;
      return { gaps, polls };
    },
  };
}
