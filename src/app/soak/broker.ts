/**
 * A broker the soak owns (scripts/kafka.sh with KAFKA_PORT/KAFKA_HOME): free ports, a fresh data
 * directory, stopped and restarted for the outage scenario, removed at the end. Never the shared one.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ShowertrigError } from '../../domain/index.js';

const run = promisify(execFile);

export interface OwnBroker {
  readonly brokers: string[];
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });
}

export async function createOwnBroker(script = resolve('scripts/kafka.sh')): Promise<OwnBroker> {
  let port = 0;
  for (let i = 0; i < 50 && port === 0; i++) {
    const p = 30_000 + 4 * Math.floor(Math.random() * 2_000);
    if ((await portFree(p)) && (await portFree(p + 1))) port = p;
  }
  if (port === 0) throw new ShowertrigError('soak: no free port pair for its own broker');
  const home = mkdtempSync(join(tmpdir(), 'showertrig-soak-broker-'));
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_HOME: home, KAFKA_START_TIMEOUT_S: '120' };
  const call = async (cmd: 'start' | 'stop'): Promise<void> => {
    try {
      await run('bash', [script, cmd], { env, timeout: 180_000 });
    } catch (e) {
      throw new ShowertrigError(`soak: ${script} ${cmd} failed: ${(e as Error).message}`, { cause: e });
    }
  };
  return {
    brokers: [`127.0.0.1:${port}`],
    start: () => call('start'),
    stop: () => call('stop'),
    async destroy() {
      await call('stop').catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
