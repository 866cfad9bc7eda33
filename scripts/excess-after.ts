/**
 * The embedded example session (`showertrig run`, simulator → full pipeline in-process) with each
 * trailing-background estimator: the alerts, the peak Z on the injected excess, and Z over the
 * trailingWindowS after the excess has left the window (where a plain mean drags Z down).
 *
 *   node --import tsx scripts/excess-after.ts [--excess signal:4:150:30] [--seeds 1,2,3] [--out reports/excess-background.md]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_START_NS, RatePlot, runSimulatorEmbedded } from '../src/app/index.js';
import { excessFlagRaw } from '../src/config/index.js';
import type { ExcessAlert as Alert } from '../src/domain/index.js';
import { loadConfig } from '../src/io/index.js';
import { createLogger } from '../src/telemetry/index.js';
import type { WindowEvaluation } from '../src/trigger/index.js';

class Collect extends RatePlot {
  readonly evaluations: WindowEvaluation[] = [];
  readonly collected: Alert[] = [];
  override add(evaluations: readonly WindowEvaluation[], alerts: readonly Alert[]): void {
    this.evaluations.push(...evaluations);
    this.collected.push(...alerts);
  }
  override write(): string[] {
    return [];
  }
}

const { values } = parseArgs({
  options: {
    excess: { type: 'string', default: 'signal:4:150:30' },
    seeds: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});
const rows: string[] = [];
for (const seed of values.seeds.split(',').map(Number)) {
  for (const estimator of ['mean', 'clipped-mean'] as const) {
    const cfg = loadConfig([], {
      simulation: { seed, excess: excessFlagRaw(values.excess) },
      trigger: { excess: { backgroundEstimator: estimator } },
      service: { metricsPort: 0, logLevel: 'error' },
    });
    const x = cfg.simulation.excess!;
    const ex = cfg.trigger.excess;
    const chart = new Collect(ex.windowS, ex.zThreshold);
    const durationS = x.startS + x.durationS + ex.windowS + ex.trailingWindowS + 10;
    await runSimulatorEmbedded(cfg, createLogger('error', { cmd: 'excess-after' }), durationS, {
      speed: Infinity,
      stop: { stopped: false },
      plot: { dir: '', chart },
    });
    const rel = (ns: bigint): number => Number(ns - DEFAULT_START_NS) / 1e9; // simulated seconds
    const during = chart.evaluations.filter(
      (e) => rel(e.windowEndNs) > x.startS && rel(e.windowStartNs) < x.startS + x.durationS,
    );
    const after = chart.evaluations.filter(
      (e) =>
        rel(e.windowStartNs) >= x.startS + x.durationS &&
        rel(e.windowEndNs) <= x.startS + x.durationS + ex.windowS + ex.trailingWindowS,
    );
    const zs = after.map((e) => e.z);
    const before = chart.evaluations.filter((e) => rel(e.windowEndNs) <= x.startS);
    const muBefore = before.length > 0 ? before[before.length - 1]!.expected : NaN;
    const muShift = Math.max(...after.map((e) => e.expected / muBefore - 1));
    const first = chart.evaluations[0];
    const alerts = chart.collected.map(
      (a) =>
        `${a.method} ${rel(a.windowStartNs).toFixed(0)}–${rel(a.windowEndNs).toFixed(0)} s Z ${a.z.toFixed(2)}`,
    );
    rows.push(
      `| ${seed} | ${estimator} | ${first === undefined ? '–' : rel(first.windowEndNs).toFixed(0)} | ${Math.max(...during.map((e) => e.z)).toFixed(2)} | ${(100 * muShift).toFixed(1)} % | ${Math.min(...zs).toFixed(2)} | ${(zs.reduce((a, b) => a + b, 0) / zs.length).toFixed(2)} | ${alerts.join('; ') || 'none'} |`,
    );
    process.stdout.write(`${rows[rows.length - 1]}\n`);
  }
}
const md = [
  `Embedded session, \`--excess ${values.excess}\`, default config otherwise (\`node --import tsx scripts/excess-after.ts --excess ${values.excess} --seeds ${values.seeds}\`).`,
  'After: windows that start after the excess ends, over the following window + trailing span. μ shift: the largest',
  'expected count there relative to the last one before the excess (how far the excess drags the background).',
  '',
  '| seed | background estimator | first test (s) | peak Z on the excess | max μ shift after | min Z after | mean Z after | alerts (window, event time) |',
  '|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
].join('\n');
if (values.out !== undefined) writeFileSync(values.out, md);
