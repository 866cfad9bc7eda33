/**
 * Recordings across schema versions: this build reads a recording written by the v1 build
 * (test/fixtures/recording-v1.avro: `simulate --events 60 --seed 3` before frames went to v2) and
 * one written by the v2 build (test/fixtures/recording-v2.avro: `simulate --events 40 --seed 4
 * --inject dark-photon:20:0:10` before frames went to v3, so its dark photons carry no exotic
 * class); a v3 recording round-trips truth.exotic; and fastavro reads all three with the v1, v2
 * and v3 reader schemas (scripts/check_schema_evolution.py; skipped with a note where fastavro is
 * missing).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SIMULATION } from '../config/index.js';
import {
  DEFAULT_GEOMETRY,
  EVENT_CLASSES,
  EXOTIC_CLASSES,
  Rng,
  type EventClass,
  type HitFrame,
} from '../domain/index.js';
import { createExoticGenerator, generateEvent } from '../sim/index.js';
import { openRecordingWriter, readRecording, syncMarkerFromSeed } from './index.js';

async function readAll(path: string): Promise<HitFrame[]> {
  const out: HitFrame[] = [];
  for await (const f of readRecording(path)) out.push(f);
  return out;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const V1_FIXTURE = join(ROOT, 'test/fixtures/recording-v1.avro');
const V2_FIXTURE = join(ROOT, 'test/fixtures/recording-v2.avro');
const dir = mkdtempSync(join(tmpdir(), 'showertrig-evolution-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a recording written by the v1 build reads here, classes as written', async () => {
  const frames = await readAll(V1_FIXTURE);
  const perClass = new Map<EventClass, number>();
  for (const f of frames) perClass.set(f.truth!.eventClass, (perClass.get(f.truth!.eventClass) ?? 0) + 1);
  assert.equal(frames.length, 60);
  assert.deepEqual(Object.fromEntries(perClass), { signal: 4, neutrino: 13, muon: 33, noise: 10 });
});

test('a recording written by the v2 build reads here, with no exotic class', async () => {
  const frames = await readAll(V2_FIXTURE);
  assert.equal(frames.length, 40);
  assert.equal(frames.filter((f) => f.truth?.eventClass === 'signal').length, 15);
  assert.equal(frames.filter((f) => f.truth?.exotic !== undefined).length, 0);
});

/** One frame of every event class, then one of every exotic class. */
async function writeEveryClass(path: string): Promise<void> {
  const w = await openRecordingWriter(path, { syncMarker: syncMarkerFromSeed(5) });
  const rng = new Rng(5);
  const exotic = createExoticGenerator(DEFAULT_GEOMETRY, DEFAULT_SIMULATION);
  const events = [
    ...EVENT_CLASSES.map((cls) => generateEvent(DEFAULT_GEOMETRY, DEFAULT_SIMULATION, cls, rng)),
    ...EXOTIC_CLASSES.map((cls) => exotic.exotic(cls, rng)),
  ];
  for (const [i, { hits, truth }] of events.entries())
    await w.write({
      runId: 'evo',
      eventId: `evo-${i}`,
      timestampNs: 1_700_000_000_000_000_000n + BigInt(i),
      hits,
      truth,
    });
  await w.close();
}

test('a v3 recording round-trips the exotic class of every exotic event, none on ordinary ones', async () => {
  const path = join(dir, 'exotic.avro');
  await writeEveryClass(path);
  const got = (await readAll(path)).map((f) => f.truth?.exotic);
  assert.deepEqual(got, [...EVENT_CLASSES.map(() => undefined), ...EXOTIC_CLASSES]);
});

/** A python with fastavro: the project's reference venv, else the system python3. */
function fastavroPython(): string | undefined {
  for (const py of [join(ROOT, '.venv-ref/bin/python'), 'python3']) {
    if (py.includes('/') && !existsSync(py)) continue;
    if (spawnSync(py, ['-c', 'import fastavro'], { encoding: 'utf8' }).status === 0) return py;
  }
  return undefined;
}

test('fastavro reads v1, v2 and v3 recordings with the v1, v2 and v3 reader schemas', async (t) => {
  const v3 = join(dir, 'every-class.avro');
  await writeEveryClass(v3);
  const py = fastavroPython();
  if (py === undefined) {
    t.skip('fastavro not installed (python3 -m venv .venv-ref && .venv-ref/bin/pip install fastavro)');
    return;
  }
  const r = spawnSync(py, [join(ROOT, 'scripts/check_schema_evolution.py'), V1_FIXTURE, V2_FIXTURE, v3], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.diagnostic(r.stdout.trim());
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /every-class\.avro \(written as hit_frame\.v3\), reader v1: 14 records, classes \{'muon': 3, 'neutrino': 5, 'noise': 1, 'signal': 5\}/,
  );
  assert.match(
    r.stdout,
    /reader v2: 14 records, classes \{'muon': 3, 'ncPi0': 1, 'neutrino': 2, 'noise': 1, 'nuElastic': 1, 'nueCCQE': 1, 'signal': 5\}/,
  );
  // a v3 reader reads v1 and v2 recordings (exotic null) and the exotic class of every exotic event
  assert.match(
    r.stdout,
    /recording-v2\.avro \(written as hit_frame\.v2\), reader v3: 40 records, exotic \{\}/,
  );
  assert.match(
    r.stdout,
    /reader v3: 14 records, exotic \{'darkPhoton': 1, 'deadRegion': 1, 'hotCluster': 1, 'lateShower': 1, 'noisyBurst': 1, 'slowTrack': 1, 'wideAngle': 1\}/,
  );
});
