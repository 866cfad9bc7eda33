/**
 * What a command file outside src/cli (the benchmark harness in src/bench) uses to parse its
 * flags and print. The dispatcher (main.ts) and the entry are not exported.
 */
export { codecOverride, intFlag, numFlag, parseFlags, UsageError, type Command } from './args.js';
export { processTerminal, type Terminal } from './terminal.js';
