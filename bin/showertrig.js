#!/usr/bin/env node
// Runs the compiled CLI (dist/ is built by `npm install` through the prepare script, or `npm run build`).
import '../dist/cli/entry.js';
