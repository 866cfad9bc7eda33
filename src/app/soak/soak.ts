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
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodecs } from '../../codecs/index.js';
import {
  createKafkaCluster,
  createKafkaProducer,
  createKafkaSink,
  createKafkaSource,
  DEFAULT_KAFKA_SOURCE,
  type KafkaCluster,
} from '../../io/index.js';
import { loadConfig } from '../../config-file/index.js';
import { keyOf } from '../../pipeline/index.js';
import { createSimulator } from '../../sim/index.js';
import { silentLogger } from '../../telemetry/index.js';
import { createOwnBroker } from './broker.js';
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

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const t0 = Date.now();
  const broker = await createOwnBroker();
  const dir = mkdtempSync(join(tmpdir(), 'showertrig-soak-'));
  const procs: Processor[] = [];
  const all: Processor[] = [];
  let cluster: KafkaCluster | undefined;
  try {
    o.log(`starting a broker of its own on ${broker.brokers[0]}`);
    await broker.start();
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
      kafka: { brokers: broker.brokers, topics, partitions: 4, groupId: `soak-${s}` },
      service: { logLevel: 'warn' },
    });
    cluster = createKafkaCluster(cfg.kafka, silentLogger);
    await cluster.ensureTopics(Object.values(topics), 4, 1);
    const cfgPath = join(dir, 'config.json');
    writeFileSync(
      cfgPath,
      JSON.stringify({
        kafka: { brokers: broker.brokers, topics, partitions: 4, groupId: cfg.kafka.groupId },
        service: { metricsPort: 0, logLevel: 'info' },
      }),
    );
    const spawnOne = (): Processor => {
      const p = startProcessor(broker.brokers, cfgPath);
      procs.push(p);
      all.push(p);
      return p;
    };
    for (let i = 0; i < 2; i++) spawnOne();
    await waitUntil(() => procs.every((p) => p.output().includes('joined consumer group')), 120_000);
    o.log('2 processors joined; publishing');

    // The DAQ: frames at rateHz, bad inputs spread evenly, one 1 MB message at a third.
    const sim = createSimulator(cfg.detector, cfg.simulation, `soak-${s}`);
    const codecs = createCodecs('avro');
    const producer = createKafkaProducer(cluster);
    await producer.connect();
    const sink = createKafkaSink<{ key: string; value: Buffer }>(producer, {
      topic: topics.frames,
      key: (m) => m.key,
      encode: (m) => m.value,
      maxMessageBytes: 4 << 20,
    });
    const ids: string[] = [];
    const badEvery = o.bad > 0 ? Math.max(1, Math.floor(o.events / o.bad)) : Infinity;
    let badSent = 0;
    const publishing = (async () => {
      const chunk = Math.max(1, Math.round(o.rateHz / 20));
      const start = Date.now();
      for (let i = 0; i < o.events; i += chunk) {
        const wait = start + (i / o.rateHz) * 1000 - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const part: { key: string; value: Buffer }[] = [];
        for (let j = i; j < Math.min(o.events, i + chunk); j++) {
          const f = sim.next();
          ids.push(f.eventId);
          part.push({ key: f.eventId, value: codecs.frame.encode(f) });
          if (j % badEvery === badEvery - 1 && badSent < o.bad)
            part.push({ key: `bad-${badSent++}`, value: randomBytes(100 + (j % 900)) });
          if (j === Math.floor(o.events / 3)) part.push({ key: 'huge', value: randomBytes(1_000_000) });
        }
        await sink.write(part);
      }
    })();

    // The faults, spread over the middle of the publishing window.
    const actions: Action[] = [];
    for (let i = 0; i < Math.max(o.kills, o.stops, o.outages); i++) {
      if (i < o.kills) actions.push('kill');
      if (i < o.stops) actions.push('stop');
      if (i < o.outages) actions.push('outage');
    }
    const spanMs = (o.events / o.rateHz) * 1000;
    const exitMs: number[] = [];
    const exitCodes: (number | null)[] = [];
    let stoppedWhileStarting = 0;
    /** A stop's outcome: a processor that had not begun fetching and died by the signal took no input; anything else must exit 0. */
    const stopped = (p: (typeof procs)[number], r: { code: number | null; ms: number }): void => {
      if (r.code === null && !p.output().includes('consumer fetching')) stoppedWhileStarting++;
      else {
        exitMs.push(r.ms);
        exitCodes.push(r.code);
      }
    };
    const failoverMs: number[] = [];
    const tStream = Date.now();
    let supervisorRestarts = 0;
    /** As a supervisor does: a processor that exited on its own (e.g. started while the broker was down) is restarted. */
    const supervise = (): void => {
      for (const p of [...procs]) {
        if (p.child.exitCode !== null || p.child.signalCode !== null) {
          procs.splice(procs.indexOf(p), 1);
          supervisorRestarts++;
          o.log(`a processor exited on its own (code ${p.child.exitCode}); restarting it`);
          spawnOne();
        }
      }
    };
    const superviseTimer = setInterval(supervise, 1_000);
    for (const [i, a] of actions.entries()) {
      const at = tStream + spanMs * (0.15 + (0.7 * (i + 0.5)) / actions.length);
      if (at > Date.now()) await new Promise((r) => setTimeout(r, at - Date.now()));
      supervise();
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
        o.log(`outage: broker stopped for ${o.outageS} s`);
        await broker.stop();
        await new Promise((r) => setTimeout(r, o.outageS * 1000));
        await broker.start();
        continue;
      }
      if (a === 'kill') {
        const survivor = procs[0]!;
        const before = survivor.output().length;
        const killedAt = Date.now();
        await victim.signal('SIGKILL');
        // The survivor's next join takes over the victim's partitions (after the session timeout).
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
        if (rejoined && Number.isFinite(t)) failoverMs.push(t - killedAt);
        o.log(`kill: SIGKILL, survivor rejoined after ${failoverMs.at(-1) ?? 'n/a'} ms`);
      } else {
        const r = await victim.signal('SIGTERM');
        stopped(victim, r);
        o.log(`stop: SIGTERM → exit ${r.code ?? 'by the signal, still starting'} after ${r.ms} ms`);
      }
      spawnOne();
    }
    await publishing;
    await producer.disconnect();
    clearInterval(superviseTimer);
    supervise();
    o.log(`published ${ids.length} frames and ${badSent} bad messages; reading the outputs back`);

    const reco = await readKeys(cluster, topics.reco, ids.length, 300_000);
    const distinct = new Set(reco);
    const dlq = new Set(await readKeys(cluster, topics.dlq, badSent + 1, 120_000));
    clearInterval(superviseTimer);
    for (const p of [...procs]) {
      stopped(p, await p.signal('SIGTERM'));
    }
    const lost = ids.filter((id) => !distinct.has(id)).length;
    let badDeadLettered = 0;
    for (let i = 0; i < badSent; i++) if (dlq.has(`bad-${i}`)) badDeadLettered++;
    return {
      events: ids.length,
      reconstructed: distinct.size,
      lost,
      duplicates: reco.length - distinct.size,
      badSent,
      badDeadLettered,
      hugeTruncated: dlq.has('huge'),
      kills: o.kills,
      stops: o.stops,
      outages: o.outages,
      outageS: o.outageS,
      exitMs,
      exitCodes,
      stoppedWhileStarting,
      failoverMs,
      supervisorRestarts,
      peakRssMiB: Math.max(0, ...all.map((p) => p.peakRssMiB())),
      wallS: (Date.now() - t0) / 1000,
    };
  } finally {
    for (const p of all)
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await cluster?.close();
    await broker.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Keys of a topic from the beginning, until `target` records or no new record for 20 s (or the timeout). */
async function readKeys(
  cluster: KafkaCluster,
  topic: string,
  target: number,
  timeoutMs: number,
): Promise<string[]> {
  const keys: string[] = [];
  const source = createKafkaSource(
    cluster,
    { ...DEFAULT_KAFKA_SOURCE, groupId: `soak-reader-${randomBytes(4).toString('hex')}`, topic },
    silentLogger,
  );
  let last = Date.now();
  const sub = source.batches$.subscribe((b) => {
    for (const m of b.messages) keys.push(keyOf(m) ?? '');
    last = Date.now();
    void b.ack?.();
  });
  const t0 = Date.now();
  await waitUntil(
    () =>
      new Set(keys).size >= target ||
      Date.now() - t0 > timeoutMs ||
      (keys.length > 0 && Date.now() - last > 20_000),
    timeoutMs + 1_000,
  );
  sub.unsubscribe();
  await source.close();
  return keys;
}
