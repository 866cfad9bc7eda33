/** `showertrig inspect FILE.avro [--json]`: parses, summarises (src/app), prints. */
import { formatSummary, summariseRecording } from '../app/index.js';
import { parseFlags, UsageError, type Command } from './args.js';
import { processTerminal, type Terminal } from './terminal.js';

const USAGE = `usage: showertrig inspect FILE.avro [--json]
  Summarises a recording: events per class, truth energy range, hits per event per station
  (mean, min, max), time span, file size, bytes per event.
  --json   print the summary as JSON on stdout`;

export function createInspectCommand(term: Terminal = processTerminal): Command {
  return {
    name: 'inspect',
    summary: 'summarise a recording (.avro)',
    usage: USAGE,
    async run(argv) {
      const { values, positionals } = parseFlags(argv, { json: { type: 'boolean', default: false } }, true);
      if (positionals.length !== 1)
        throw new UsageError(`expected one recording file, got ${positionals.length}`);
      const report = await summariseRecording(positionals[0]!);
      term.out(values.json ? JSON.stringify(report, null, 2) + '\n' : formatSummary(report));
      return 0;
    },
  };
}

export const command: Command = createInspectCommand();
