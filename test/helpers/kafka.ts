/**
 * Integration-test helpers against the real broker: KAFKA_BROKERS or 127.0.0.1:9092 (started by
 * `npm test` / `npm run kafka:start`). A fresh topic set per test; the trigger runs as a real
 * child process of the CLI.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { createCodecs } from '../../src/codecs/index.js';
import { parseConfig, type TopicNames } from '../../src/config/index.js';
import type { HitFrame } from '../../src/domain/index.js';
import { createSimulator } from '../../src/sim/index.js';
import { startCli, type CliProcess } from './processes.js';

export { waitFor, waitUntil } from './processes.js';

export const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

/** A plain kafkajs client for the tests' own producing and reading (the code under test uses src/io). */
export function kafkaClient(brokers: readonly string[] = BROKERS): Kafka {
  return new Kafka({
    clientId: 'showertrig-test',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, maxRetryTime: 5_000 },
  });
}

export function freshTopics(): TopicNames {
  const s = randomBytes(4).toString('hex');
  return {
    frames: `t.${s}.frames`,
    reco: `t.${s}.reco`,
    candidates: `t.${s}.candidates`,
    alerts: `t.${s}.alerts`,
    flagged: `t.${s}.flagged`,
    dlq: `t.${s}.dlq`,
    anomalies: `t.${s}.anomalies`,
  };
}

export async function createTopics(kafka: Kafka, topics: TopicNames, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // a busy broker can answer the leader wait with UNKNOWN_TOPIC_OR_PARTITION (retriable): try again
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = new Set(await admin.listTopics());
        const missing = Object.values(topics).filter((t) => !existing.has(t));
        if (missing.length > 0)
          await admin.createTopics({
            topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
            waitForLeaders: true,
          });
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

export async function produce(
  kafka: Kafka,
  topic: string,
  messages: { key: string; value: Buffer }[],
): Promise<void> {
  const p = kafka.producer({
    idempotent: true,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER },
  });
  await p.connect();
  try {
    for (let i = 0; i < messages.length; i += 500)
      await p.send({ topic, acks: -1, messages: messages.slice(i, i + 500) });
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
  const c = kafka.consumer({
    groupId: `test-reader-${randomBytes(4).toString('hex')}`,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
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

export interface TriggerProcess extends CliProcess {
  /** http://host:port of its /metrics, /readyz server once it printed it. */
  readonly metricsUrl: () => string | undefined;
}

export interface StartOptions {
  /** Brokers to use (default BROKERS). */
  readonly brokers?: readonly string[];
  /** Extra environment (e.g. SHOWERTRIG_KAFKA_SASL_PASSWORD). */
  readonly env?: Record<string, string>;
  /** Command and flags instead of `run` (e.g. ['simulate', '--events', '100']). */
  readonly command?: readonly string[];
  /** Flags after the command's (e.g. ['--role', 'reco']). */
  readonly args?: readonly string[];
}

/**
 * Starts `showertrig run --brokers …` (or opts.command) as a child process with a config naming the
 * test's topics; `extra` is merged into the config (its kafka and service keys over the defaults
 * here); a string array as the last argument is extra flags on the command line.
 */
export function startTrigger(
  topics: TopicNames,
  extra: Record<string, unknown> = {},
  groupId = `g-${topics.frames}`,
  options: StartOptions | readonly string[] = {},
): TriggerProcess {
  const opts: StartOptions = Array.isArray(options)
    ? { args: options as readonly string[] }
    : (options as StartOptions);
  const brokers = opts.brokers ?? BROKERS;
  const dir = mkdtempSync(join(tmpdir(), 'showertrig-it-'));
  const cfgPath = join(dir, 'config.json');
  const { kafka, service, ...rest } = extra as {
    kafka?: Record<string, unknown>;
    service?: Record<string, unknown>;
  };
  writeFileSync(
    cfgPath,
    JSON.stringify({
      ...rest,
      kafka: { brokers, topics, groupId, partitions: 4, ...kafka },
      service: { metricsPort: 0, logLevel: 'info', ...service },
    }),
  );
  const command = opts.command ?? ['run'];
  const p = startCli(
    [...command, '--brokers', brokers.join(','), '--config', cfgPath, ...(opts.args ?? [])],
    opts.env === undefined ? {} : { env: opts.env },
  );
  return { ...p, metricsUrl: () => /metrics (http:\/\/[^\s]+)\/metrics/.exec(p.output())?.[1] };
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

const avro = createCodecs('avro');

/** `n` simulated frames: the default configuration with `sim` over its simulation section. */
export function simulatedFrames(n: number, sim: Record<string, unknown>, runId: string): HitFrame[] {
  const cfg = parseConfig({ simulation: sim });
  const s = createSimulator(cfg.detector, cfg.simulation, runId);
  return Array.from({ length: n }, () => s.next());
}

/** Frames as the DAQ publishes them: keyed by event id, Avro-encoded. */
export const asMessages = (fs: readonly HitFrame[]): { key: string; value: Buffer }[] =>
  fs.map((f) => ({ key: f.eventId, value: avro.frame.encode(f) }));
