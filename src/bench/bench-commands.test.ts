/**
 * Short versions of the benchmark commands (bench-sim, bench-codecs, bench-reco), as a user runs
 * them: each must finish, print its JSON, write the same figures to --out, and report positive,
 * self-consistent rates. (bench-backends has its own test; bench-e2e needs the broker:
 * test/integration/bench-e2e.test.ts.) The full runs are commands, not tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/entry.ts', ...args], {
    encoding: 'utf8',
    timeout: 180_000,
  });

function inTemp(f: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'showertrig-bench-test-'));
  try {
    f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('bench-sim: signal showers per second with latency percentiles, written to --out', () => {
  inTemp((out) => {
    const r = cli(['bench-sim', '--events', '200', '--warmup', '20', '--json', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout) as {
      signal: {
        events: number;
        events_per_second: number;
        latency_p50_us: number;
        latency_p99_us: number;
        hits_per_event: number;
      };
    };
    assert.equal(res.signal.events, 200);
    assert.ok(res.signal.events_per_second > 0);
    assert.ok(res.signal.latency_p50_us > 0 && res.signal.latency_p99_us >= res.signal.latency_p50_us);
    assert.ok(res.signal.hits_per_event > 50, `${res.signal.hits_per_event} hits per 1–100 GeV shower`);
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'sim.json'), 'utf8')), res);
    assert.match(readFileSync(join(out, 'sim.md'), 'utf8'), /signal/);
  });
});

test('bench-codecs: both codecs at 10 and 100 GeV, decode rates and sizes, written to --out', () => {
  inTemp((out) => {
    const r = cli(['bench-codecs', '--events', '10', '--json', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as {
      codec: string;
      energyGeV: number;
      meanHits: number;
      bytesPerHit: number;
      decodePerS: number;
      encodePerS: number;
    }[];
    assert.deepEqual(rows.map((x) => `${x.codec} ${x.energyGeV}`).sort(), [
      'avro 10',
      'avro 100',
      'msgpack 10',
      'msgpack 100',
    ]);
    for (const x of rows)
      assert.ok(x.decodePerS > 0 && x.encodePerS > 0 && x.bytesPerHit > 0, JSON.stringify(x));
    // 100 GeV showers have more hits than 10 GeV ones, in either codec.
    for (const c of ['avro', 'msgpack'])
      assert.ok(
        rows.find((x) => x.codec === c && x.energyGeV === 100)!.meanHits >
          rows.find((x) => x.codec === c && x.energyGeV === 10)!.meanHits,
      );
    assert.ok(readFileSync(join(out, 'codecs.md'), 'utf8').length > 0);
  });
});

test('bench-reco with the shipped model and a worker thread: every stage measured, rates consistent, written to --out', () => {
  inTemp((out) => {
    const r = cli([
      'bench-reco',
      '--events',
      '40',
      '--model',
      'models/default',
      '--batches',
      '8',
      '--threads',
      '1',
      '--json',
      '--out',
      out,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout) as {
      events: number;
      hits_per_event: number;
      cnn_backend: string;
      rows: {
        stage: string;
        batch: number;
        events_per_second: number;
        per_event_us: number;
        latency_p50_ms: number;
        latency_p99_ms: number;
      }[];
    };
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'reco.json'), 'utf8')), res);
    const stages = res.rows.map((x) => x.stage);
    // The shipped model's name, as its metadata gives it (the rows are named after it).
    const name = (
      JSON.parse(readFileSync(new URL('../../models/default/model.json', import.meta.url), 'utf8')) as {
        userDefinedMetadata: { showertrig: { name: string } };
      }
    ).userDefinedMetadata.showertrig.name;
    for (const want of [
      'clustering + track (lattice)',
      'clustering + track (grid)',
      'clustering + track (kdbush)',
      'weighted-mean track (baseline X,Y)',
      `${name} E,d [${res.cnn_backend}]`,
      'prepare (clustering, robust centre, net inputs)',
      'prepare (clustering, robust centre, net inputs), 1 worker thread + the calling thread',
      `full reconstruction, ${name} [${res.cnn_backend}]`,
      `full reconstruction, ${name} [${res.cnn_backend}], 1 worker thread + the calling thread`,
    ])
      assert.ok(stages.includes(want), `no row "${want}" in ${JSON.stringify(stages)}`);
    for (const x of res.rows) {
      assert.ok(x.events_per_second > 0 && x.latency_p99_ms >= x.latency_p50_ms, JSON.stringify(x));
      // µs per event and events per second are one measurement: their product is a million.
      assert.ok(Math.abs(x.per_event_us * x.events_per_second - 1e6) < 1, JSON.stringify(x));
    }
    assert.match(
      readFileSync(join(out, 'reco.md'), 'utf8'),
      /\| prepare \(clustering, robust centre, net inputs\) \| 40 \|/,
    );
  });
});

// The scikit-learn comparison runs where a venv with scikit-learn is (.venv-ref, made by
// scripts/sklearn-reference.sh, or SKLEARN_PYTHON); elsewhere (CI) the same test checks the skip.
const sklearnPython = process.env['SKLEARN_PYTHON'] ?? join('.venv-ref', 'bin', 'python');
const withSklearn = spawnSync(sklearnPython, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0;
if (!withSklearn)
  process.stderr.write(
    `\n*** NO SCIKIT-LEARN (${sklearnPython}): bench-reco --sklearn not compared, only the skip tested (scripts/sklearn-reference.sh makes .venv-ref, or set SKLEARN_PYTHON) ***\n\n`,
  );

test(`bench-reco --sklearn: DBSCAN ${withSklearn ? 'labels identical to scikit-learn on the benchmark stations, both timed' : 'comparison skipped with the way to make the venv'}`, () => {
  inTemp((out) => {
    const python = withSklearn ? sklearnPython : '/nonexistent/bin/python';
    const r = cli([
      'bench-reco',
      '--events',
      '30',
      '--batches',
      '8',
      '--sklearn',
      python,
      '--json',
      '--out',
      out,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout) as {
      sklearn_dbscan?: {
        labels_identical: boolean;
        stations: number;
        ours_events_per_second: number;
        sklearn_per_station_events_per_second: number;
        sklearn_one_fit_events_per_second: number;
      };
      sklearn_dbscan_skipped?: string;
    };
    const md = readFileSync(join(out, 'reco.md'), 'utf8');
    if (!withSklearn) {
      assert.equal(res.sklearn_dbscan, undefined);
      assert.match(
        res.sklearn_dbscan_skipped ?? '',
        /\/nonexistent\/bin\/python did not run \(ENOENT\): make a venv with scikit-learn/,
      );
      assert.match(md, /scikit-learn DBSCAN comparison skipped/);
      return;
    }
    const s = res.sklearn_dbscan!;
    assert.equal(s.labels_identical, true);
    assert.equal(s.stations, 90);
    for (const v of [
      s.ours_events_per_second,
      s.sklearn_per_station_events_per_second,
      s.sklearn_one_fit_events_per_second,
    ])
      assert.ok(v > 0);
    assert.match(md, /Labels identical to scikit-learn's: \*\*yes\*\*/);
  });
});
