/** Process entry: runs the CLI and sets the exit code. `node --import tsx src/cli/entry.ts <cmd>` in development. */

/** A command that returned has closed what it opened; anything still holding the event loop after this long is a leak, not work. */
const EXIT_GRACE_MS = 2_000;

/**
 * SIGTERM/SIGINT before a streaming command installed its own handlers (loading modules and the
 * model, connecting): it has taken no input yet, so stopping is clean: exit 0 at once. Commands
 * that are running handle the signal themselves (drain, commit, disconnect); this one then stays
 * out of the way. Installed before the CLI's modules are imported (dynamic imports below): loading
 * them, TensorFlow included, takes seconds, and a signal in that time must not kill the process.
 */
const early = (sig: NodeJS.Signals): void => {
  if (process.listenerCount(sig) > 1) return;
  process.stderr.write(`showertrig: ${sig} during start-up; nothing taken yet, exiting\n`);
  process.exit(0);
};
/** The streaming commands (the default command is run); batch jobs such as train keep the default signal behaviour. */
const STREAMING = new Set([undefined, 'run', 'simulate', 'replay', 'record']);
if (STREAMING.has(process.argv[2])) {
  process.on('SIGTERM', early);
  process.on('SIGINT', early);
}

const { describeUnexpected, isInfoRequest, main } = await import('./main.js');
const argv = process.argv.slice(2);

/**
 * Node exits, with code 0, when nothing is left to wait for, even while the command still awaits
 * something that can no longer happen: the command then never reports its result or its error. A
 * command that has not returned when the event loop runs dry has failed: say so and exit 1.
 */
let settled = false;
process.on('beforeExit', () => {
  if (settled) return;
  process.stderr.write(
    'showertrig: the command stopped before finishing (it was waiting on work that can no longer complete); exit 1\n',
  );
  process.exit(1);
});

main(argv).then(
  async (code) => {
    settled = true;
    // A failed command has said why in one line; a client still retrying in the background
    // (a Kafka connection attempt) must not keep the process, or its logs, alive after that.
    if (code !== 0) process.exit(code);
    process.exitCode = code;
    // The version and the usage opened nothing: no grace to arm, and no application to load for it.
    if (isInfoRequest(argv)) return;
    const { armShutdownGrace } = await import('../app/index.js');
    armShutdownGrace(EXIT_GRACE_MS, undefined, code, true);
  },
  (err: unknown) => {
    settled = true;
    process.stderr.write(`showertrig: ${describeUnexpected(err)}\n`);
    process.exit(1);
  },
);
