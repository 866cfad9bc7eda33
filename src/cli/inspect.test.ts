import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DecodeError } from '../domain/index.js';
import { openRecordingWriter, readRecording, RecordingError } from '../recording/index.js';
import { UsageError } from './args.js';
import type { RecordingSummaryReport } from '../app/index.js';
import { createInspectCommand } from './inspect.js';
import { createSimulateCommand } from './simulate.js';
import type { Terminal } from './terminal.js';

const dir = mkdtempSync(join(tmpdir(), 'showertrig-inspect-'));
const path = join(dir, 'r.avro');
after(() => rmSync(dir, { recursive: true, force: true }));

function terminal(): Terminal & { stdout: string } {
  const t = { stdout: '', errIsTty: false, out: (s: string) => void (t.stdout += s), err: () => undefined };
  return t;
}

before(async () => {
  await createSimulateCommand(terminal()).run(['--events', '150', '--seed', '8', '--out', path]);
});

describe('inspect', () => {
  it('reports counts per class, hits per station, time span and bytes per event as JSON', async () => {
    const term = terminal();
    assert.equal(await createInspectCommand(term).run([path, '--json']), 0);
    const r = JSON.parse(term.stdout) as RecordingSummaryReport;
    assert.equal(r.events, 150);
    assert.equal(
      Object.values(r.perClass).reduce((a, b) => a + b, 0),
      150,
    );
    assert.equal(r.perClass.unknown, 0);
    assert.equal(r.fileBytes, statSync(path).size);
    assert.equal(r.bytesPerEvent, r.fileBytes / 150);
    assert.equal(r.hitsPerStation.length, 3);
    const meanSum = r.hitsPerStation.reduce((a, s) => a + s.mean, 0);
    assert.ok(Math.abs(meanSum - r.hitsPerEvent!.mean) < 1e-9);
    assert.ok(r.spanS > 0);
    assert.equal(BigInt(r.lastTimestampNs!) - BigInt(r.firstTimestampNs!), BigInt(Math.round(r.spanS * 1e9)));
    assert.equal(r.metadata['showertrig.seed'], '8');
    const e = r.energyGeV.signal;
    if (e !== null) assert.ok(e.min >= 1 && e.max <= 100);
  });

  it('prints a readable summary', async () => {
    const term = terminal();
    await createInspectCommand(term).run([path]);
    assert.match(term.stdout, /150 events, \d+ bytes, [\d.]+ bytes\/event/);
    assert.match(term.stdout, /station 2 hits\/event: mean [\d.]+, min \d+, max \d+/);
  });

  it('fails clearly on a truncated recording and on missing arguments', async () => {
    const cut = join(dir, 'cut.avro');
    const bytes = readFileSync(path);
    writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
    await assert.rejects(
      createInspectCommand(terminal()).run([cut]),
      (e: unknown) => e instanceof DecodeError && e.reason === 'truncated',
    );
    await assert.rejects(createInspectCommand(terminal()).run([]), UsageError);
  });

  it('takes the time span from the earliest and latest timestamps, whatever the order of the frames', async () => {
    const frames = [];
    for await (const f of readRecording(path)) frames.push(f);
    const shuffled = join(dir, 'shuffled.avro');
    const w = await openRecordingWriter(shuffled);
    // Last frame first, as a recording of several partitions can be.
    for (const f of [frames[frames.length - 1]!, ...frames.slice(1, -1), frames[0]!]) await w.write(f);
    await w.close();
    const term = terminal();
    await createInspectCommand(term).run([shuffled, '--json']);
    const r = JSON.parse(term.stdout) as RecordingSummaryReport;
    const want = frames[frames.length - 1]!.timestampNs - frames[0]!.timestampNs;
    assert.equal(BigInt(Math.round(r.spanS * 1e9)), want);
    assert.equal(r.minTimestampNs, frames[0]!.timestampNs.toString());
    const text = terminal();
    await createInspectCommand(text).run([shuffled]);
    assert.match(
      text.stdout,
      new RegExp(
        `time: ${frames[0]!.timestampNs} \\.\\. ${frames[frames.length - 1]!.timestampNs} ns, span [\\d.]+ s \\(frames not in time order\\)`,
      ),
    );
  });

  it('a directory is refused with one line naming it', async () => {
    await assert.rejects(
      createInspectCommand(terminal()).run([dir]),
      (e: unknown) =>
        e instanceof RecordingError && e.message === `${dir} is a directory, not a recording (.avro file)`,
    );
  });
});
