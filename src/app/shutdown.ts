/**
 * The last line of defence against a process that does not exit: once a stop is requested (or
 * the command has returned), a timer forces the exit after the grace period, naming what was
 * still open. The timer is unref'd: a process that winds down properly exits before it fires.
 */
import type { Logger } from '../telemetry/index.js';

let armed: NodeJS.Timeout | undefined;

/**
 * After graceMs, exit with `code` (default 1: the stop was not clean; uncommitted input is
 * redelivered). A second call leaves the first timer alone unless `replace`: the CLI entry
 * replaces it once the command has returned, i.e. has committed and closed what it opened, so a
 * socket a client library failed to release cannot turn that clean stop into exit 1.
 */
export function armShutdownGrace(
  graceMs: number,
  logger: Logger | undefined,
  code = 1,
  replace = false,
): void {
  if (armed !== undefined && !replace) return;
  if (armed !== undefined) clearTimeout(armed);
  armed = setTimeout(() => {
    const handles =
      (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
    const open = handles.map((h) => (h as object).constructor?.name ?? typeof h).join(', ');
    const msg = `shutdown grace of ${graceMs} ms exceeded; exiting with ${code} (still open: ${open || 'nothing'})`;
    if (logger) logger.error(msg);
    else process.stderr.write(`showertrig: ${msg}\n`);
    process.exit(code);
  }, graceMs);
  armed.unref();
}
