/**
 * A Kafka broker of the test's own (scripts/kafka.sh with KAFKA_PORT/KAFKA_HOME), for tests that
 * stop and restart a broker or need a secured listener. Never the shared broker: its own free
 * ports and a fresh data directory, removed at the end.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = resolve('scripts/kafka.sh');

function portFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });
}

/** A base port p with p, p+1 (controller) and p+2 (a second listener) free. */
export async function freePorts(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = 20_000 + 4 * Math.floor(Math.random() * 2_000);
    if ((await portFree(p)) && (await portFree(p + 1)) && (await portFree(p + 2))) return p;
  }
  throw new Error('no free port range for a test broker');
}

export interface TestBroker {
  readonly port: number;
  readonly home: string;
  readonly brokers: string[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

export interface TestBrokerOptions {
  /** Appended to server.properties (later keys win); a function gets the base port. */
  readonly extraProperties?: string | ((port: number) => string);
  /** Extra storage-format arguments (SCRAM credentials). */
  readonly formatArgs?: string;
}

export async function createTestBroker(opts: TestBrokerOptions = {}): Promise<TestBroker> {
  const port = await freePorts();
  const home = mkdtempSync(join(tmpdir(), 'showertrig-broker-'));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    KAFKA_PORT: String(port),
    KAFKA_HOME: home,
    KAFKA_START_TIMEOUT_S: '90',
  };
  if (opts.extraProperties !== undefined) {
    const extra = join(home, 'extra.properties');
    writeFileSync(
      extra,
      typeof opts.extraProperties === 'function' ? opts.extraProperties(port) : opts.extraProperties,
    );
    env['KAFKA_EXTRA_PROPERTIES'] = extra;
  }
  if (opts.formatArgs !== undefined) env['KAFKA_FORMAT_ARGS'] = opts.formatArgs;
  const script = (cmd: 'start' | 'stop'): Promise<unknown> =>
    run('bash', [SCRIPT, cmd], { env, timeout: 120_000 });
  return {
    port,
    home,
    brokers: [`127.0.0.1:${port}`],
    start: async () => void (await script('start')),
    stop: async () => void (await script('stop')),
    async destroy() {
      await script('stop').catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
