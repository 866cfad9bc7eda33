/** Process entry: runs the CLI and sets the exit code. `node --import tsx src/cli/entry.ts <cmd>` in development. */
import { armShutdownGrace } from '../app/index.js';
import { describeUnexpected, main } from './main.js';

/** A command that returned has closed what it opened; anything still holding the event loop after this long is a leak, not work. */
const EXIT_GRACE_MS = 2_000;

main(process.argv.slice(2)).then(
  (code) => {
    // A failed command has said why in one line; a client still retrying in the background
    // (a Kafka connection attempt) must not keep the process, or its logs, alive after that.
    if (code !== 0) process.exit(code);
    process.exitCode = code;
    armShutdownGrace(EXIT_GRACE_MS, undefined, code);
  },
  (err: unknown) => {
    process.stderr.write(`showertrig: ${describeUnexpected(err)}\n`);
    process.exit(1);
  },
);
