import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExcessConfig } from '../config/index.js';
import { Rng, type Candidate, type ExcessAlert } from '../domain/index.js';
import { createExcessMonitor, type WindowEvaluation } from '../trigger/index.js';
import { createExcessStage, type ExcessStage, type SourcedCandidate } from './excess-stage.js';
import { createWatermarkTracker } from './watermark.js';

const CFG: ExcessConfig = {
  windowS: 10,
  stepS: 1,
  trailingWindowS: 60,
  zThreshold: 5,
  cusumK: 0.5,
  cusumH: 8,
  holdoffS: 30,
  allowedLatenessS: 0,
  idlePartitionS: 5,
  minTrailingS: 30,
  backgroundEstimator: 'clipped-mean',
  backgroundClipSigma: 3,
};
const T0 = 1_700_000_000_000_000_000n;
const IDLE_MS = 5000;
const PARTITIONS = [0, 1, 2, 3];

function candidate(tsNs: bigint, id: string, selected = true): Candidate {
  const event = {
    runId: 'r',
    eventId: id,
    timestampNs: tsNs,
    status: 'ok' as const,
    nHits: 100,
    energyGeV: 10,
    dCm: -1,
    xCm: 0,
    yCm: 0,
    fitRmsCm: 0.01,
    stationsUsed: 3,
  };
  return { event, selected, reasons: [] };
}

/** Selected candidates at 5 Hz for 300 s, ×4 from 150 s to 165 s; each partition in event-time order, offsets from 0. */
function stream(seed: number): { all: Candidate[]; byPartition: SourcedCandidate[][] } {
  const rng = new Rng(seed);
  const all: Candidate[] = [];
  for (let t = 0, i = 0; t < 300; i++) {
    t += rng.exponential(t >= 150 && t < 165 ? 20 : 5);
    all.push(candidate(T0 + BigInt(Math.round(t * 1e9)), `e${i}`));
  }
  const byPartition: SourcedCandidate[][] = PARTITIONS.map(() => []);
  for (const c of all) {
    const p = Math.floor(rng.uniform() * PARTITIONS.length);
    byPartition[p]!.push({ candidate: c, partition: p, offset: String(byPartition[p]!.length) });
  }
  return { all, byPartition };
}

/** The reference: one in-order stream through the monitor, no lateness. */
function inOrder(all: readonly Candidate[]): { alerts: ExcessAlert[]; evaluations: WindowEvaluation[] } {
  const m = createExcessMonitor(CFG);
  const alerts: ExcessAlert[] = [];
  const evaluations: WindowEvaluation[] = [];
  for (let i = 0; i < all.length; i += 37) {
    const u = m.process(all.slice(i, i + 37));
    alerts.push(...u.alerts);
    evaluations.push(...u.evaluations);
  }
  return { alerts, evaluations };
}

interface Delivery {
  alerts: ExcessAlert[];
  evaluations: WindowEvaluation[];
  duplicates: number;
  late: number;
  nowMs: number;
}

/**
 * Delivers the partitions' candidates in random interleavings and batch sizes (one partition can
 * lag far behind the others), starting at `from` offsets; the partitions with candidates left are
 * the ones with upstream work pending. `redeliver` re-sends an earlier batch now and then. Ends
 * after all partitions have been idle for IDLE_MS, which closes everything.
 */
function deliver(
  stage: ExcessStage,
  byPartition: SourcedCandidate[][],
  rng: Rng,
  opts: { from?: number[]; redeliver?: boolean; stopAfter?: number; nowMs?: number } = {},
): Delivery {
  const pos = PARTITIONS.map((p) => opts.from?.[p] ?? 0);
  const out: Delivery = { alerts: [], evaluations: [], duplicates: 0, late: 0, nowMs: opts.nowMs ?? 0 };
  const weights = PARTITIONS.map(() => 0.2 + rng.uniform());
  const sent: SourcedCandidate[][] = [];
  const collect = (u: ReturnType<ExcessStage['process']>): void => {
    out.alerts.push(...u.alerts);
    out.evaluations.push(...u.evaluations);
    out.duplicates += u.duplicates;
    out.late += u.late.length;
  };
  let steps = 0;
  const pending = (): Set<number> => new Set(PARTITIONS.filter((p) => pos[p]! < byPartition[p]!.length));
  while (pending().size > 0 && (opts.stopAfter === undefined || steps < opts.stopAfter)) {
    const open = [...pending()];
    const total = open.reduce((s, p) => s + weights[p]!, 0);
    let r = rng.uniform() * total;
    const p = open.find((q) => (r -= weights[q]!) < 0) ?? open[open.length - 1]!;
    const n = 1 + Math.floor(rng.uniform() * 40);
    const batch = byPartition[p]!.slice(pos[p]!, pos[p]! + n);
    pos[p]! += batch.length;
    out.nowMs += 10;
    steps++;
    collect(stage.process(batch, [], out.nowMs, pending()));
    sent.push(batch);
    if (opts.redeliver === true && rng.uniform() < 0.1) {
      const again = sent[Math.floor(rng.uniform() * sent.length)]!;
      collect(stage.process(again, [], out.nowMs, pending()));
    }
  }
  if (opts.stopAfter === undefined) {
    out.nowMs += IDLE_MS;
    collect(stage.process([], [], out.nowMs, new Set()));
  }
  return out;
}

const newStage = (): ExcessStage => {
  const s = createExcessStage({ excess: CFG, idlePartitionMs: IDLE_MS, maxTrackedIds: 100_000 });
  s.assign(PARTITIONS, 0);
  return s;
};

/** Window counts agree wherever both evaluated the same window. */
function assertSameWindows(a: readonly WindowEvaluation[], b: readonly WindowEvaluation[]): number {
  const ref = new Map(b.map((e) => [e.windowEndNs, e]));
  let common = 0;
  for (const e of a) {
    const r = ref.get(e.windowEndNs);
    if (r === undefined) continue;
    common++;
    assert.deepEqual(
      { observed: e.observed, expected: e.expected, z: e.z },
      { observed: r.observed, expected: r.expected, z: r.z },
      `window ending ${e.windowEndNs}`,
    );
  }
  return common;
}

test('candidates split over 4 partitions and interleaved at random give exactly the alerts of the in-order stream', () => {
  const { all, byPartition } = stream(1);
  const ref = inOrder(all);
  assert.ok(
    ref.alerts.some((a) => a.method === 'window'),
    'the injected excess raises a window alert',
  );
  for (let seed = 1; seed <= 8; seed++) {
    const got = deliver(newStage(), byPartition, new Rng(100 + seed));
    assert.deepEqual(got.alerts, ref.alerts, `interleaving ${seed}`);
    assert.equal(got.late, 0);
    assert.ok(assertSameWindows(got.evaluations, ref.evaluations) > 200);
  }
});

test('redelivered batches are not counted twice: same alerts, same window counts, duplicates reported', () => {
  const { all, byPartition } = stream(2);
  const ref = inOrder(all);
  const got = deliver(newStage(), byPartition, new Rng(7), { redeliver: true });
  assert.ok(got.duplicates > 50, `duplicates seen: ${got.duplicates}`);
  assert.deepEqual(got.alerts, ref.alerts);
  assert.ok(assertSameWindows(got.evaluations, ref.evaluations) > 200);
});

test('a silent partition holds the watermark while its upstream has work, and is released once it has none', () => {
  const wm = createWatermarkTracker({ allowedLatenessNs: 2n, idleMs: 100 });
  wm.assign([0, 1], 0);
  wm.observe(0, 50n, 10);
  assert.equal(wm.advance(20, new Set()), undefined, 'partition 1 has delivered nothing yet');
  assert.equal(
    wm.advance(500, new Set([1])),
    undefined,
    'partition 1 is silent but its frames are not all reconstructed',
  );
  assert.equal(
    wm.advance(500, new Set()),
    50n,
    'every partition idle: the newest timestamp, no lateness waited for',
  );
  wm.observe(0, 80n, 600);
  wm.observe(1, 60n, 600);
  assert.equal(wm.advance(610, new Set()), 58n, 'min over partitions minus lateness');
  wm.observe(1, 40n, 620);
  assert.equal(wm.advance(630, new Set()), 58n, 'never goes back');
});

test('an idle partition releases the watermark only up to what was observed when the upstream answer was taken', () => {
  const wm = createWatermarkTracker({ allowedLatenessNs: 2n, idleMs: 100 });
  wm.assign([0, 1], 0);
  const answer = (asOfMs: number, pending: number[] = []) => Object.assign(new Set(pending), { asOfMs });
  // A replay starts on both partitions; partition 0 is read first. The last poll (at 400 ms) knew of
  // no frames yet, so partition 1 looks idle: that answer must not let partition 0 alone decide.
  wm.observe(0, 50n, 450);
  assert.equal(wm.advance(460, answer(400)), undefined, 'nothing was observed when the answer was taken');
  // The next poll sees partition 1's frames not yet reconstructed: it holds the watermark.
  wm.observe(0, 70n, 1_000);
  assert.equal(wm.advance(1_450, answer(1_400, [1])), undefined, 'partition 1 pending upstream');
  // Partition 1 is truly idle: released up to what was observed by the answer (70), minus lateness.
  wm.observe(0, 90n, 2_500);
  assert.equal(wm.advance(2_540, answer(2_400)), 68n, 'capped at the newest observed by 2400 ms');
  assert.equal(wm.advance(2_560, answer(2_520)), 88n, 'a later answer releases the rest');
});

test('a candidate arriving after its bin closed is late: counted in the metric, not in any window', () => {
  const stage = newStage();
  const s = 1_000_000_000n;
  const batch = (p: number, from: number, to: number): SourcedCandidate[] =>
    Array.from({ length: to - from }, (_, i) => ({
      candidate: candidate(T0 + BigInt(from + i) * s, `p${p}-${from + i}`),
      partition: p,
      offset: String(from + i),
    }));
  for (const p of PARTITIONS) stage.process(batch(p, 0, 20), [], 0, new Set());
  assert.equal(stage.monitor.openFromNs, T0 + 19n * s, 'bins up to the slowest partition are closed');
  const u = stage.process(
    [{ candidate: candidate(T0 + 5n * s, 'straggler'), partition: 2, offset: '20' }],
    [],
    10,
    new Set(),
  );
  assert.equal(u.late.length, 1);
  assert.equal(u.counted, 0);
  const again = stage.process(
    [{ candidate: candidate(T0 + 5n * s, 'straggler'), partition: 2, offset: '20' }],
    [],
    20,
    new Set(),
  );
  assert.equal(again.late.length, 0, 'a redelivered late candidate is a duplicate, not late twice');
  assert.equal(again.duplicates, 1);
});

test('candidates re-issued with an alert id and rejected candidates are not counted', () => {
  const stage = newStage();
  const u = stage.process(
    [
      { candidate: { ...candidate(T0, 'a'), alertId: 'excess-window-1-2' }, partition: 0, offset: '0' },
      { candidate: candidate(T0, 'b', false), partition: 0, offset: '1' },
    ],
    [],
    0,
    new Set(),
  );
  assert.equal(u.counted, 0);
  assert.equal(u.duplicates, 0);
});

test('after a failover the successor, reading from the committed offsets and resume point, publishes exactly the alerts the first did not', () => {
  const { all, byPartition } = stream(3);
  const ref = inOrder(all);
  const killed = { before: 0, after: 0 }; // kills before / after the first instance raised the alert
  for (let seed = 1; seed <= 4; seed++) {
    const rng = new Rng(200 + seed);
    const first = newStage();
    // the first instance dies part-way through the excess (about 160 s of 300 s)
    const a = deliver(first, byPartition, rng, { stopAfter: 30 + seed * 12 });
    const committed = first.commitOffsets();
    const marker = first.resumeMarker();
    assert.equal(committed.size, PARTITIONS.length);
    assert.ok(marker !== undefined);
    const from = PARTITIONS.map((p) => Number(committed.get(p)));
    const successor = newStage();
    successor.resumeAfter(['junk', marker, 'excess-open-from=12x']);
    const b = deliver(successor, byPartition, rng, { from, nowMs: a.nowMs });
    killed[a.alerts.length > 0 ? 'after' : 'before']++;
    assert.equal(b.late, 0, 'the successor re-reads in order: nothing is late');
    const byId = new Map<string, ExcessAlert>();
    for (const x of [...a.alerts, ...b.alerts]) {
      const prev = byId.get(x.alertId);
      if (prev !== undefined) assert.deepEqual(x, prev, 're-emitted alerts are identical (idempotent by id)');
      byId.set(x.alertId, x);
    }
    const order = (x: ExcessAlert, y: ExcessAlert): number =>
      Number(x.windowEndNs - y.windowEndNs) || x.method.localeCompare(y.method);
    assert.deepEqual([...byId.values()].sort(order), [...ref.alerts].sort(order), `failover ${seed}`);
    for (const x of b.alerts)
      assert.ok(
        x.windowEndNs > BigInt(marker.split('=')[1]!),
        'nothing the first instance had decided is published again',
      );
  }
  assert.ok(
    killed.before > 0 && killed.after > 0,
    `kills on both sides of the alert: ${JSON.stringify(killed)}`,
  );
});

test('commit offsets trail the oldest open bin by window + trailing + holdoff + one step', () => {
  const stage = newStage();
  const s = 1_000_000_000n;
  for (const p of PARTITIONS) {
    const items = Array.from({ length: 200 }, (_, i) => ({
      candidate: candidate(T0 + BigInt(i) * s, `p${p}-${i}`),
      partition: p,
      offset: String(1000 + i),
    }));
    stage.process(items, [], 0, new Set());
  }
  // open from 199 s; replay span 10 + 60 + 30 + 1 = 101 s → candidates from 98 s (offset 1098) on
  assert.equal(stage.horizonNs, T0 + 98n * s);
  for (const p of PARTITIONS) assert.equal(stage.commitOffsets().get(p), '1098');
});
