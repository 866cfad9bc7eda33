/**
 * The moving parts of bench-e2e: the processor children (`showertrig run --brokers`), and the
 * traffic owner that sends frames at the offered rate and reads tt.reco back, remembering when each
 * event was sent and when its reco message arrived.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type Subscription } from 'rxjs';
import {
  createKafkaProducer,
  createKafkaSink,
  createKafkaSource,
  DEFAULT_KAFKA_SOURCE,
  type KafkaCluster,
} from '../io/index.js';
import { ShowertrigError } from '../domain/index.js';
import { keyOf } from '../pipeline/index.js';
import { silentLogger } from '../telemetry/index.js';

export interface Processor {
  child: ChildProcess;
  joined: Promise<void>;
  log: () => string;
}

/** Starts one `showertrig run --brokers` child; `joined` resolves once it joined its group. */
export function startProcessor(brokers: string, configPath: string): Processor {
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      process.argv[1] ?? 'bin/showertrig.js',
      'run',
      '--brokers',
      brokers,
      '--config',
      configPath,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const joined = (async (): Promise<void> => {
    const t0 = Date.now();
    while (!out.includes('joined consumer group')) {
      if (Date.now() - t0 > 60_000 || child.exitCode !== null)
        throw new ShowertrigError(`processor did not join its group:\n${out.slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return { child, joined, log: () => out };
}

/** The backend the processors actually run (their 'inference backend' log line), joined with '+'. */
export function runningBackend(children: readonly Processor[]): string {
  return [
    ...new Set(
      children.map((c) => /inference backend.*?"backend":"([a-z-]+)"/.exec(c.log())?.[1] ?? 'unknown'),
    ),
  ].join('+');
}

/** The largest VmHWM among the processors, kB. */
export function peakRssKb(children: readonly Processor[]): number {
  return Math.max(
    ...children.map((c) =>
      Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${c.child.pid}/status`, 'utf8'))?.[1] ?? NaN),
    ),
  );
}

export interface FrameMessage {
  key: string;
  value: Buffer;
}

/** Sends frames to the frames topic and reads the reco topic back, timing each event. */
export class E2eTraffic {
  /** Event key → broker timestamp at which its frame chunk was sent (ms). */
  readonly sentAt = new Map<string, number>();
  /** Event key → broker timestamp of its first reco message (ms). */
  readonly recoAt = new Map<string, number>();
  private waiting: { count: number; resolve: () => void } | undefined;
  private readonly reader: ReturnType<typeof createKafkaSource>;
  private readonly readSub: Subscription;
  private readonly producer: ReturnType<typeof createKafkaProducer>;
  private sink: ReturnType<typeof createKafkaSink<FrameMessage & { ts: number }>> | undefined;

  constructor(
    private readonly cluster: KafkaCluster,
    private readonly topics: { frames: string; reco: string },
    readerGroup: string,
    /** Offered rate, Hz; 0 = as fast as acknowledged. */
    private readonly rate: number,
  ) {
    this.reader = createKafkaSource(
      cluster,
      { ...DEFAULT_KAFKA_SOURCE, groupId: readerGroup, topic: topics.reco },
      silentLogger,
    );
    this.readSub = this.reader.batches$.subscribe((b) => {
      for (const m of b.messages) {
        const k = keyOf(m) ?? '';
        if (!this.recoAt.has(k)) this.recoAt.set(k, m.timestampMs ?? NaN);
      }
      void b.ack?.();
      if (this.waiting !== undefined && this.recoAt.size >= this.waiting.count) this.waiting.resolve();
    });
    this.producer = createKafkaProducer(cluster);
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.sink = createKafkaSink<FrameMessage & { ts: number }>(this.producer, {
      topic: this.topics.frames,
      key: (m) => m.key,
      encode: (m) => m.value,
      timestampMs: (m) => m.ts,
      maxMessageBytes: await this.cluster.maxMessageBytes(this.topics.frames),
    });
  }

  /** Resolves once `count` distinct events are reconstructed, or after 300 s. */
  async reconstructed(count: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        this.waiting = { count, resolve };
        if (this.recoAt.size >= count) resolve();
      }),
      new Promise((r) => (timer = setTimeout(r, 300_000))),
    ]);
    clearTimeout(timer);
  }

  /** Sends at the offered rate (or as fast as acknowledged); returns the start time once the last chunk was acknowledged. */
  async send(list: readonly FrameMessage[], label: string): Promise<number> {
    const rate = this.rate;
    const chunk = rate > 0 ? Math.max(1, Math.round(rate / 100)) : 500;
    const t0 = Date.now();
    for (let i = 0; i < list.length; i += chunk) {
      if (rate > 0) {
        const due = t0 + (i / rate) * 1000;
        const w = due - Date.now();
        if (w > 0) await new Promise((r) => setTimeout(r, w));
      }
      const part = list.slice(i, i + chunk);
      const ts = Date.now();
      for (const m of part) this.sentAt.set(m.key, ts);
      await this.sink!.write(part.map((m) => ({ ...m, ts })));
      if (process.stderr.isTTY)
        process.stderr.write(
          `\r${label}: sent ${Math.min(list.length, i + chunk)}/${list.length}, reconstructed ${this.recoAt.size}`,
        );
    }
    return t0;
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
    this.readSub.unsubscribe();
    await this.reader.close();
  }
}
