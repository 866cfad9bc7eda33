import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_SIMULATION } from '../../config/index.js';
import { DEFAULT_GEOMETRY, Rng, type EventClass, type HitFrame } from '../../domain/index.js';
import { openRecordingWriter } from '../../recording/index.js';
import {
  createBoostedModel,
  DEFAULT_RECONSTRUCTOR,
  featureMatrix,
  trainBoosted,
} from '../../reconstruction/index.js';
import { generateEvent } from '../../sim/index.js';
import { recordingSource } from './recording-source.js';
import { runEvaluation } from './run.js';
import type { EvaluationSource, SignalEvent } from './samples.js';

const g = DEFAULT_GEOMETRY;

test('evaluate on a recording scores exactly its signal frames with truth, with the same results as those events given directly', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'showertrig-evalrec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rng = new Rng(31);
  const classes: EventClass[] = ['signal', 'muon', 'signal', 'noise', 'signal', 'neutrino'];
  const frames: HitFrame[] = [];
  for (let i = 0; i < 150; i++) {
    const ev = generateEvent(g, DEFAULT_SIMULATION, classes[i % classes.length]!, rng);
    // Every 25th frame is written without truth (real data): it must be skipped, not scored.
    frames.push({
      runId: 'r',
      eventId: String(i),
      timestampNs: BigInt(i),
      hits: ev.hits,
      ...(i % 25 === 0 ? {} : { truth: ev.truth }),
    });
  }
  const path = join(dir, 'run.avro');
  const w = await openRecordingWriter(path);
  for (const f of frames) await w.write(f);
  await w.close();
  const signal = frames.filter((f) => f.truth?.eventClass === 'signal');

  const trainSet = Array.from({ length: 400 }, () => generateEvent(g, DEFAULT_SIMULATION, 'signal', rng));
  const m = featureMatrix(
    'moments+signal',
    trainSet.map((e) => e.hits),
    g,
  );
  const primary = createBoostedModel(
    trainBoosted(
      m,
      { energyGeV: trainSet.map((e) => e.truth.energyGeV), dCm: trainSet.map((e) => e.truth.dCm) },
      g,
    ),
    g,
  );
  const common = {
    geometry: g,
    simulation: DEFAULT_SIMULATION,
    reconstruction: DEFAULT_RECONSTRUCTOR,
    model: primary,
    primaryLabel: 'gbt',
    events: 0,
    seed: 3,
    trainEvents: 400,
    calibrationEvents: 300,
    batchSize: 16,
  };

  const source = await recordingSource(path);
  const fromFile = await runEvaluation({ ...common, source });
  assert.equal(fromFile.eventsScored, signal.length);
  assert.equal(source.stats.frames, frames.length);
  assert.equal(source.stats.noTruth, 6);
  assert.equal(source.stats.otherClass.muon, frames.filter((f) => f.truth?.eventClass === 'muon').length);
  assert.match(fromFile.report.title, new RegExp(`${signal.length} events of the recording`));
  assert.equal(
    fromFile.report.efficiency.reduce((a, b) => a + b.n, 0),
    signal.length,
  );

  const given: SignalEvent[] = signal.map((f) => ({ hits: f.hits, truth: f.truth! }));
  let at = 0;
  const direct: EvaluationSource = {
    label: 'in memory',
    next: (n) => Promise.resolve(given.slice(at, (at += n))),
  };
  const fromMemory = await runEvaluation({ ...common, source: direct });
  assert.deepEqual(fromFile.energyVertex, fromMemory.energyVertex);
  assert.deepEqual(fromFile.transverse, fromMemory.transverse);

  const limited = await recordingSource(path, ['signal', 'neutrino'], 30);
  let n = 0;
  for (let b = await limited.next(7); b.length > 0; b = await limited.next(7)) n += b.length;
  assert.equal(n, 30, 'at most the limit');
  await limited.close();
});
