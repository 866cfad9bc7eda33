/**
 * What the event classifier adds to the reconstruction's CPU per event, for several stored
 * classifiers in the same run: the full reconstruction (CNN + DBSCAN, batches of
 * reconstruction.batchSize) without a classifier and with each one, batch by batch in rotating
 * order (as bench-reco's interleaved rows), over several passes. CPU time of the whole process
 * (process.cpuUsage: the net's threads included), so that the other jobs on a shared machine
 * count less than in wall time. Per batch: CPU µs per event of each variant minus the one
 * without on the same batch; the table gives the median of these differences with the 95 %
 * interval of the median, and the classifier's own work (features + classify) alone.
 *
 *   nice -n 10 node --import tsx scripts/classifier-cost.ts --variant models/default:gbt --variant out/small:gbt
 *        [--events 1280] [--passes 5] [--spectrum flat] [--out bench/results/classifier-cost.md]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadCnnModel, loadEventClassifier, resolveModelDir } from '../src/app/index.js';
import { loadConfig } from '../src/config-file/index.js';
import { Rng, type HitFrame } from '../src/domain/index.js';
import {
  classifierFeatureCount,
  classifierFeatures,
  createReconstructor,
  createTransverseReconstructor,
  reconstructorConfig,
  type ClassifierKind,
  type EventClassifier,
} from '../src/reconstruction/index.js';
import { generateEvent } from '../src/sim/index.js';

const { values } = parseArgs({
  options: {
    variant: { type: 'string', multiple: true, default: ['models/default:gbt'] },
    events: { type: 'string', default: '1280' },
    passes: { type: 'string', default: '5' },
    spectrum: { type: 'string' },
    out: { type: 'string' },
  },
});
const cfg = loadConfig([]);
const sim =
  values.spectrum === undefined
    ? cfg.simulation
    : { ...cfg.simulation, signalSpectrum: values.spectrum as 'flat' };
const g = cfg.detector;
const rng = new Rng(7);
const events: HitFrame[] = [];
let hitSum = 0;
for (let i = 0; i < Number(values.events); i++) {
  const ev = generateEvent(g, sim, 'signal', rng);
  hitSum += ev.hits.station.length;
  events.push({ runId: 'cost', eventId: String(i), timestampNs: BigInt(i), hits: ev.hits });
}
const fresh = (f: HitFrame): HitFrame => ({
  ...f,
  hits: {
    station: f.hits.station.slice(),
    ix: f.hits.ix.slice(),
    iy: f.hits.iy.slice(),
    count: f.hits.count.slice(),
  },
});
const cnn = await loadCnnModel(resolveModelDir(cfg.reconstruction.modelDir), g, cfg.reconstruction.backend);
const rc = reconstructorConfig(cfg.reconstruction);
const ALONE_REPS = 11;
const classifiers: EventClassifier[] = [];
const variants: { name: string; reco: ReturnType<typeof createReconstructor> }[] = [
  { name: 'reconstruction without classifier', reco: createReconstructor(g, cnn, rc) },
];
for (const v of values.variant!) {
  const [dir, kind] = v.split(':') as [string, ClassifierKind];
  const clf = await loadEventClassifier(dir, kind, undefined);
  if (clf === undefined) throw new Error(`${dir}: no classifier.json`);
  classifiers.push(clf);
  const reco = createReconstructor(g, cnn, rc, { classify: (row: Float64Array) => clf.classify(row) });
  variants.push({ name: `+ ${kind} of ${dir}`, reco });
}
const b = cfg.reconstruction.batchSize;
const nb = Math.floor(events.length / b);
const passes = Number(values.passes);
// diff[v] = per (pass, batch): CPU µs per event of variant v minus the one without, same batch, back to back
const base: number[] = [];
const diff = variants.map(() => [] as number[]);
for (const v of variants)
  for (let k = 0; k < 2; k++) await v.reco.reconstruct(events.slice(k * b, (k + 1) * b));
for (let pass = 0; pass < passes; pass++) {
  for (let k = 0; k < nb; k++) {
    const us = variants.map(() => 0);
    for (let j = 0; j < variants.length; j++) {
      const i = (j + k + pass) % variants.length;
      const chunk = events.slice(k * b, (k + 1) * b).map(fresh);
      const t0 = process.cpuUsage();
      await variants[i]!.reco.reconstruct(chunk);
      const t = process.cpuUsage(t0);
      us[i] = (t.user + t.system) / b;
    }
    base.push(us[0]!);
    us.forEach((u, i) => diff[i]!.push(u - us[0]!));
  }
  process.stderr.write(`pass ${pass + 1}/${passes}\n`);
}
const sorted = (a: number[]): number[] => [...a].sort((u, v) => u - v);
const median = (a: number[]): number => sorted(a)[Math.floor(a.length / 2)]!;
/** 95 % interval of the median from the order statistics (binomial, normal approximation). */
const medianCi = (a: number[]): [number, number] => {
  const s = sorted(a);
  const h = 0.98 * Math.sqrt(s.length);
  return [
    s[Math.max(0, Math.floor(s.length / 2 - h))]!,
    s[Math.min(s.length - 1, Math.ceil(s.length / 2 + h))]!,
  ];
};
const alone = classifierAlone();
cnn.dispose();
const m0 = median(base);
const pct = (x: number): string => `${((100 * x) / m0).toFixed(1)} %`;
const lines = [
  `${nb * b} signal events (${values.spectrum ?? sim.signalSpectrum} spectrum, seed 7, ${(hitSum / events.length).toFixed(0)} hits/event), batches of ${b}, ${passes} passes (${passes * nb} batches per variant, each variant's batch run back to back with the others, order rotating); node ${process.version}`,
  '',
  `Reconstruction without classifier: median ${m0.toFixed(1)} CPU µs/event.`,
  '',
  `| variant | added CPU µs/event, median of the per-batch differences [95 % interval of the median] | added / reconstruction | features + classify alone, CPU µs/event (median of ${ALONE_REPS}) |`,
  `|---|---|---|---|`,
];
variants.forEach((v, i) => {
  if (i === 0) return;
  const [lo, hi] = medianCi(diff[i]!);
  const d = median(diff[i]!);
  lines.push(
    `| ${v.name} | ${d.toFixed(1)} [${lo.toFixed(1)}, ${hi.toFixed(1)}] | ${pct(d)} [${pct(lo)}, ${pct(hi)}] | ${alone[i - 1]!.toFixed(2)} |`,
  );
});
const md = `${lines.join('\n')}\n`;
process.stdout.write(md);
if (values.out !== undefined) writeFileSync(values.out, md);

/** The classifier's own work per reconstructed event (features + classify), each variant in turn, medians. */
function classifierAlone(): number[] {
  const tt = createTransverseReconstructor(g, rc.transverse);
  const prepared = events
    .map((f) => ({ h: f.hits, r: tt.reconstruct(f.hits) }))
    .filter((x) => x.r.track !== undefined);
  const row = new Float64Array(classifierFeatureCount(g.nStations));
  const runs = classifiers.map(() => [] as number[]);
  for (let rep = 0; rep < ALONE_REPS; rep++)
    classifiers.forEach((clf, ci) => {
      const t0 = process.cpuUsage();
      for (const { h, r } of prepared) {
        const reco = { energyGeV: 10, dCm: -3, xCm: 0, yCm: 0, nHits: h.station.length };
        classifierFeatures(h, g, reco, r.track!, r.clustersPerStation, row);
        clf.classify(row);
      }
      const t = process.cpuUsage(t0);
      runs[ci]!.push((t.user + t.system) / prepared.length);
    });
  return runs.map(median);
}
