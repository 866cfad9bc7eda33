#!/usr/bin/env node
// Entry point: runs the compiled CLI (built by `npm install` through the prepare script).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`showertrig: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
