/**
 * Which events a detector fault pushes through the cut selection: for a fault class, the same
 * ordinary events (evaluation seeds of `showertrig anomaly evaluate`) reconstructed and selected
 * without and with the fault; for those the fault adds, the underlying event class, where the
 * fault sits, and how the reconstruction and the failed cuts changed.
 *
 * usage: node --import tsx scripts/anomaly-fault-cuts.ts [class=hot-cluster] [events=500] [seed=1]
 * Prints a JSON summary on stdout (progress on stderr).
 */
import { loadCnnModel } from '../src/app/index.js';
import { ANOMALY_SEEDS } from '../src/app/anomaly/index.js';
import { loadConfig } from '../src/config-file/index.js';
import {
  EXOTIC_CLASSES,
  pixelToXCm,
  pixelToYCm,
  Rng,
  type ExoticClass,
  type HitFrame,
  type RecoEvent,
} from '../src/domain/index.js';
import { createReconstructor, reconstructorConfig } from '../src/reconstruction/index.js';
import { createExoticGenerator, drawFault, isFault } from '../src/sim/index.js';
import { createSelector } from '../src/trigger/index.js';

const cls = (process.argv[2] ?? 'hot-cluster') as ExoticClass;
const n = Number(process.argv[3] ?? 500);
const seed = Number(process.argv[4] ?? 1);
if (!isFault(cls)) throw new Error(`${cls} is not a detector fault`);
const cfg = loadConfig([undefined], {});
const g = cfg.detector;
const gen = createExoticGenerator(g, cfg.simulation);
// The evaluation's sample of this class (anomalySample: fault drawn first, then the event).
const rng = new Rng(seed + ANOMALY_SEEDS.exotic + 1009 * EXOTIC_CLASSES.indexOf(cls));
const rows = Array.from({ length: n }, () => {
  const r = rng.fork();
  const f = drawFault(g, cls, r);
  const base = gen.ordinary(r);
  return { f, base, faulty: gen.withFault(base, f, r) };
});
const cnn = await loadCnnModel(cfg.reconstruction.modelDir, g, cfg.reconstruction.backend);
const reco = createReconstructor(g, cnn, reconstructorConfig(cfg.reconstruction));
const sel = createSelector({ selection: cfg.trigger.selection, geometry: g });
async function recoAll(hits: HitFrame['hits'][]): Promise<RecoEvent[]> {
  const out: RecoEvent[] = [];
  for (let s = 0; s < hits.length; s += 256) {
    const frames = hits
      .slice(s, s + 256)
      .map((h, k) => ({ runId: 'f', eventId: String(s + k), timestampNs: BigInt(s + k), hits: h }));
    out.push(...(await reco.reconstruct(frames)));
    process.stderr.write(`${Math.min(s + 256, hits.length)}/${hits.length}\n`);
  }
  return out;
}
const before = await recoAll(rows.map((r) => r.base.hits));
const after = await recoAll(rows.map((r) => r.faulty.hits));
const failed = (e: RecoEvent): string[] =>
  sel
    .select(e)
    .reasons.filter((x) => x.includes(': fail'))
    .map((x) => x.split(':')[0]!);
const count = (xs: readonly string[]): Record<string, number> =>
  Object.fromEntries([...new Set(xs)].sort().map((k) => [k, xs.filter((x) => x === k).length]));
const added = rows.flatMap((r, i) =>
  sel.select(after[i]!).selected && !sel.select(before[i]!).selected ? [i] : [],
);
const lost = rows.filter((_, i) => !sel.select(after[i]!).selected && sel.select(before[i]!).selected).length;
const selectedBefore = before.filter((e) => sel.select(e).selected).length;
const details = added.map((i) => {
  const { f, base } = rows[i]!;
  const b = before[i]!;
  const a = after[i]!;
  return {
    eventClass: base.truth.eventClass,
    faultStation: f.station,
    blockSidePx: f.x1 - f.x0,
    blockCentreCm: [pixelToXCm(g, (f.x0 + f.x1) / 2 - 0.5), pixelToYCm(g, (f.y0 + f.y1) / 2 - 0.5)],
    before: { status: b.status, energyGeV: b.energyGeV, stationsUsed: b.stationsUsed, failed: failed(b) },
    after: {
      status: a.status,
      energyGeV: a.energyGeV,
      xyCm: [a.xCm, a.yCm],
      dCm: a.dCm,
      stationsUsed: a.stationsUsed,
    },
  };
});
process.stdout.write(
  `${JSON.stringify(
    {
      class: cls,
      events: n,
      selectedWithout: selectedBefore,
      added: added.length,
      lost,
      addedByEventClass: count(details.map((d) => d.eventClass)),
      addedByStatusBefore: count(details.map((d) => d.before.status)),
      addedByFailedCutBefore: count(details.flatMap((d) => d.before.failed)),
      addedByFaultStation: count(details.map((d) => String(d.faultStation))),
      addedMedianEnergyAfterGeV: details.map((d) => d.after.energyGeV).sort((x, y) => x - y)[
        details.length >> 1
      ],
      addedVertexWithin2cmOfBlock: details.filter(
        (d) => Math.hypot(d.after.xyCm[0]! - d.blockCentreCm[0]!, d.after.xyCm[1]! - d.blockCentreCm[1]!) < 2,
      ).length,
      details: details.slice(0, 12),
    },
    null,
    1,
  )}\n`,
);
