/**
 * The fault matrix on a three-node KRaft cluster (replication factor 3, min.insync.replicas 2):
 * for each fault, fresh topics, one `run --brokers` processor (role all) and `simulate --brokers`
 * publishing at --rate while the fault happens. Measured per fault: frames lost and duplicated in
 * tt.frames (by event id against what the simulator generated), events lost and duplicated in
 * tt.reco, the processor's not-ready stretches and restarts, its throughput per second (events
 * reconstructed) before and during the fault, and the p99 of its end-to-end latency before and
 * during the fault (from its histogram).
 *   node --import tsx scripts/cluster-faults.ts [--faults leader-kill,rolling-restart,node-down]
 *        [--rate 100] [--down-s 300] [--out bench/results/cluster-faults]
 * Faults: leader-kill (SIGKILL the node leading the most tt.frames partitions, back after 20 s),
 * rolling-restart (each node in turn stopped cleanly and started again), node-down (one node
 * SIGKILLed and kept down for --down-s seconds).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { freshTopics, startTrigger, waitFor, type TriggerProcess } from '../test/helpers/kafka.js';
import {
  busiestLeader,
  lossAndDuplicates,
  readKeys,
  startTestCluster,
  watchReadiness,
  type TestCluster,
} from '../test/helpers/cluster.js';

const { values } = parseArgs({
  options: {
    faults: { type: 'string', default: 'leader-kill,rolling-restart,node-down' },
    rate: { type: 'string', default: '100' },
    'down-s': { type: 'string', default: '300' },
    out: { type: 'string', default: 'bench/results/cluster-faults' },
  },
});
const RATE = Number(values.rate);
const DOWN_S = Number(values['down-s']);
const PRE_S = 10;
const POST_S = 15;
const log = (s: string): void =>
  void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Sample {
  readonly tS: number;
  readonly reconstructed: number;
  readonly buckets: Map<string, number>;
}

async function sample(p: TriggerProcess, t0: number): Promise<Sample | undefined> {
  const base = p.metricsUrl();
  if (base === undefined) return undefined;
  const text = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(2_000) }).then(
    (r) => r.text(),
    () => '',
  );
  if (text === '') return undefined;
  let reconstructed = 0;
  const buckets = new Map<string, number>();
  for (const line of text.split('\n')) {
    const r = /^showertrig_events_reconstructed_total\{[^}]*\} (\S+)$/.exec(line);
    if (r !== null) reconstructed += Number(r[1]);
    const b = /^showertrig_end_to_end_latency_seconds_bucket\{le="([^"]+)"\} (\S+)$/.exec(line);
    if (b !== null) buckets.set(b[1] as string, Number(b[2]));
  }
  return { tS: (Date.now() - t0) / 1000, reconstructed, buckets };
}

/** The p99 upper bucket bound of the latencies observed between two samples. */
function p99(a: Sample, b: Sample): number | undefined {
  const les = [...b.buckets.keys()];
  const total = (b.buckets.get('+Inf') ?? 0) - (a.buckets.get('+Inf') ?? 0);
  if (total <= 0) return undefined;
  for (const le of les)
    if ((b.buckets.get(le) ?? 0) - (a.buckets.get(le) ?? 0) >= 0.99 * total)
      return le === '+Inf' ? Infinity : Number(le);
  return Infinity;
}

/** Events/s in each window of `windowS` between samples in [fromS, toS). */
function rates(samples: readonly Sample[], fromS: number, toS: number, windowS = 5): number[] {
  const out: number[] = [];
  const inRange = samples.filter((s) => s.tS >= fromS && s.tS <= toS);
  for (let i = 0; i + windowS < inRange.length; i += windowS) {
    const a = inRange[i] as Sample;
    const b = inRange[i + windowS] as Sample;
    out.push((b.reconstructed - a.reconstructed) / (b.tS - a.tS));
  }
  return out;
}

function warnings(output: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const r = JSON.parse(line) as { level?: string; msg?: string };
      if (r.level === 'warn' || r.level === 'error') out[r.msg ?? ''] = (out[r.msg ?? ''] ?? 0) + 1;
    } catch {
      // not a log record
    }
  }
  return out;
}

type Fault = (c: TestCluster, frames: string) => Promise<string>;
const FAULTS: Record<string, { seconds: number; run: Fault }> = {
  'leader-kill': {
    seconds: 25,
    run: async (c, frames) => {
      const l = await busiestLeader(c, frames);
      await c.kill(l.node);
      await sleep(20_000);
      await c.startNode(l.node);
      return `SIGKILL node ${l.node} (leader of tt.frames partitions ${l.partitions.join(',')}), started again after 20 s`;
    },
  },
  'rolling-restart': {
    seconds: 90,
    run: async (c) => {
      for (const n of [1, 2, 3]) {
        await c.stopNode(n);
        await c.startNode(n);
        await sleep(5_000);
      }
      return 'each node stopped (SIGTERM) and started again in turn, 5 s apart';
    },
  },
  'node-down': {
    seconds: DOWN_S + 25,
    run: async (c, frames) => {
      const l = await busiestLeader(c, frames);
      await c.kill(l.node);
      await sleep(DOWN_S * 1000);
      await c.startNode(l.node);
      return `SIGKILL node ${l.node} (leader of tt.frames partitions ${l.partitions.join(',')}), down ${DOWN_S} s`;
    },
  },
};

async function runFault(c: TestCluster, name: string): Promise<Record<string, unknown>> {
  const fault = FAULTS[name];
  if (fault === undefined) throw new Error(`unknown fault ${name}`);
  const topics = freshTopics();
  const opts = { kafka: { replicationFactor: 3, partitions: 4 }, service: { logLevel: 'warn' } };
  const events = Math.round(RATE * (PRE_S + fault.seconds + POST_S));
  const runId = `${name}-${topics.frames}`;
  const proc = startTrigger(topics, opts, `g-${topics.frames}`, {
    brokers: c.brokers,
    args: ['--role', 'all'],
  });
  try {
    await waitFor(
      () => proc.metricsUrl() !== undefined || proc.child.exitCode !== null,
      120_000,
      'processor metrics',
    );
    const base = proc.metricsUrl() as string;
    for (
      let i = 0;
      i < 600 &&
      (await fetch(`${base}/readyz`).then(
        (r) => r.status,
        () => 0,
      )) !== 200;
      i++
    )
      await sleep(200);
    log(`${name}: processor ready; publishing ${events} events at ${RATE}/s`);
    const t0 = Date.now();
    const sim = startTrigger(topics, opts, `g-${topics.frames}`, {
      brokers: c.brokers,
      command: [
        'simulate',
        '--events',
        String(events),
        '--rate',
        String(RATE),
        '--seed',
        '11',
        '--run-id',
        runId,
      ],
    });
    const samples: Sample[] = [];
    const sampler = setInterval(
      () => void sample(proc, t0).then((s) => s !== undefined && samples.push(s)),
      1_000,
    );
    const watch = watchReadiness(() => base);
    // PRE_S of steady flow before the fault (the simulator takes seconds to start).
    await waitFor(
      () => (samples[samples.length - 1]?.reconstructed ?? 0) > 0 || sim.child.exitCode !== null,
      120_000,
      'the first reconstructed events',
    );
    await sleep(PRE_S * 1000);
    const faultFromS = (Date.now() - t0) / 1000;
    log(`${name}: fault starts`);
    const what = await fault.run(c, topics.frames);
    const faultToS = (Date.now() - t0) / 1000;
    log(`${name}: ${what}; waiting for the simulator`);
    const simCode = await sim.exited;
    const expected = Array.from({ length: events }, (_, i) => `${runId}-${i}`);
    const frames = lossAndDuplicates(expected, await readKeys(c.kafka, topics.frames));
    // The processor may be behind the simulator: wait while it still makes progress (30 s without any ends the wait).
    let reco = lossAndDuplicates(expected, []);
    let progressAt = Date.now();
    let seen = -1;
    while (
      (reco = lossAndDuplicates(expected, await readKeys(c.kafka, topics.reco))).lost > 0 &&
      Date.now() - progressAt < 30_000
    ) {
      if (reco.distinct > seen) [seen, progressAt] = [reco.distinct, Date.now()];
      await sleep(5_000);
    }
    clearInterval(sampler);
    const { gaps } = watch.stop();
    const first = samples.find((x) => x.reconstructed > 0);
    const before = rates(samples, first?.tS ?? 0, faultFromS);
    const during = rates(samples, faultFromS, faultToS);
    const at = (tS: number): Sample | undefined => samples.find((s) => s.tS >= tS);
    const [s0, s1, s2] = [first, at(faultFromS), at(faultToS)];
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const result = {
      fault: name,
      what,
      rateHz: RATE,
      events,
      simulatorExit: simCode,
      frames: { lost: frames.lost, duplicated: frames.duplicated },
      reco: { lost: reco.lost, duplicated: reco.duplicated },
      processorExited: proc.child.exitCode !== null,
      notReady: gaps.map((g) => ({
        fromS: +(g.fromMs / 1000).toFixed(1),
        forS: +((g.toMs - g.fromMs) / 1000).toFixed(1),
      })),
      faultS: [+faultFromS.toFixed(1), +faultToS.toFixed(1)],
      eventsPerSBefore: +median(before).toFixed(1),
      eventsPerSMinDuring: during.length > 0 ? +Math.min(...during).toFixed(1) : null,
      p99SBefore: s0 !== undefined && s1 !== undefined ? p99(s0, s1) : null,
      p99SDuring: s1 !== undefined && s2 !== undefined ? p99(s1, s2) : null,
      // What the processor warned about (message: count), to explain a not-ready stretch.
      processorWarnings: warnings(proc.output()),
    };
    log(`${name}: ${JSON.stringify(result)}`);
    if (proc.child.exitCode !== null) log(proc.output().slice(-3000));
    return result;
  } finally {
    if (proc.child.exitCode === null) await proc.stop();
  }
}

const cluster = await startTestCluster(120);
if (typeof cluster === 'string') {
  log(cluster);
  process.exit(1);
}
const results: Record<string, unknown>[] = [];
try {
  for (const f of (values.faults as string).split(',')) results.push(await runFault(cluster, f));
} finally {
  await cluster.stop();
}
writeFileSync(`${values.out}.json`, `${JSON.stringify({ rateHz: RATE, results }, null, 2)}\n`);
const row = (r: Record<string, unknown>): string => {
  const f = r['frames'] as { lost: number; duplicated: number };
  const e = r['reco'] as { lost: number; duplicated: number };
  const gaps = (r['notReady'] as { forS: number }[]).map((g) => g.forS);
  return `| ${String(r['fault'])} | ${String(r['what'])} | ${String(r['simulatorExit'])} | ${f.lost} / ${f.duplicated} | ${e.lost} / ${e.duplicated} | ${gaps.length === 0 ? 'none' : `${gaps.length}: ${gaps.join(', ')} s`} | ${r['processorExited'] === true ? 'yes' : 'no'} | ${String(r['eventsPerSBefore'])} → ${String(r['eventsPerSMinDuring'])} | ${String(r['p99SBefore'])} → ${String(r['p99SDuring'])} |`;
};
writeFileSync(
  `${values.out}.md`,
  [
    `# Fault matrix on a three-node KRaft cluster (RF 3, min.insync.replicas 2), ${RATE} events/s`,
    '',
    'Made by `node --import tsx scripts/cluster-faults.ts`. Frames: tt.frames by event id against what the simulator generated; reco: tt.reco by event id (duplicates are at-least-once redeliveries). Throughput: events reconstructed per second, median of 5-s windows before the fault → the lowest 5-s window during it. p99: end-to-end latency bucket bound before → during.',
    '',
    '| fault | what | simulator exit | frames lost / dup | reco lost / dup | not-ready stretches | processor exited | events/s before → min during | p99 s before → during |',
    '|---|---|---|---|---|---|---|---|---|',
    ...results.map(row),
    '',
  ].join('\n'),
);
log(`wrote ${values.out}.json and .md`);
