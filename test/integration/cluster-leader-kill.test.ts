/**
 * On a three-node KRaft cluster (replication factor 3, min.insync.replicas 2), the node leading the
 * most tt.frames partitions is SIGKILLed while `simulate --brokers` publishes and a `run --brokers`
 * processor reconstructs: the simulator exits 0 with every generated event id in tt.frames exactly
 * once, every one reaches tt.reco, the processor never restarts and stays ready (two of three
 * nodes are a quorum): when the killed node was a group's coordinator, the consumer that crashed
 * with it is replaced, and its dead member is taken out of the group at the new coordinator, so the
 * replacement rejoins within kafka.readinessGraceMs. Skipped with a note when the cluster cannot
 * start in time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshTopics, startTrigger, waitFor } from '../helpers/kafka.js';
import {
  busiestLeader,
  lossAndDuplicates,
  readKeys,
  startTestCluster,
  watchReadiness,
} from '../helpers/cluster.js';

const EVENTS = 3_000;
const RATE = 250;

test(
  'leader SIGKILL on a three-node cluster under load: 0 frames lost or duplicated, every event reconstructed, readiness kept',
  { timeout: 240_000 },
  async (t) => {
    const cluster = await startTestCluster(60);
    if (typeof cluster === 'string') {
      t.skip(cluster);
      return;
    }
    const topics = freshTopics();
    const opts = { kafka: { replicationFactor: 3, partitions: 4 } };
    const runId = `kill-${topics.frames}`;
    const proc = startTrigger(topics, opts, `g-${topics.frames}`, {
      brokers: cluster.brokers,
      args: ['--role', 'all'],
    });
    let sim: ReturnType<typeof startTrigger> | undefined;
    let watch: ReturnType<typeof watchReadiness> | undefined;
    try {
      await waitFor(
        () => proc.metricsUrl() !== undefined || proc.child.exitCode !== null,
        60_000,
        'the processor to serve its metrics',
      );
      const base = proc.metricsUrl();
      assert.ok(base !== undefined, proc.output());
      const ready = async (): Promise<boolean> =>
        (await fetch(`${base}/readyz`).then(
          (r) => r.status,
          () => 0,
        )) === 200;
      for (let i = 0; i < 300 && !(await ready()); i++) await new Promise((r) => setTimeout(r, 200));
      assert.ok(await ready(), `processor not ready: ${proc.output().slice(-2000)}`);

      sim = startTrigger(topics, opts, `g-${topics.frames}`, {
        brokers: cluster.brokers,
        command: [
          'simulate',
          '--events',
          String(EVENTS),
          '--rate',
          String(RATE),
          '--seed',
          '7',
          '--run-id',
          runId,
        ],
      });
      const simDone = sim.exited;
      let written = 0;
      const admin = cluster.kafka.admin();
      await admin.connect();
      const counting = setInterval(() => {
        admin.fetchTopicOffsets(topics.frames).then(
          (o) => (written = o.reduce((n, p) => n + Number(p.high), 0)),
          () => undefined,
        );
      }, 250);
      // Kill once the publisher is well under way (about 2 s of frames in tt.frames).
      await waitFor(
        () => written >= RATE * 2 || sim?.child.exitCode !== null,
        60_000,
        'the simulator to publish',
      );
      clearInterval(counting);
      await admin.disconnect();
      const leader = await busiestLeader(cluster, topics.frames);
      watch = watchReadiness(() => base);
      await cluster.kill(leader.node);
      const simCode = await simDone;
      assert.equal(simCode, 0, sim.output().slice(-3000));

      const expected = Array.from({ length: EVENTS }, (_, i) => `${runId}-${i}`);
      const frames = lossAndDuplicates(expected, await readKeys(cluster.kafka, topics.frames));
      let reco = lossAndDuplicates(expected, []);
      for (
        let i = 0;
        i < 60 && (reco = lossAndDuplicates(expected, await readKeys(cluster.kafka, topics.reco))).lost > 0;
        i++
      )
        await new Promise((r) => setTimeout(r, 500));
      const { gaps } = watch.stop();
      t.diagnostic(
        `killed node ${leader.node} (leader of tt.frames partitions ${leader.partitions.join(',')}); frames ${JSON.stringify(frames)}; reco ${JSON.stringify(reco)}; not-ready stretches ${JSON.stringify(gaps)}`,
      );
      assert.deepEqual(
        { lost: frames.lost, duplicated: frames.duplicated },
        { lost: 0, duplicated: 0 },
        'publisher: every generated event exactly once in tt.frames',
      );
      assert.equal(reco.lost, 0, 'processor: every event reconstructed');
      assert.equal(proc.child.exitCode, null, `processor exited: ${proc.output().slice(-2000)}`);
      // Two of three nodes keep the quorum: no link of the processor may be down past
      // kafka.readinessGraceMs. The only not-ready time tolerated is a /readyz answer slower than
      // the watcher's 1 s timeout ("no answer", a starved machine), for at most 1 s.
      assert.deepEqual(
        gaps.filter((g) => g.why.some((w) => !w.startsWith('no answer'))),
        [],
        'readiness true while two of three nodes are up',
      );
      assert.ok(
        gaps.every((g) => g.toMs - g.fromMs <= 1_000),
        `/readyz unanswered for over 1 s: ${JSON.stringify(gaps)}`,
      );
      assert.equal(await proc.stop(), 0, proc.output().slice(-2000));
    } finally {
      watch?.stop();
      if (sim?.child.exitCode === null) await sim.stop();
      if (proc.child.exitCode === null) await proc.stop();
      await cluster.stop();
    }
  },
);
