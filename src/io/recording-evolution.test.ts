/**
 * Recordings across schema versions: this build reads a recording written by the v1 build
 * (test/fixtures/recording-v1.avro: `simulate --events 60 --seed 3` before frames went to v2), and
 * fastavro reads both that and a v2 recording of every class with the v1 and the v2 reader
 * schema (scripts/check_schema_evolution.py; skipped with a note where fastavro is missing).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SIMULATION } from '../config/index.js';
import { DEFAULT_GEOMETRY, EVENT_CLASSES, Rng, type EventClass, type HitFrame } from '../domain/index.js';
import { generateEvent } from '../sim/index.js';
import { openRecordingWriter, readRecording, syncMarkerFromSeed } from './index.js';

async function readAll(path: string): Promise<HitFrame[]> {
  const out: HitFrame[] = [];
  for await (const f of readRecording(path)) out.push(f);
  return out;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const V1_FIXTURE = join(ROOT, 'test/fixtures/recording-v1.avro');
const dir = mkdtempSync(join(tmpdir(), 'showertrig-evolution-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a recording written by the v1 build reads here, classes as written', async () => {
  const frames = await readAll(V1_FIXTURE);
  const perClass = new Map<EventClass, number>();
  for (const f of frames) perClass.set(f.truth!.eventClass, (perClass.get(f.truth!.eventClass) ?? 0) + 1);
  assert.equal(frames.length, 60);
  assert.deepEqual(Object.fromEntries(perClass), { signal: 4, neutrino: 13, muon: 33, noise: 10 });
});

/** A python with fastavro: the project's reference venv, else the system python3. */
function fastavroPython(): string | undefined {
  for (const py of [join(ROOT, '.venv-ref/bin/python'), 'python3']) {
    if (py.includes('/') && !existsSync(py)) continue;
    if (spawnSync(py, ['-c', 'import fastavro'], { encoding: 'utf8' }).status === 0) return py;
  }
  return undefined;
}

test('fastavro reads v1 and v2 recordings with the v1 and the v2 reader schema', async (t) => {
  const v2 = join(dir, 'every-class.avro');
  const w = await openRecordingWriter(v2, { syncMarker: syncMarkerFromSeed(5) });
  const rng = new Rng(5);
  for (const [i, cls] of EVENT_CLASSES.entries()) {
    const { hits, truth } = generateEvent(DEFAULT_GEOMETRY, DEFAULT_SIMULATION, cls, rng);
    await w.write({
      runId: 'evo',
      eventId: `evo-${i}`,
      timestampNs: 1_700_000_000_000_000_000n + BigInt(i),
      hits,
      truth,
    });
  }
  await w.close();
  assert.deepEqual(
    (await readAll(v2)).map((f) => f.truth?.eventClass),
    [...EVENT_CLASSES],
  );
  const py = fastavroPython();
  if (py === undefined) {
    t.skip('fastavro not installed (python3 -m venv .venv-ref && .venv-ref/bin/pip install fastavro)');
    return;
  }
  const r = spawnSync(py, [join(ROOT, 'scripts/check_schema_evolution.py'), V1_FIXTURE, v2], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.diagnostic(r.stdout.trim());
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /every-class\.avro \(written as hit_frame\.v2\), reader v1: 7 records, classes \{'muon': 1, 'neutrino': 4, 'noise': 1, 'signal': 1\}/,
  );
  assert.match(
    r.stdout,
    /reader v2: 7 records, classes \{'muon': 1, 'ncPi0': 1, 'neutrino': 1, 'noise': 1, 'nuElastic': 1, 'nueCCQE': 1, 'signal': 1\}/,
  );
});
