/**
 * `showertrig bench-sim`: speed of the simulator's hot path on one core. Generates fresh signal
 * showers (E uniform in the configured range, 1–100 GeV by default) with generateEvent through
 * one reusable generator, then the full simulator stream (class mix, arrivals, frames). Reports
 * events/s by wall clock and per CPU-second (the fair figure on a shared machine), per-event
 * latency percentiles, hits and particles per event, peak RSS and peak heap.
 * Writes <out>/sim.json and <out>/sim.md.
 */
import { loadavg } from 'node:os';
import { Rng } from '../domain/index.js';
import { createEventGenerator, createSimulator } from '../sim/index.js';
import { benchOutDir, writeResults } from './bench-results.js';
import { intFlag, parseFlags, type Command } from '../cli/index.js';
import { loadConfig } from '../config-file/index.js';
import { quantile } from '../numerics/index.js';
import { markdownTable } from '../report/index.js';

const USAGE = `usage: showertrig bench-sim [--events N] [--seed S] [--warmup N] [--config FILE] [--json] [--out DIR]
  --events N   signal events to time (default 50000)
  --seed S     simulation seed (default 1)
  --config FILE  JSON config file (detector and simulation; see config/default.json)
  --warmup N   events generated before timing, to let the JIT settle (default 2000)
  --out DIR    where sim.json and sim.md go (default: the scratch directory $TMPDIR/showertrig-bench;
               --out bench/results updates the committed results)
  --json       print the result as JSON instead of text`;

interface Timing {
  events: number;
  wall_s: number;
  cpu_s: number;
  events_per_second: number;
  events_per_cpu_second: number;
  latency_p50_us: number;
  latency_p90_us: number;
  latency_p99_us: number;
  latency_max_us: number;
  hits_per_event: number;
  particles_per_event: number;
}

export const command: Command = {
  name: 'bench-sim',
  summary: 'benchmark the simulator (events/s)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      events: { type: 'string' },
      seed: { type: 'string' },
      warmup: { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
    });
    const cfg = loadConfig([values.config]);
    const n = intFlag(values.events, 'events', 50_000, 10, 100_000_000);
    const warmup = intFlag(values.warmup, 'warmup', 2000, 0, 10_000_000);
    const seed = intFlag(values.seed, 'seed', 1, 0, 2 ** 32 - 1);
    const outDir = benchOutDir(values.out);
    const g = cfg.detector;
    const sim = { ...cfg.simulation, seed };

    const load1 = loadavg()[0] ?? 0;
    let peakHeap = 0;
    const sampleHeap = (): void => {
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    };

    const gen = createEventGenerator(g, sim);
    const rng = new Rng(seed);
    for (let i = 0; i < warmup; i++) gen.generate('signal', rng);
    const signal = time(n, sampleHeap, () => {
      const { hits } = gen.generate('signal', rng);
      return hits.count;
    });

    const stream = createSimulator(g, { ...sim, startTimeNs: 0 }, 'bench');
    for (let i = 0; i < warmup; i++) stream.next();
    const mixed = time(n, sampleHeap, () => stream.next().hits.count);
    sampleHeap();

    const result = {
      command: ['bench-sim', ...argv].join(' '),
      node: process.version,
      load_average_1m_at_start: load1,
      seed,
      energy_range_gev: sim.energyRangeGeV,
      dark_hits_per_station: sim.darkHitsPerStation,
      rates_hz: sim.ratesHz,
      signal,
      simulator_stream: mixed,
      memory: {
        peak_rss_mb: process.resourceUsage().maxRSS / 1024,
        peak_heap_used_mb: peakHeap / 2 ** 20,
      },
    };
    writeResults(outDir, 'sim', result, markdown(result));
    process.stdout.write(values.json ? JSON.stringify(result, null, 2) + '\n' : text(result));
    return 0;
  },
};

/** Times `n` calls of `one`, each returning the event's hit counts. */
function time(n: number, sampleHeap: () => void, one: () => Int32Array): Timing {
  const lat = new Float64Array(n);
  let hits = 0;
  let particles = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let prev = t0;
  for (let i = 0; i < n; i++) {
    const counts = one();
    const now = process.hrtime.bigint();
    lat[i] = Number(now - prev) / 1000;
    prev = now;
    hits += counts.length;
    for (let j = 0; j < counts.length; j++) particles += counts[j]!;
    if ((i & 4095) === 0) sampleHeap();
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  lat.sort();
  const q = (p: number): number => quantile(lat, p);
  return {
    events: n,
    wall_s: wall,
    cpu_s: cpuS,
    events_per_second: n / wall,
    events_per_cpu_second: n / cpuS,
    latency_p50_us: q(0.5),
    latency_p90_us: q(0.9),
    latency_p99_us: q(0.99),
    latency_max_us: lat[n - 1]!,
    hits_per_event: hits / n,
    particles_per_event: particles / n,
  };
}

type Result = {
  command: string;
  node: string;
  load_average_1m_at_start: number;
  seed: number;
  energy_range_gev: readonly [number, number];
  dark_hits_per_station: number;
  signal: Timing;
  simulator_stream: Timing;
  memory: { peak_rss_mb: number; peak_heap_used_mb: number };
};

function text(r: Result): string {
  const line = (name: string, t: Timing): string =>
    `${name}: ${t.events_per_second.toFixed(0)} events/s (${t.events_per_cpu_second.toFixed(0)} per CPU-s), ` +
    `latency p50 ${t.latency_p50_us.toFixed(1)} µs p99 ${t.latency_p99_us.toFixed(1)} µs, ` +
    `${t.hits_per_event.toFixed(1)} hits/event, ${t.particles_per_event.toFixed(1)} particles/event\n`;
  return (
    line(`signal ${r.energy_range_gev[0]}–${r.energy_range_gev[1]} GeV`, r.signal) +
    line('simulator stream (class mix)', r.simulator_stream) +
    `peak RSS ${r.memory.peak_rss_mb.toFixed(0)} MiB, peak heap ${r.memory.peak_heap_used_mb.toFixed(0)} MiB\n`
  );
}

function markdown(r: Result): string {
  const row = (name: string, t: Timing): string[] => [
    name,
    String(t.events),
    t.events_per_second.toFixed(0),
    t.events_per_cpu_second.toFixed(0),
    t.latency_p50_us.toFixed(1),
    t.latency_p90_us.toFixed(1),
    t.latency_p99_us.toFixed(1),
    t.hits_per_event.toFixed(1),
    t.particles_per_event.toFixed(1),
  ];
  const table = markdownTable(
    [
      'workload',
      'events',
      'events/s (wall)',
      'events/CPU-s',
      'p50 µs',
      'p90 µs',
      'p99 µs',
      'hits/event',
      'particles/event',
    ],
    [
      row('signal showers (generateEvent)', r.signal),
      row('simulator stream (class mix, arrivals)', r.simulator_stream),
    ],
  );
  return [
    '# Simulator benchmark',
    '',
    `Command: \`showertrig ${r.command}\` (node ${r.node}, seed ${r.seed}, one core, single thread; 1-min load average ${r.load_average_1m_at_start.toFixed(2)} at start).`,
    `Signal: E uniform in [${r.energy_range_gev[0]}, ${r.energy_range_gev[1]}] GeV, ${r.dark_hits_per_station} dark hits/station on average.`,
    '',
    table,
    '',
    `Peak RSS ${r.memory.peak_rss_mb.toFixed(0)} MiB; peak heap used ${r.memory.peak_heap_used_mb.toFixed(1)} MiB.`,
    '',
    'events/CPU-s divides by the process CPU time: the fair figure when other jobs share the cores.',
    '',
  ].join('\n');
}
