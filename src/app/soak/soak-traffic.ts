/** The soak's traffic: the simulated DAQ publishing frames and bad messages, and reading a topic's keys back. */
import { randomBytes } from 'node:crypto';
import { createCodecs } from '../../codecs/index.js';
import {
  createKafkaProducer,
  createKafkaSink,
  createKafkaSource,
  DEFAULT_KAFKA_SOURCE,
  type KafkaCluster,
} from '../../io/index.js';
import { keyOf } from '../../pipeline/index.js';
import { createSimulator } from '../../sim/index.js';
import { silentLogger } from '../../telemetry/index.js';
import { waitUntil } from './processes.js';
import type { ShowertrigConfig } from '../../config/index.js';

/** The DAQ: frames at rateHz, bad inputs spread evenly, one 1 MB message at a third. */
export async function startPublishing(
  o: { readonly events: number; readonly rateHz: number; readonly bad: number },
  env: {
    readonly s: string;
    readonly cfg: ShowertrigConfig;
    readonly cluster: KafkaCluster;
    readonly topics: { readonly frames: string };
  },
) {
  const sim = createSimulator(env.cfg.detector, env.cfg.simulation, `soak-${env.s}`);
  const codecs = createCodecs('avro');
  const producer = createKafkaProducer(env.cluster);
  await producer.connect();
  const sink = createKafkaSink<{ key: string; value: Buffer }>(producer, {
    topic: env.topics.frames,
    key: (m) => m.key,
    encode: (m) => m.value,
    maxMessageBytes: 4 << 20,
  });
  const sent = { ids: [] as string[], bad: 0 };
  const badEvery = o.bad > 0 ? Math.max(1, Math.floor(o.events / o.bad)) : Infinity;
  const done = (async () => {
    const chunk = Math.max(1, Math.round(o.rateHz / 20));
    const start = Date.now();
    for (let i = 0; i < o.events; i += chunk) {
      const wait = start + (i / o.rateHz) * 1000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const part: { key: string; value: Buffer }[] = [];
      for (let j = i; j < Math.min(o.events, i + chunk); j++) {
        const f = sim.next();
        sent.ids.push(f.eventId);
        part.push({ key: f.eventId, value: codecs.frame.encode(f) });
        if (j % badEvery === badEvery - 1 && sent.bad < o.bad)
          part.push({ key: `bad-${sent.bad++}`, value: randomBytes(100 + (j % 900)) });
        if (j === Math.floor(o.events / 3)) part.push({ key: 'huge', value: randomBytes(1_000_000) });
      }
      await sink.write(part);
    }
  })();
  return { sent, done, producer };
}

/** Keys of a topic from the beginning, until `target` records or no new record for 20 s (or the timeout). */
export async function readKeys(
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
