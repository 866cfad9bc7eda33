/**
 * `showertrig bench-e2e`: the end-to-end benchmark through the broker. Starts one processor
 * (`showertrig run --brokers`) as a child process on fresh topics, produces simulated frames at
 * --rate (or as fast as possible), and reads tt.reco back. Latency per event = broker timestamp of
 * its reco message (written once the processor's producer got the ack) − timestamp of its frame
 * message; throughput = events / (last reco − first frame); peak memory = the processor's VmHWM.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { createCodecs } from '../codecs/index.js';
import { createKafkaClient, createKafkaProducer, ensureTopics } from '../io/index.js';
import { createSimulator } from '../sim/index.js';
import { silentLogger } from '../telemetry/index.js';
import { intFlag, numFlag, parseFlags, UsageError, type Command } from './args.js';

const USAGE = `usage: showertrig bench-e2e --brokers H:P [--events N] [--rate HZ] [--partitions P] [--json]
  --events N   frames to send (default 20000)
  --rate HZ    offered rate (default 0 = as fast as the broker accepts)`;

export const command: Command = {
  name: 'bench-e2e',
  summary: 'end-to-end benchmark through Kafka',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, { brokers: { type: 'string' }, events: { type: 'string' }, rate: { type: 'string' }, partitions: { type: 'string' }, json: { type: 'boolean' } });
    if (values.brokers === undefined) throw new UsageError('--brokers is required');
    const n = intFlag(values.events, 'events', 20000, 1);
    const rate = numFlag(values.rate, 'rate', 0, 0);
    const partitions = intFlag(values.partitions, 'partitions', 4, 1, 1000);
    const s = Date.now().toString(36);
    const topics = { frames: `bench.${s}.frames`, reco: `bench.${s}.reco`, candidates: `bench.${s}.candidates`, alerts: `bench.${s}.alerts`, dlq: `bench.${s}.dlq` };
    const cfg = loadConfig([], { kafka: { brokers: values.brokers.split(','), topics, partitions, groupId: `bench-${s}` }, service: { metricsPort: 0, logLevel: 'warn' } });
    const kafka = createKafkaClient(cfg.kafka, silentLogger);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, Object.values(topics), partitions, 1);
    await admin.disconnect();

    const dir = mkdtempSync(join(tmpdir(), 'showertrig-bench-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ kafka: { brokers: cfg.kafka.brokers, topics, partitions, groupId: cfg.kafka.groupId }, service: { metricsPort: 0, logLevel: 'info' } }));
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1] ?? 'bin/showertrig.js', 'run', '--brokers', values.brokers, '--config', join(dir, 'config.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let childOut = '';
    child.stderr?.on('data', (d: Buffer) => (childOut += d.toString()));
    const t0 = Date.now();
    while (!childOut.includes('joined consumer group')) {
      if (Date.now() - t0 > 60_000 || child.exitCode !== null) throw new Error(`processor did not join its group:\n${childOut.slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // Pre-generate frames so the producer is not limited by the simulator.
    const sim = createSimulator(cfg.detector, cfg.simulation, `bench-${s}`);
    const codecs = createCodecs('avro');
    const msgs = Array.from({ length: n }, () => { const f = sim.next(); return { key: f.eventId, value: codecs.frame.encode(f) }; });
    const sentAt = new Map<string, number>();
    const recoAt = new Map<string, number>();
    const consumer = kafka.consumer({ groupId: `bench-reader-${s}` });
    await consumer.connect();
    await consumer.subscribe({ topic: topics.reco, fromBeginning: true });
    let allDone: () => void = () => undefined;
    const done = new Promise<void>((r) => (allDone = r));
    await consumer.run({ eachMessage: async ({ message }) => { const k = message.key?.toString() ?? ''; if (!recoAt.has(k)) recoAt.set(k, Number(message.timestamp)); if (recoAt.size >= n) allDone(); } });

    const producer = createKafkaProducer(kafka);
    await producer.connect();
    const chunk = rate > 0 ? Math.max(1, Math.round(rate / 100)) : 500;
    const tStart = Date.now();
    for (let i = 0; i < n; i += chunk) {
      if (rate > 0) { const due = tStart + (i / rate) * 1000; const w = due - Date.now(); if (w > 0) await new Promise((r) => setTimeout(r, w)); }
      const part = msgs.slice(i, i + chunk);
      const ts = Date.now();
      for (const m of part) sentAt.set(m.key, ts);
      await producer.producer.send({ topic: topics.frames, acks: -1, messages: part.map((m) => ({ ...m, timestamp: String(ts) })) });
      if (process.stderr.isTTY) process.stderr.write(`\rsent ${Math.min(n, i + chunk)}/${n}, reconstructed ${recoAt.size}`);
    }
    await Promise.race([done, new Promise((r) => setTimeout(r, 300_000))]);
    const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN);
    child.kill('SIGTERM');
    await producer.disconnect();
    await consumer.disconnect();

    const lat = [...recoAt].map(([k, t]) => t - (sentAt.get(k) ?? t)).sort((a, b) => a - b);
    const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
    const last = Math.max(...recoAt.values());
    const result = {
      events: n, reconstructed: recoAt.size, offered_rate_hz: rate || 'max', partitions,
      events_per_second: recoAt.size / ((last - tStart) / 1000),
      latency_ms: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: lat[lat.length - 1] ?? NaN },
      processor_peak_rss_mib: hwmKb / 1024,
    };
    process.stdout.write(values.json === true ? `${JSON.stringify(result, null, 2)}\n` :
      `\nend-to-end: ${result.reconstructed}/${n} events, ${result.events_per_second.toFixed(0)} events/s (offered ${result.offered_rate_hz}), latency p50 ${result.latency_ms.p50} ms, p90 ${result.latency_ms.p90} ms, p99 ${result.latency_ms.p99} ms, max ${result.latency_ms.max} ms; processor peak RSS ${result.processor_peak_rss_mib.toFixed(0)} MiB\n`);
    return recoAt.size === n ? 0 : 1;
  },
};
