/**
 * `showertrig anomaly train` then `calibrate` on a small plane (fast): the model directory holds
 * the net with its image spec, training record and a budget calibration (threshold, sample size,
 * intervals, per-station drift reference, the composite score's test scales), and re-calibration
 * to a new budget refits the scales.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from './main.js';

const quiet = { out: () => undefined, err: () => undefined };

test('anomaly train + calibrate store the budget threshold with its sample size and uncertainty; a bad action is a usage error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomaly-cli-'));
  try {
    const cfg = join(dir, 'small.json');
    writeFileSync(
      cfg,
      JSON.stringify({ detector: { planeWidthCm: 12, planeHeightCm: 12 }, anomaly: { budgetHz: 8.5 } }),
    );
    const model = join(dir, 'model');
    const write = process.stdout.write.bind(process.stdout);
    const stderr = process.stderr.write.bind(process.stderr);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    let codes: number[];
    try {
      codes = [
        await main(
          [
            'anomaly',
            'train',
            '--config',
            cfg,
            '--events',
            '40',
            '--val-events',
            '10',
            '--epochs',
            '1',
            '--latent',
            '4',
            '--calibration-events',
            '200',
            '--out',
            model,
          ],
          quiet,
        ),
      ];
      const meta = () =>
        (
          JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')) as {
            userDefinedMetadata: { calibration: Record<string, unknown> & { threshold: number } };
          }
        ).userDefinedMetadata;
      const first = meta().calibration;
      codes.push(
        await main(
          [
            'anomaly',
            'calibrate',
            '--config',
            cfg,
            '--model',
            model,
            '--events',
            '200',
            '--budget-hz',
            '0.85',
          ],
          quiet,
        ),
      );
      const second = meta().calibration;
      codes.push(await main(['anomaly', 'nosuch'], quiet));
      assert.deepEqual(codes, [0, 0, 2]);
      assert.equal(first['n'], 200);
      assert.equal(first['above'], 20, '10 % of 200 at 8.5 Hz of 85 Hz');
      assert.equal(second['above'], 2, '1 % of 200 at 0.85 Hz');
      // The composite score's test scales are refitted on the new calibration sample.
      type Composite = { kind: string; scale: number[] };
      const [s1, s2] = [first['score'] as Composite, second['score'] as Composite];
      assert.ok(s2.scale.every((v) => v > 0) && s2.scale.some((v, j) => v !== s1.scale[j]));
      assert.equal((second['stationQuantiles'] as unknown[]).length, 3);
      assert.equal((second['passFractionCi95'] as number[]).length, 2);
      assert.deepEqual(
        { ...s2, scale: s2.scale.length },
        {
          kind: 'composite',
          epsilon: 0.6,
          level: 0.1,
          combine: 'max',
          scale: 3,
        },
      );
    } finally {
      process.stdout.write = write;
      process.stderr.write = stderr;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
