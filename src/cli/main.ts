/**
 * The CLI: `showertrig <command> [flags]`. Each command lives in its own file and is loaded
 * lazily; `--version` and the usage load no command at all, and a command loads TensorFlow or
 * kafkajs only when it runs what needs them (src/cli/startup.test.ts).
 */
import { readFileSync } from 'node:fs';
import type { Command } from './args.js';

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  run: {
    summary: 'run the trigger: Kafka consumer group (--brokers) or embedded with the simulator',
    load: async () => (await import('./run.js')).command,
  },
  replay: {
    summary: 'replay a recording to Kafka (--brokers) or straight through the pipeline (--embedded)',
    load: async () => (await import('./replay.js')).command,
  },
  record: {
    summary: 'record a Kafka topic of hit frames to an Avro container file',
    load: async () => (await import('./record.js')).command,
  },
  simulate: {
    summary: 'run the DAQ simulator (to a recording, or to Kafka)',
    load: async () => (await import('./simulate.js')).command,
  },
  inspect: {
    summary: 'summarise a recording (.avro)',
    load: async () => (await import('./inspect.js')).command,
  },
  'bench-sim': {
    summary: 'benchmark the simulator (events/s)',
    load: async () => (await import('../bench/index.js')).benchCommand('bench-sim'),
  },
  evaluate: {
    summary: 'resolutions of the reconstruction vs the baseline on fresh signal events',
    load: async () => (await import('./evaluate.js')).command,
  },
  'bench-codecs': {
    summary: 'benchmark the frame codecs (bytes per frame, encode/decode speed)',
    load: async () => (await import('../bench/index.js')).benchCommand('bench-codecs'),
  },
  'bench-backends': {
    summary: 'CNN inference and training speed per backend and thread count, against Keras',
    load: async () => (await import('../bench/index.js')).benchCommand('bench-backends'),
  },
  'bench-reco': {
    summary: 'benchmark clustering, baseline, CNN and full reconstruction',
    load: async () => (await import('../bench/index.js')).benchCommand('bench-reco'),
  },
  soak: {
    summary:
      'reliability soak: broker outages, kills, stops, bad inputs against a broker of its own; prints a table',
    load: async () => (await import('./soak.js')).command,
  },
  'bench-e2e': {
    summary: 'end-to-end benchmark through Kafka (events/s, latency percentiles, memory)',
    load: async () => (await import('../bench/index.js')).benchCommand('bench-e2e'),
  },
  fom: {
    summary:
      "the trigger's figure of merit: minimum detectable excess and false-alarm rate, cuts vs classifier",
    load: async () => (await import('./fom.js')).command,
  },
  train: {
    summary: 'train the CNN energy/vertex regressor on simulated events',
    load: async () => (await import('./train.js')).command,
  },
  anomaly: {
    summary:
      'the anomaly autoencoder: train, calibrate (rate budget), evaluate on exotic classes, export images',
    load: async () => (await import('./anomaly.js')).command,
  },
};

function usage(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(w)}  ${c.summary}`);
  return `usage: showertrig <command> [flags]   (showertrig help <command>, or <command> --help, for its flags)\n       showertrig --version\n\ncommands:\n${lines.join('\n')}\n`;
}

/** Where main writes its own lines (usage, version, errors); commands print through their own. */
export interface MainIo {
  out(s: string): void;
  err(s: string): void;
}
const processIo: MainIo = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
};

const VERSION_ARGS = ['--version', '-V', 'version'];
const HELP_ARGS = ['--help', '-h', 'help'];

/** `--version` or the bare usage: answered by main itself, loading and opening nothing. */
export function isInfoRequest(argv: readonly string[]): boolean {
  return (
    argv.length > 0 &&
    (VERSION_ARGS.includes(argv[0]!) || (HELP_ARGS.includes(argv[0]!) && argv.length === 1))
  );
}

export async function main(argv: readonly string[], io: MainIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) return runCommand(DEFAULT_COMMAND, [], io);
  // Flags with no command are the default command's: `showertrig --metrics-port 9465` is `run --metrics-port 9465`.
  if (name.startsWith('-') && !VERSION_ARGS.includes(name) && !HELP_ARGS.includes(name))
    return runCommand(DEFAULT_COMMAND, argv, io);
  if (VERSION_ARGS.includes(name)) {
    io.out(`showertrig ${version()}\n`);
    return 0;
  }
  if (HELP_ARGS.includes(name)) {
    // `help CMD` is `CMD --help`.
    if (rest.length > 0) return runCommand(rest[0]!, ['--help'], io);
    io.out(usage());
    return 0;
  }
  return runCommand(name, rest, io);
}

/** The package version (package.json two levels up from src/cli and from dist/cli). */
export function version(): string {
  return (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
}

/** With no command the main job runs. */
const DEFAULT_COMMAND = 'run';

async function runCommand(name: string, argv: readonly string[], io: MainIo): Promise<number> {
  const entry = COMMANDS[name];
  if (entry === undefined) {
    io.err(`showertrig: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  // Loaded here, not at the top: the version and the usage need neither (nor the schema library under them).
  const [cmd, { UsageError }, { ShowertrigError }] = await Promise.all([
    entry.load(),
    import('./args.js'),
    import('../domain/index.js'),
  ]);
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(`${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`showertrig ${name}: ${e.message}\n\n${cmd.usage}\n`);
      return 2;
    }
    if (e instanceof ShowertrigError) {
      io.err(`showertrig ${name}: ${e.name}: ${e.message}\n`);
      if (process.env['SHOWERTRIG_DEBUG'] === '1') io.err(`${e.stack ?? ''}\n`);
      return 1;
    }
    io.err(`showertrig ${name}: ${describeUnexpected(e)}\n`);
    return 1;
  }
}

/** One line for an error outside the project's error tree; the stack only with SHOWERTRIG_DEBUG=1. */
export function describeUnexpected(e: unknown): string {
  const debug = process.env['SHOWERTRIG_DEBUG'] === '1';
  if (!(e instanceof Error)) return `unexpected error: ${String(e)}`;
  if (debug) return `unexpected error: ${e.stack ?? e.message}`;
  return `unexpected error: ${e.name}: ${e.message.split('\n')[0]} (SHOWERTRIG_DEBUG=1 shows the stack)`;
}
