/**
 * The energy calibration's bias per true energy, old fit against new, on the same CNN weights.
 * Runs the model WITHOUT its stored calibration, through the reconstruction (only the events it accepts), on (1) a calibration sample drawn as the shipped one
 * was (flat spectrum, the configured energy range, `--calibration-seed`) and (2) a test sample dense
 * at low energy (E uniform in `--test-range`, its own seed; the mean of ΔE/E at a given true energy
 * does not depend on how the true energies are drawn), fits the calibration with each option set,
 * and prints the mean ΔE/E ± its standard error per true-energy bin of the test sample.
 * Writes OUT/raw-{calibration,test}.csv (e_true, e_raw) so fits can be redone without the network, and
 * OUT/fixture.csv: the test rows at E ≥ 2 GeV to 5 digits (test/fixtures/cnn-raw-energy-2-12gev.csv,
 * what the shipped calibration's bias test scores).
 *
 * usage: node --import tsx scripts/compare-estimators-calibration.ts [--model models/default] [--out DIR]
 *          [--calibration-events 30000] [--calibration-seed 1002] [--test-events 20000] [--test-seed 77]
 *          [--test-range 1,12] [--previous OTHER/model.json (a second stored calibration to score)]
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCnnModel } from '../src/app/index.js';
import { loadConfig } from '../src/config-file/index.js';
import { Rng } from '../src/domain/index.js';
import {
  calibrateEnergy,
  createReconstructor,
  reconstructorConfig,
  fitEnergyCalibration,
  type CalibrationFitOptions,
  type EnergyCalibration,
  type EnergyVertexModel,
} from '../src/reconstruction/index.js';
import { generateEvent } from '../src/sim/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/default' },
    out: { type: 'string', default: 'out/calibration-bias' },
    'calibration-events': { type: 'string', default: '30000' },
    'calibration-seed': { type: 'string', default: '1002' },
    'test-events': { type: 'string', default: '20000' },
    'test-seed': { type: 'string', default: '77' },
    'test-range': { type: 'string', default: '1,12' },
    previous: { type: 'string' },
  },
});
const out = values.out!;
mkdirSync(out, { recursive: true });
const say = (m: string): void => void process.stderr.write(`[calibration] ${m}\n`);

/** (e_true, e_raw) of the accepted events among n fresh signal events, from the file if an earlier run wrote it. */
async function rawSample(
  name: string,
  model: () => Promise<EnergyVertexModel>,
  n: number,
  seed: number,
  range?: [number, number],
): Promise<{ eTrue: Float64Array; eRaw: Float64Array }> {
  const file = join(out, `raw-${name}-${n}-${seed}-${range?.join('-') ?? 'default'}.csv`);
  if (existsSync(file)) {
    const v = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((r) => r.split(',').map(Number));
    return { eTrue: Float64Array.from(v, (r) => r[0]!), eRaw: Float64Array.from(v, (r) => r[1]!) };
  }
  const cfg = loadConfig(
    [],
    {},
    { simulation: { signalSpectrum: 'flat', ...(range && { energyRangeGeV: range }) } },
  );
  // Through the reconstruction, as at run time: only the events it accepts.
  const reco = createReconstructor(cfg.detector, await model(), reconstructorConfig(cfg.reconstruction));
  const rng = new Rng(seed);
  const eTrue: number[] = [];
  const eRaw: number[] = [];
  for (let i = 0; i < n; i += 256) {
    const evs = Array.from({ length: Math.min(256, n - i) }, () =>
      generateEvent(cfg.detector, cfg.simulation, 'signal', rng),
    );
    const r = await reco.reconstruct(
      evs.map((e, k) => ({ runId: 'c', eventId: String(i + k), timestampNs: 0n, hits: e.hits })),
    );
    r.forEach((e, k) => {
      if (e.status !== 'ok') return;
      eTrue.push(evs[k]!.truth.energyGeV);
      eRaw.push(e.energyGeV);
    });
    if (i % 5120 === 0) say(`${name} ${i + evs.length}/${n}, accepted ${eTrue.length}`);
  }
  const lines = ['e_true,e_raw', ...eTrue.map((t, i) => `${t.toPrecision(9)},${eRaw[i]!.toPrecision(9)}`)];
  writeFileSync(file, lines.join('\n') + '\n');
  return { eTrue: Float64Array.from(eTrue), eRaw: Float64Array.from(eRaw) };
}

// The model without its stored calibration: a copy whose metadata drops it.
let raw: EnergyVertexModel | undefined;
const rawModel = async (): Promise<EnergyVertexModel> => {
  if (raw !== undefined) return raw;
  const dir = join(out, 'model-uncalibrated');
  cpSync(values.model!, dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  delete json.userDefinedMetadata.showertrig.energyCalibration;
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  raw = await loadCnnModel(dir, loadConfig([], {}, {}).detector, 'tensorflow');
  return raw;
};

const cal = await rawSample(
  'calibration',
  rawModel,
  Number(values['calibration-events']),
  Number(values['calibration-seed']),
);
const range = values['test-range']!.split(',').map(Number) as [number, number];
const test = await rawSample(
  'test',
  rawModel,
  Number(values['test-events']),
  Number(values['test-seed']),
  range,
);
raw?.dispose();
writeFileSync(
  join(out, 'fixture.csv'),
  [
    'e_true,e_raw',
    ...Array.from(test.eTrue.keys())
      .filter((i) => test.eTrue[i]! >= 2)
      .map((i) => `${test.eTrue[i]!.toPrecision(5)},${test.eRaw[i]!.toPrecision(5)}`),
  ].join('\n') + '\n',
);

// Refits on the accepted calibration events: the defaults, and variants.
const fits: Record<string, CalibrationFitOptions> = {
  'refit on the accepted events': {},
  'refit, 48 bins': { nBins: 48 },
};
const edges = [1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 8, 10, 12, 20, 30, 50, 70, 90, 100].filter(
  (e) => e >= range[0] && e <= range[1],
);
const storedIn = (file: string): EnergyCalibration =>
  JSON.parse(readFileSync(file, 'utf8')).userDefinedMetadata.showertrig
    .energyCalibration as EnergyCalibration;
const columns: [string, EnergyCalibration][] = [
  ['stored in the model', storedIn(join(values.model!, 'model.json'))],
  ...(values.previous === undefined
    ? []
    : [[`stored in ${values.previous}`, storedIn(values.previous)] as [string, EnergyCalibration]]),
  ...Object.entries(fits).map(
    ([k, o]) => [k, fitEnergyCalibration(cal.eTrue, cal.eRaw, o)] as [string, EnergyCalibration],
  ),
];
const header = ['E bin (GeV)', 'events', ...columns.map(([k]) => k)];
const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
const calibrated = columns.map(([, c]) => Float64Array.from(test.eRaw, (e) => calibrateEnergy(c, e)));
for (let b = 0; b + 1 < edges.length; b++) {
  const sel = Array.from(test.eTrue.keys()).filter(
    (i) => test.eTrue[i]! >= edges[b]! && test.eTrue[i]! < edges[b + 1]!,
  );
  const cells = calibrated.map((e) => {
    const r = sel.map((i) => e[i]! / test.eTrue[i]! - 1);
    const mean = r.reduce((a, v) => a + v, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, v) => a + (v - mean) ** 2, 0) / (r.length - 1));
    return `${mean >= 0 ? '+' : ''}${mean.toFixed(3)} ± ${(sd / Math.sqrt(r.length)).toFixed(3)}`;
  });
  lines.push(`| ${edges[b]}–${edges[b + 1]} | ${sel.length} | ${cells.join(' | ')} |`);
}
console.log(lines.join('\n'));
