/**
 * The global excess stage against the real broker: one recording (a strong injected excess, short
 * windows) through the in-order embedded pipeline and through Kafka with different partition
 * counts, fetch sizes, process roles, kills and redeliveries must give exactly the same alerts
 * (windows, observed, expected, Z). The scenarios run side by side to keep the wall time short.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { from, lastValueFrom, toArray } from 'rxjs';
import { embeddedTrigger, startTriggerRuntime } from '../../src/app/index.js';
import { createCodecs, decodeExcessAlert } from '../../src/codecs/index.js';
import { parseConfig } from '../../src/config/index.js';
import { loadConfig } from '../../src/config-file/index.js';
import type { ExcessAlert, HitFrame } from '../../src/domain/index.js';
import type { InputMessage } from '../../src/pipeline/index.js';
import { createSimulator } from '../../src/sim/index.js';
import { silentLogger } from '../../src/telemetry/index.js';
import {
  consumeUntil,
  createTopics,
  freshTopics,
  kafkaClient,
  produce,
  scrape,
  startTrigger,
  waitFor,
  type TriggerProcess,
} from '../helpers/kafka.js';

const codecs = createCodecs('avro');
const TRIGGER = {
  selection: { mode: 'cuts' },
  excess: {
    windowS: 5,
    stepS: 1,
    trailingWindowS: 20,
    holdoffS: 10,
    zThreshold: 5,
    allowedLatenessS: 1,
    idlePartitionS: 3,
  },
};
const SIM = {
  seed: 91,
  signalSpectrum: 'flat',
  ratesHz: { signal: 4, neutrino: 4, muon: 8, noise: 4, nuElastic: 0, nueCCQE: 0, ncPi0: 0 },
  excess: { eventClass: 'signal', rateFactor: 8, startS: 40, durationS: 6 },
};
const END_S = 75;

function recording(): HitFrame[] {
  const cfg = parseConfig({ simulation: SIM });
  const s = createSimulator(cfg.detector, cfg.simulation, 'topology');
  const out: HitFrame[] = [];
  for (let f = s.next(); s.elapsedS < END_S; f = s.next()) out.push(f);
  return out;
}

/** The in-order embedded run (what `replay --embedded` does): the reference alerts. */
async function embeddedAlerts(frames: readonly HitFrame[]): Promise<ExcessAlert[]> {
  const cfg = loadConfig([], { trigger: TRIGGER, service: { metricsPort: 0 } });
  const rt = await startTriggerRuntime(cfg, silentLogger);
  try {
    const msgs: InputMessage[] = frames.map((f) => ({ key: f.eventId, value: codecs.frame.encode(f) }));
    const reports = await lastValueFrom(
      (await embeddedTrigger(cfg, rt, from(msgs), silentLogger)).pipe(toArray()),
    );
    return reports.flatMap((r) => r.alerts);
  } finally {
    await rt.close();
  }
}

const show = (a: ExcessAlert): string =>
  `${a.alertId} observed ${a.observed} expected ${a.expected.toFixed(3)} z ${a.z.toFixed(3)}`;

/**
 * Reads tt.alerts (one consumer) until `n` distinct alert ids are there and then QUIET_MS more (an
 * extra alert would show up there); checks that re-emitted alerts are identical.
 */
async function kafkaAlerts(topic: string, n: number, timeoutMs: number): Promise<ExcessAlert[]> {
  const byId = new Map<string, ExcessAlert>();
  let seen = 0;
  let enoughAt: number | undefined;
  const until = (msgs: { value: Buffer }[]): boolean => {
    for (const a of msgs.slice(seen).map((m) => decodeExcessAlert(m.value))) {
      const prev = byId.get(a.alertId);
      if (prev !== undefined) assert.equal(show(a), show(prev), 're-emitted alert differs');
      byId.set(a.alertId, a);
    }
    seen = msgs.length;
    if (byId.size >= n) enoughAt ??= Date.now();
    return enoughAt !== undefined && Date.now() - enoughAt >= QUIET_MS;
  };
  await consumeUntil(kafkaClient(), topic, until, timeoutMs);
  return [...byId.values()];
}
const QUIET_MS = 3000;

const sorted = (as: readonly ExcessAlert[]): string[] =>
  [...as].sort((x, y) => Number(x.windowEndNs - y.windowEndNs) || x.method.localeCompare(y.method)).map(show);

/** Produces the frames in `chunks` parts, `gapMs` apart, calling `after(i)` after part i. */
async function producePaced(
  topic: string,
  frames: readonly HitFrame[],
  chunks: number,
  gapMs: number,
  after: (i: number) => Promise<void> = async () => undefined,
): Promise<void> {
  const kafka = kafkaClient();
  const size = Math.ceil(frames.length / chunks);
  for (let i = 0; i < chunks; i++) {
    await produce(
      kafka,
      topic,
      frames.slice(i * size, (i + 1) * size).map((f) => ({ key: f.eventId, value: codecs.frame.encode(f) })),
    );
    await after(i);
    await new Promise((r) => setTimeout(r, gapMs));
  }
}

const activeExcess = (ps: readonly TriggerProcess[]): TriggerProcess | undefined =>
  ps.find((p) => /excess stage active/.test(p.output()));

test(
  'one recording through Kafka gives exactly the alerts of the in-order embedded run: 3 reco processes on 4 partitions with small fetches, a killed reco process and a killed active excess instance (its standby takes over); 1 process on 2 partitions with large fetches and a redelivered batch',
  { timeout: 170_000 },
  async () => {
    const frames = recording();
    const kafka = kafkaClient();
    const four = freshTopics();
    const two = freshTopics();
    await createTopics(kafka, four, 4);
    await createTopics(kafka, two, 2);
    const groupA = `g-a-${four.frames}`;
    const small = { trigger: TRIGGER, kafka: { maxInFlightFrames: 64 } };
    const reco = [0, 1, 2].map(() => startTrigger(four, small, groupA, ['--role', 'reco']));
    const excess = [0, 1].map(() => startTrigger(four, small, groupA, ['--role', 'excess']));
    const single = startTrigger(
      two,
      { trigger: TRIGGER, kafka: { maxInFlightFrames: 4096, partitions: 2 } },
      `g-b-${two.frames}`,
    );
    const all = [...reco, ...excess, single];
    try {
      const reference = await embeddedAlerts(frames);
      assert.ok(
        reference.some((a) => a.method === 'window'),
        `the injected excess raises a window alert: ${sorted(reference).join('; ')}`,
      );
      const joined = (p: TriggerProcess): boolean => p.output().includes('joined consumer group');
      await waitFor(
        () => all.every(joined),
        90_000,
        `every process to join\n${all.map((p) => p.output().slice(-600)).join('\n---\n')}`,
      );

      const scenarioA = (async () => {
        let killedExcess: TriggerProcess | undefined;
        await producePaced(four.frames, frames, 8, 800, async (i) => {
          if (i !== 3) return;
          // mid-stream: SIGKILL the active excess instance and one reconstruction process
          killedExcess = activeExcess(excess);
          assert.ok(
            killedExcess !== undefined,
            `one excess instance is active\n${excess.map((p) => p.output().slice(-800)).join('\n---\n')}`,
          );
          killedExcess.child.kill('SIGKILL');
          reco[1]!.child.kill('SIGKILL');
        });
        const standby = excess.find((p) => p !== killedExcess)!;
        const got = await kafkaAlerts(four.alerts, reference.length, 120_000);
        assert.match(standby.output(), /excess stage active/, 'the standby took over');
        return got;
      })();

      const scenarioB = (async () => {
        // the first half, then again its last 15 s (a redelivered batch: same keys, same partitions,
        // while those windows are still open), then the second half
        const half = frames.findIndex((f) => f.timestampNs >= frames[0]!.timestampNs + BigInt(END_S * 0.5e9));
        const again = frames
          .slice(0, half)
          .filter((f) => f.timestampNs >= frames[half]!.timestampNs - 15_000_000_000n);
        const asMsgs = (fs: readonly HitFrame[]): { key: string; value: Buffer }[] =>
          fs.map((f) => ({ key: f.eventId, value: codecs.frame.encode(f) }));
        await produce(kafka, two.frames, asMsgs(frames.slice(0, half)));
        await produce(kafka, two.frames, asMsgs(again));
        await produce(kafka, two.frames, asMsgs(frames.slice(half)));
        const got = await kafkaAlerts(two.alerts, reference.length, 120_000);
        const dups = await scrape(single, 'showertrig_excess_duplicates_total');
        assert.ok(
          dups >= again.length * 0.1,
          `the redelivered candidates reached the excess stage as duplicates (${dups} of ${again.length} frames)\n${single.output().slice(-1500)}`,
        );
        assert.equal(
          await scrape(single, 'showertrig_excess_late_events_total'),
          0,
          `nothing late\n${single.output().slice(-2000)}`,
        );
        return got;
      })();

      const [a, b] = await Promise.all([scenarioA, scenarioB]);
      assert.deepEqual(sorted(a), sorted(reference), '3 reco processes, 4 partitions, kills');
      assert.deepEqual(
        sorted(b),
        sorted(reference),
        '1 process, 2 partitions, large fetches: a redelivered batch changes no window count',
      );
    } finally {
      for (const p of all) if (p.child.exitCode === null && p.child.signalCode === null) await p.stop();
    }
  },
);
