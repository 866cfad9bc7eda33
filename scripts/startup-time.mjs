#!/usr/bin/env node
// Start-up time of the compiled CLI against node's own, interleaved run by run so that machine
// load hits both alike: wall ms and CPU ms (user + system, from GNU time when /usr/bin/time is
// there) of each command, median [min–max] over N runs. Needs `npm run build` first.
//   node scripts/startup-time.mjs [N] [-- extra showertrig args]   (default N 15, args --version)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const runs = Number(argv[0] && argv[0] !== '--' ? argv[0] : 15);
const cliArgs = sep >= 0 ? argv.slice(sep + 1) : ['--version'];
const commands = {
  'node -e 0': ['-e', '0'],
  [`showertrig ${cliArgs.join(' ')}`]: ['bin/showertrig.js', ...cliArgs],
};
const gnuTime = existsSync('/usr/bin/time');

function once(args) {
  const t0 = process.hrtime.bigint();
  const r = gnuTime
    ? spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, ...args], { encoding: 'utf8' })
    : spawnSync(process.execPath, args, { encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const m = /CPU (\S+) (\S+)/.exec(r.stderr);
  return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cell = (v) => `${median(v).toFixed(0)} [${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)}]`;

const load = [loadavg()[0]];
const t = Object.fromEntries(Object.keys(commands).map((k) => [k, { wall: [], cpu: [] }]));
for (let i = 0; i < runs; i++) {
  const order = i % 2 ? Object.entries(commands).reverse() : Object.entries(commands);
  for (const [name, args] of order) {
    const r = once(args);
    t[name].wall.push(r.wall);
    t[name].cpu.push(r.cpu);
  }
}
load.push(loadavg()[0]);
console.log(
  `${runs} runs each, interleaved; node ${process.version}; load average ${load.map((l) => l.toFixed(1)).join(' → ')}\n`,
);
console.log('| command | wall ms, median [min–max] | CPU ms (user + system) |');
console.log('|---|---|---|');
for (const [name, v] of Object.entries(t))
  console.log(`| ${name} | ${cell(v.wall)} | ${gnuTime ? cell(v.cpu) : 'n/a'} |`);
const [a, b] = Object.values(t);
console.log(
  `\nshowertrig − node: wall ${(median(b.wall) - median(a.wall)).toFixed(0)} ms, CPU ${(median(b.cpu) - median(a.cpu)).toFixed(0)} ms (difference of medians)`,
);
