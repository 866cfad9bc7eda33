/**
 * Integration-test helpers against the real broker: KAFKA_BROKERS or 127.0.0.1:9092 (started by
 * `npm test` / `npm run kafka:start`). A fresh topic set per test; the trigger runs as a real
 * child process of the CLI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Partitioners, type Kafka } from 'kafkajs';
import { parseKafka, type TopicNames } from '../../src/config/index.js';
import { createKafkaClient, ensureTopics } from '../../src/io/index.js';
import { silentLogger } from '../../src/telemetry/index.js';

export const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

export function kafkaClient(): Kafka {
  return createKafkaClient(parseKafka({ brokers: BROKERS, clientId: 'showertrig-test' }), silentLogger);
}

export function freshTopics(): TopicNames {
  const s = randomBytes(4).toString('hex');
  return { frames: `t.${s}.frames`, reco: `t.${s}.reco`, candidates: `t.${s}.candidates`, alerts: `t.${s}.alerts`, dlq: `t.${s}.dlq` };
}

export async function createTopics(kafka: Kafka, topics: TopicNames, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // a busy broker can answer the leader wait with UNKNOWN_TOPIC_OR_PARTITION (retriable): try again
    for (let attempt = 1; ; attempt++) {
      try {
        await ensureTopics(admin, Object.values(topics), partitions, 1);
        break;
      } catch (e) {
        if (attempt >= 5 || (e as { retriable?: boolean }).retriable !== true) throw e;
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

export async function produce(kafka: Kafka, topic: string, messages: { key: string; value: Buffer }[]): Promise<void> {
  const p = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: Number.MAX_SAFE_INTEGER } });
  await p.connect();
  try {
    for (let i = 0; i < messages.length; i += 500) await p.send({ topic, acks: -1, messages: messages.slice(i, i + 500) });
  } finally {
    await p.disconnect();
  }
}

/** Reads a topic from the beginning until `until(messages)` holds (checked on every message and every 250 ms) or the timeout passes. */
export async function consumeUntil(
  kafka: Kafka,
  topic: string,
  until: (msgs: { key: string; value: Buffer }[]) => boolean,
  timeoutMs: number,
): Promise<{ key: string; value: Buffer }[]> {
  const c = kafka.consumer({ groupId: `test-reader-${randomBytes(4).toString('hex')}`, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  const got: { key: string; value: Buffer }[] = [];
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => (resolveDone = r));
  await c.run({
    eachMessage: async ({ message }) => {
      got.push({ key: message.key?.toString() ?? '', value: message.value ?? Buffer.alloc(0) });
      if (until(got)) resolveDone();
    },
  });
  const poll = setInterval(() => until(got) && resolveDone(), 250);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
  clearTimeout(timer); // a pending timer would keep the test process alive after the last test
  clearInterval(poll);
  await c.disconnect();
  return got;
}

export interface TriggerProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** SIGTERM, then resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `showertrig run --brokers …` as a child process with a config naming the test's topics;
 * `extra` is merged into the config (its kafka keys over the defaults here), `args` go on the command line.
 */
export function startTrigger(topics: TopicNames, extra: Record<string, unknown> = {}, groupId = `g-${topics.frames}`, args: readonly string[] = []): TriggerProcess {
  const dir = mkdtempSync(join(tmpdir(), 'showertrig-it-'));
  const cfgPath = join(dir, 'config.json');
  const kafka = { brokers: BROKERS, topics, groupId, partitions: 4, ...((extra['kafka'] as Record<string, unknown> | undefined) ?? {}) };
  writeFileSync(cfgPath, JSON.stringify({ ...extra, kafka, service: { metricsPort: 0, logLevel: 'info' } }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', 'run', '--brokers', BROKERS.join(','), '--config', cfgPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

export async function waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The /metrics URL a trigger process printed on start, once it did. */
export function metricsUrl(p: TriggerProcess): string | undefined {
  return /metrics (http:\/\/\S+\/metrics)/.exec(p.output())?.[1];
}

/** The value of an unlabelled metric scraped from a trigger process (NaN if absent). */
export async function scrape(p: TriggerProcess, name: string): Promise<number> {
  const url = metricsUrl(p);
  if (url === undefined) return NaN;
  const text = await (await fetch(url)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m === null ? NaN : Number(m[1]);
}
