/**
 * The soak's processors: `showertrig run --brokers` children of this very CLI, their output, peak
 * memory (VmHWM) and the time from a signal to their exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Processor {
  readonly child: ChildProcess;
  output(): string;
  /** Largest VmHWM seen, MiB (sampled while it runs). */
  peakRssMiB(): number;
  readonly exited: Promise<number | null>;
  /** Sends the signal; resolves with the exit code and the ms until the exit. */
  signal(sig: 'SIGTERM' | 'SIGKILL'): Promise<{ code: number | null; ms: number }>;
}

export function startProcessor(brokers: readonly string[], configPath: string): Processor {
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      process.argv[1] ?? 'bin/showertrig.js',
      'run',
      '--brokers',
      brokers.join(','),
      '--config',
      configPath,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const keep = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let peak = 0;
  const sample = (): void => {
    try {
      const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
      peak = Math.max(peak, kb / 1024);
    } catch {
      // gone, or no /proc: keep the last sample
    }
  };
  const timer = setInterval(sample, 500);
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      clearInterval(timer);
      r(code);
    }),
  );
  return {
    child,
    output: () => out,
    peakRssMiB: () => peak,
    exited,
    async signal(sig) {
      sample();
      const t0 = Date.now();
      child.kill(sig);
      const code = await exited;
      return { code, ms: Date.now() - t0 };
    },
  };
}

export async function waitUntil(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
