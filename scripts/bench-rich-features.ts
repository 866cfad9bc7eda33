/**
 * What the rich features would cost the trigger: the time to compute them per event beside the full
 * reconstruction (shipped CNN, batch 64) on the same pre-generated events, alternated `rounds` times
 * (the machine may be shared: interleaving keeps both rows under the same load).
 * usage: node --import tsx scripts/bench-rich-features.ts [EVENTS=2000] [ROUNDS=3] [MODEL=models/default]
 */
import { loadCnnModel } from '../src/app/index.js';
import { loadConfig } from '../src/config-file/index.js';
import { Rng } from '../src/domain/index.js';
import { createReconstructor, featureMatrix, reconstructorConfig } from '../src/reconstruction/index.js';
import { generateEvent } from '../src/sim/index.js';

const [nArg, roundsArg, modelDir] = process.argv.slice(2);
const n = Number(nArg ?? 2000);
const rounds = Number(roundsArg ?? 3);
const cfg = loadConfig([], {}, { simulation: { signalSpectrum: 'flat' } });
const g = cfg.detector;
const rng = new Rng(7);
const events = Array.from({ length: n }, () => generateEvent(g, cfg.simulation, 'signal', rng));
const model = await loadCnnModel(modelDir ?? 'models/default', g, 'tensorflow');
const reco = createReconstructor(g, model, reconstructorConfig(cfg.reconstruction));
const frames = events.map((e, i) => ({
  runId: 'b',
  eventId: String(i),
  timestampNs: 0n,
  hits: e.hits,
  truth: e.truth,
}));
const timeReco = async (): Promise<number> => {
  const t = performance.now();
  for (let a = 0; a < n; a += 64) await reco.reconstruct(frames.slice(a, a + 64));
  return (performance.now() - t) / n;
};
const timeRich = (): number => {
  const t = performance.now();
  // fresh Hits objects so that the per-Hits station index is not served from the memo
  featureMatrix(
    'rich',
    events.map((e) => ({ ...e.hits })),
    g,
  );
  return (performance.now() - t) / n;
};
await timeReco();
for (let r = 0; r < rounds; r++) {
  const ms = await timeReco();
  const rich = timeRich();
  process.stdout.write(
    `round ${r + 1}: full reconstruction ${ms.toFixed(3)} ms/event (${(1000 / ms).toFixed(0)} /s); rich features alone ${rich.toFixed(3)} ms/event (${((100 * rich) / ms).toFixed(0)} % of it)\n`,
  );
}
model.dispose();
