#!/usr/bin/env node
// Finds *.test.ts files and runs them with node's built-in test runner (TypeScript via tsx).
// --unit: only tests beside the code (src/); default: also test/ (integration, needs the broker).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const unitOnly = process.argv.includes('--unit');
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
const extra = process.argv.slice(2).filter((a) => a !== '--unit');
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...extra, ...files],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
