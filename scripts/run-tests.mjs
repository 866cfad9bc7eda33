#!/usr/bin/env node
// Runs every *.test.ts with node's built-in test runner (TypeScript through tsx).
//   --unit   only the tests beside the code (src/), no broker needed; two files at a time
//   default  also test/ (integration against a real Kafka broker): uses KAFKA_BROKERS when set;
//            otherwise starts the project's broker (scripts/kafka.sh) if 127.0.0.1:9092 is not up,
//            and stops it afterwards if it started it. test/ runs one file at a time.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';

const unitOnly = process.argv.includes('--unit');
const extra = process.argv.slice(2).filter((a) => a !== '--unit');
const roots = unitOnly ? ['src'] : ['src', 'test'];
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(p);
  }
};
for (const r of roots) walk(r);
files.sort();

const portOpen = (host, port) =>
  new Promise((resolve) => {
    const s = connect({ host, port, timeout: 1000 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });

let startedBroker = false;
if (!unitOnly && !process.env.KAFKA_BROKERS && !(await portOpen('127.0.0.1', 9092))) {
  console.log('# starting the project Kafka broker (scripts/kafka.sh start)');
  const r = spawnSync('bash', ['scripts/kafka.sh', 'start'], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('could not start Kafka: integration tests need it (see README: npm run kafka:start)');
    process.exit(1);
  }
  startedBroker = true;
}

// Unit tests (src/) are pure and independent: two files at a time (about 1 min less on 2 cores).
// Integration tests (test/) start processes, brokers and browsers and measure time: one at a time.
const run = (list, concurrency) =>
  list.length === 0
    ? 0
    : (spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--test',
          '--test-reporter=spec',
          `--test-concurrency=${concurrency}`,
          ...extra,
          ...list,
        ],
        { stdio: 'inherit' },
      ).status ?? 1);
const unitStatus = run(
  files.filter((f) => f.startsWith('src')),
  2,
);
const integrationStatus = run(
  files.filter((f) => !f.startsWith('src')),
  1,
);
if (startedBroker) spawnSync('bash', ['scripts/kafka.sh', 'stop'], { stdio: 'inherit' });
process.exit(unitStatus !== 0 ? unitStatus : integrationStatus);
