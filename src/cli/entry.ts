/** Process entry: runs the CLI and sets the exit code. `node --import tsx src/cli/entry.ts <cmd>` in development. */
import { describeUnexpected, main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    // A failed command has said why in one line; a client still retrying in the background
    // (a Kafka connection attempt) must not keep the process, or its logs, alive after that.
    if (code !== 0) process.exit(code);
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`showertrig: ${describeUnexpected(err)}\n`);
    process.exit(1);
  },
);
