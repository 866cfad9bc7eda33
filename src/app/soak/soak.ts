/**
 * The soak: the fault scenarios of a DAQ night at a chosen size, against a broker the soak owns.
 * Two processors share tt.frames while a simulated DAQ publishes `events` frames at `rateHz` with
 * `bad` undecodable keyed messages and one 1 MB message mixed in; meanwhile processors are
 * SIGKILLed (and replaced), SIGTERMed (and replaced) and the broker is stopped for `outageS`. At the
 * end every topic is read back: lost = frames without a reco event, duplicates = extra reco
 * records (at-least-once redeliveries after kills and outages), bad inputs dead-lettered, exit
 * times after SIGTERM, fail-over times (SIGKILL → the survivor rejoined with the partitions), peak RSS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaCluster, type KafkaCluster } from '../../io/index.js';
import { loadConfig } from '../../config-file/index.js';
import { silentLogger } from '../../telemetry/index.js';
import { createOwnBroker, type OwnBroker } from './broker.js';
import { readKeys, startPublishing } from './soak-traffic.js';
import { startProcessor, waitUntil, type Processor } from './processes.js';

export interface SoakOptions {
  readonly events: number;
  readonly rateHz: number;
  readonly bad: number;
  readonly kills: number;
  readonly stops: number;
  readonly outages: number;
  readonly outageS: number;
  /** Progress lines. */
  readonly log: (line: string) => void;
}

export interface SoakResult {
  readonly events: number;
  readonly reconstructed: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly badSent: number;
  readonly badDeadLettered: number;
  readonly hugeTruncated: boolean;
  readonly kills: number;
  readonly stops: number;
  readonly outages: number;
  readonly outageS: number;
  /** SIGTERM → exit, ms, and the exit codes. */
  readonly exitMs: readonly number[];
  readonly exitCodes: readonly (number | null)[];
  /** SIGTERMs that met a processor still starting (not yet fetching): killed by the signal with no input taken, so nothing to drain. */
  readonly stoppedWhileStarting: number;
  /** SIGKILL → the survivor rejoined with every partition, ms. */
  readonly failoverMs: readonly number[];
  /** Processors that exited on their own and were restarted (as a supervisor would). */
  readonly supervisorRestarts: number;
  readonly peakRssMiB: number;
  readonly wallS: number;
}

type Action = 'kill' | 'stop' | 'outage';

/** The soak's topics, configuration and cluster on its own broker, and the processors' config file. */
async function soakEnvironment(brokers: string[], dir: string) {
  const s = Date.now().toString(36);
  const topics = {
    frames: `soak.${s}.frames`,
    reco: `soak.${s}.reco`,
    candidates: `soak.${s}.candidates`,
    alerts: `soak.${s}.alerts`,
    dlq: `soak.${s}.dlq`,
    anomalies: `soak.${s}.anomalies`,
  };
  const cfg = loadConfig([], {
    kafka: { brokers, topics, partitions: 4, groupId: `soak-${s}` },
    service: { logLevel: 'warn' },
  });
  const cluster = createKafkaCluster(cfg.kafka, silentLogger);
  await cluster.ensureTopics(Object.values(topics), 4, 1);
  const cfgPath = join(dir, 'config.json');
  writeFileSync(
    cfgPath,
    JSON.stringify({
      kafka: { brokers, topics, partitions: 4, groupId: cfg.kafka.groupId },
      service: { metricsPort: 0, logLevel: 'info' },
    }),
  );
  return { s, topics, cfg, cluster, cfgPath };
}

/** The faults, in turn: kills, stops and outages interleaved. */
function faultSchedule(o: SoakOptions): Action[] {
  const actions: Action[] = [];
  for (let i = 0; i < Math.max(o.kills, o.stops, o.outages); i++) {
    if (i < o.kills) actions.push('kill');
    if (i < o.stops) actions.push('stop');
    if (i < o.outages) actions.push('outage');
  }
  return actions;
}

/** The processors under test, the faults done to them, and what each fault measured. */
class SoakProcessors {
  /** Running now, the next victim first. */
  readonly procs: Processor[] = [];
  readonly exitMs: number[] = [];
  readonly exitCodes: (number | null)[] = [];
  readonly failoverMs: number[] = [];
  stoppedWhileStarting = 0;
  supervisorRestarts = 0;

  constructor(
    private readonly o: SoakOptions,
    private readonly broker: OwnBroker,
    private readonly cfgPath: string,
    /** Every processor ever started (the caller kills what is left). */
    readonly all: Processor[],
  ) {}

  spawnOne(): Processor {
    const p = startProcessor(this.broker.brokers, this.cfgPath);
    this.procs.push(p);
    this.all.push(p);
    return p;
  }

  /** A stop's outcome: a processor that had not begun fetching and died by the signal took no input; anything else must exit 0. */
  stopped(p: Processor, r: { code: number | null; ms: number }): void {
    if (r.code === null && !p.output().includes('consumer fetching')) this.stoppedWhileStarting++;
    else {
      this.exitMs.push(r.ms);
      this.exitCodes.push(r.code);
    }
  }

  /** As a supervisor does: a processor that exited on its own (e.g. started while the broker was down) is restarted. */
  supervise(): void {
    for (const p of [...this.procs]) {
      if (p.child.exitCode !== null || p.child.signalCode !== null) {
        this.procs.splice(this.procs.indexOf(p), 1);
        this.supervisorRestarts++;
        this.o.log(`a processor exited on its own (code ${p.child.exitCode}); restarting it`);
        this.spawnOne();
      }
    }
  }

  /** One fault: a broker outage, or a processor SIGKILLed or SIGTERMed and replaced. */
  async fault(a: Action): Promise<void> {
    const procs = this.procs;
    if (a === 'stop') {
      // A stop is meant for a processor at work: wait (up to a minute) for one that is fetching,
      // rather than catching a replacement still loading (that case is counted apart).
      await waitUntil(() => procs.some((p) => p.output().includes('consumer fetching')), 60_000);
      const running = procs.findIndex((p) => p.output().includes('consumer fetching'));
      if (running > 0) procs.unshift(...procs.splice(running, 1));
    }
    const victim = procs.shift()!;
    if (a === 'outage') {
      procs.unshift(victim);
      this.o.log(`outage: broker stopped for ${this.o.outageS} s`);
      await this.broker.stop();
      await new Promise((r) => setTimeout(r, this.o.outageS * 1000));
      await this.broker.start();
      return;
    }
    if (a === 'kill') await this.kill(victim);
    else {
      const r = await victim.signal('SIGTERM');
      this.stopped(victim, r);
      this.o.log(`stop: SIGTERM → exit ${r.code ?? 'by the signal, still starting'} after ${r.ms} ms`);
    }
    this.spawnOne();
  }

  /** SIGKILL; the survivor's next join takes over the victim's partitions (after the session timeout). */
  private async kill(victim: Processor): Promise<void> {
    const survivor = this.procs[0]!;
    const before = survivor.output().length;
    const killedAt = Date.now();
    await victim.signal('SIGKILL');
    const rejoined = await waitUntil(
      () => survivor.output().slice(before).includes('joined consumer group'),
      60_000,
    );
    const line = survivor
      .output()
      .slice(before)
      .split('\n')
      .find((l) => l.includes('joined consumer group'));
    const t = line === undefined ? NaN : Date.parse((JSON.parse(line) as { t: string }).t);
    if (rejoined && Number.isFinite(t)) this.failoverMs.push(t - killedAt);
    this.o.log(`kill: SIGKILL, survivor rejoined after ${this.failoverMs.at(-1) ?? 'n/a'} ms`);
  }

  /** The faults spread over the middle of the publishing window. */
  async runFaults(tStream: number): Promise<void> {
    const actions = faultSchedule(this.o);
    const spanMs = (this.o.events / this.o.rateHz) * 1000;
    for (const [i, a] of actions.entries()) {
      const at = tStream + spanMs * (0.15 + (0.7 * (i + 0.5)) / actions.length);
      if (at > Date.now()) await new Promise((r) => setTimeout(r, at - Date.now()));
      this.supervise();
      await this.fault(a);
    }
  }
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const t0 = Date.now();
  const broker = await createOwnBroker();
  const dir = mkdtempSync(join(tmpdir(), 'showertrig-soak-'));
  const all: Processor[] = [];
  let cluster: KafkaCluster | undefined;
  let superviseTimer: NodeJS.Timeout | undefined;
  try {
    o.log(`starting a broker of its own on ${broker.brokers[0]}`);
    await broker.start();
    const env = await soakEnvironment(broker.brokers, dir);
    cluster = env.cluster;
    const ps = new SoakProcessors(o, broker, env.cfgPath, all);
    for (let i = 0; i < 2; i++) ps.spawnOne();
    await waitUntil(() => ps.procs.every((p) => p.output().includes('joined consumer group')), 120_000);
    o.log('2 processors joined; publishing');
    const pub = await startPublishing(o, env);
    const tStream = Date.now();
    // A supervisor pass every second until publishing has ended.
    superviseTimer = setInterval(() => ps.supervise(), 1_000);
    await ps.runFaults(tStream);
    await pub.done;
    await pub.producer.disconnect();
    clearInterval(superviseTimer);
    ps.supervise();
    const { ids, bad: badSent } = pub.sent;
    o.log(`published ${ids.length} frames and ${badSent} bad messages; reading the outputs back`);

    const reco = await readKeys(cluster, env.topics.reco, ids.length, 300_000);
    const distinct = new Set(reco);
    const dlq = new Set(await readKeys(cluster, env.topics.dlq, badSent + 1, 120_000));
    for (const p of [...ps.procs]) ps.stopped(p, await p.signal('SIGTERM'));
    let badDeadLettered = 0;
    for (let i = 0; i < badSent; i++) if (dlq.has(`bad-${i}`)) badDeadLettered++;
    return {
      events: ids.length,
      reconstructed: distinct.size,
      lost: ids.filter((id) => !distinct.has(id)).length,
      duplicates: reco.length - distinct.size,
      badSent,
      badDeadLettered,
      hugeTruncated: dlq.has('huge'),
      kills: o.kills,
      stops: o.stops,
      outages: o.outages,
      outageS: o.outageS,
      exitMs: ps.exitMs,
      exitCodes: ps.exitCodes,
      stoppedWhileStarting: ps.stoppedWhileStarting,
      failoverMs: ps.failoverMs,
      supervisorRestarts: ps.supervisorRestarts,
      peakRssMiB: Math.max(0, ...all.map((p) => p.peakRssMiB())),
      wallS: (Date.now() - t0) / 1000,
    };
  } finally {
    clearInterval(superviseTimer);
    for (const p of all)
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await cluster?.close();
    await broker.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
