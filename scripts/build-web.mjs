#!/usr/bin/env node
// Bundles the live display page (web/display) with its libraries (uPlot, three.js) into dist/web,
// so the trigger serves it with no network access. Part of `npm run build` (and so of `npm install`).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: {
    display: join(root, 'web/display/main.ts'),
    'display-style': join(root, 'web/display/style.css'),
  },
  outdir: out,
  entryNames: '[name]',
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
});
copyFileSync(join(root, 'web/display/index.html'), join(out, 'index.html'));
