/**
 * `showertrig soak`: the reliability scenarios at a chosen size against a broker of its own
 * (scripts/kafka.sh on free ports; never a shared broker): broker outages, SIGKILLs, SIGTERMs,
 * bad inputs, a 1 MB message. Prints a table; exit 1 if anything was lost, a bad input was not
 * dead-lettered or a stop was not clean.
 */
import { runSoak, type SoakResult } from '../app/index.js';
import { median } from '../numerics/index.js';
import { intFlag, numFlag, parseFlags, type Command } from './args.js';

const USAGE = `usage: showertrig soak [--events N] [--rate HZ] [--bad N] [--kills N] [--stops N] [--outages N] [--outage-s S] [--json]
  --events N    frames the simulated DAQ publishes (default 20000)
  --rate HZ     publishing rate (default 400)
  --bad N       undecodable keyed messages mixed in (default 2000), plus one 1 MB message
  --kills N     processors SIGKILLed (and replaced) mid-stream (default 3)
  --stops N     processors SIGTERMed (and replaced) mid-stream (default 10)
  --outages N   broker stops mid-stream (default 1) of --outage-s seconds each (default 60)
  --outage-s S  seconds each broker stop lasts (default 60)
  --json        print the result as JSON on stdout
Needs Java 17+ and the broker jars (npm run kafka:start fetches them once).`;

export const command: Command = {
  name: 'soak',
  summary: 'reliability soak: outages, kills, stops, bad inputs against a broker of its own; prints a table',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      events: { type: 'string' },
      rate: { type: 'string' },
      bad: { type: 'string' },
      kills: { type: 'string' },
      stops: { type: 'string' },
      outages: { type: 'string' },
      'outage-s': { type: 'string' },
      json: { type: 'boolean' },
    });
    const r = await runSoak({
      events: intFlag(values.events, 'events', 20_000, 1),
      rateHz: numFlag(values.rate, 'rate', 400, 1),
      bad: intFlag(values.bad, 'bad', 2_000, 0),
      kills: intFlag(values.kills, 'kills', 3, 0),
      stops: intFlag(values.stops, 'stops', 10, 0),
      outages: intFlag(values.outages, 'outages', 1, 0),
      outageS: numFlag(values['outage-s'], 'outage-s', 60, 0),
      log: (l) => process.stderr.write(`soak: ${l}\n`),
    });
    process.stdout.write(values.json === true ? `${JSON.stringify(r, null, 2)}\n` : soakTable(r));
    const clean = r.lost === 0 && r.badDeadLettered === r.badSent && r.exitCodes.every((c) => c === 0);
    return clean ? 0 : 1;
  },
};

const stats = (xs: readonly number[]): string =>
  xs.length === 0 ? '–' : `median ${median(xs)}, max ${Math.max(...xs)}`;

export function soakTable(r: SoakResult): string {
  const rows: [string, string][] = [
    ['events published', String(r.events)],
    ['reconstructed (distinct)', String(r.reconstructed)],
    ['lost', String(r.lost)],
    ['duplicates (at-least-once redeliveries)', String(r.duplicates)],
    [
      'bad inputs dead-lettered',
      `${r.badDeadLettered} / ${r.badSent}${r.hugeTruncated ? ' + the 1 MB message (truncated, marked)' : ''}`,
    ],
    ['kills (SIGKILL)', String(r.kills)],
    ['fail-over, SIGKILL → survivor rejoined, ms', stats(r.failoverMs)],
    ['stops (SIGTERM) of running processors, incl. the final ones', String(r.exitMs.length)],
    [
      'stops that met a processor still starting (died by the signal, no input taken)',
      String(r.stoppedWhileStarting),
    ],
    ['exit after SIGTERM, ms', stats(r.exitMs)],
    ['exit codes after SIGTERM', [...new Set(r.exitCodes)].join(', ')],
    ['broker outages', `${r.outages} × ${r.outageS} s`],
    ['processors that exited on their own (restarted)', String(r.supervisorRestarts)],
    ['peak RSS of a processor, MiB', r.peakRssMiB.toFixed(0)],
    ['wall time, s', r.wallS.toFixed(0)],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return `| ${'scenario'.padEnd(w)} | result |\n|${'-'.repeat(w + 2)}|--------|\n${rows.map(([k, v]) => `| ${k.padEnd(w)} | ${v} |`).join('\n')}\n`;
}
