/**
 * The CLI as users run it, in a child process (`node --import tsx src/cli/entry.ts …`, run from
 * the repository root): started and watched while it runs (startCli), or run to its end (runCli).
 * Every test that starts the CLI goes through here, so a process is started, read and stopped
 * one way.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** node's arguments before the CLI's own. */
export const CLI_ENTRY: readonly string[] = ['--import', 'tsx', 'src/cli/entry.ts'];

export interface CliProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far, in the order they arrived. */
  readonly output: () => string;
  /** stderr alone so far. */
  readonly stderr: () => string;
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** SIGTERM, SIGKILL if still running after killAfterMs, then resolves with the exit code. */
  stop(killAfterMs?: number): Promise<number | null>;
}

export interface CliOptions {
  /** Extra environment over this process's. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Starts the CLI with `argv`; its output is collected for output(). */
export function startCli(argv: readonly string[], opts: CliOptions = {}): CliProcess {
  const child = spawn(process.execPath, [...CLI_ENTRY, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
    err += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    output: () => out,
    stderr: () => err,
    exited,
    stop: async (killAfterMs = 20_000) => {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** Runs the CLI to its end (killed after timeoutMs): the exit code and stdout then stderr. */
export function runCli(
  argv: readonly string[],
  opts: CliOptions & { readonly timeoutMs?: number } = {},
): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [...CLI_ENTRY, ...argv], {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    env: { ...process.env, ...opts.env },
  });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

/** Polls pred() every 100 ms until it holds (true) or timeoutMs passes (false). */
export async function waitUntil(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** As waitUntil, but a timeout is an error naming what was awaited. */
export async function waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  if (!(await waitUntil(pred, timeoutMs)))
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
