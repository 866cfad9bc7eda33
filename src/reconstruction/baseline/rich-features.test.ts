import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_GEOMETRY, type Hits } from '../../domain/index.js';
import { featureCount, featuresOf, featureSetNames, DEFAULT_MOMENT_FEATURES } from './features.js';
import { richFeatureCount, richFeatureNames, richFeatures } from './rich-features.js';

const g = DEFAULT_GEOMETRY; // 0.5 mm pixels, 3 stations

/** A core pixel of 500 ADC, four of 100 ADC 1 mm (2 px) away, one of 10 ADC 20 cm away; shifted by dx px. */
function station(s: number, dx: number): [number, number, number, number][] {
  const c = 1000 + dx;
  return [
    [s, c, 1000, 500],
    [s, c + 2, 1000, 100],
    [s, c - 2, 1000, 100],
    [s, c, 1002, 100],
    [s, c, 998, 100],
    [s, c + 400, 1000, 10],
  ];
}

function hitsOf(rows: [number, number, number, number][]): Hits {
  return {
    station: Uint8Array.from(rows, (r) => r[0]),
    ix: Int32Array.from(rows, (r) => r[1]),
    iy: Int32Array.from(rows, (r) => r[2]),
    count: Int32Array.from(rows, (r) => r[3]),
  };
}

test('rich features of a hand-built frame: rings, thresholds, core radius and station displacement', () => {
  const names = richFeatureNames(g.nStations);
  assert.equal(names.length, richFeatureCount(g.nStations));
  assert.equal(new Set(names).size, names.length, 'names are unique');
  const out = new Float64Array(names.length);
  richFeatures(hitsOf([...station(0, 0), ...station(1, 4)]), g, out);
  const f = (name: string): number => {
    const i = names.indexOf(name);
    assert.ok(i >= 0, `feature ${name} exists`);
    return out[i]!;
  };
  const near = (a: number, b: number, what: string): void =>
    assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);
  for (const s of [0, 1]) {
    // core pixel in the innermost ring, the 1 mm pixels in the 1–1.5 mm ring, the stray hit beyond 8 cm
    near(f(`s${s}_ring_0mm_0.5mm_log1p_adc`), Math.log1p(500), 'core ring');
    near(f(`s${s}_ring_0.5mm_1mm_log1p_adc`), 0, 'empty ring');
    near(f(`s${s}_ring_1mm_1.5mm_log1p_adc`), Math.log1p(400), '1 mm ring');
    near(f(`s${s}_ring2_log1p_hits`), Math.log1p(4), '1 mm ring hits');
    near(f(`s${s}_ring_80mm_inf_log1p_adc`), Math.log1p(10), 'beyond 8 cm');
    // amplitude-weighted radius within 2 mm: (500·0 + 400·0.1 cm) / 900
    near(f(`s${s}_mean_r_within_2mm_cm`), 40 / 900, 'core radius');
    near(f(`s${s}_rms_r_within_2mm_cm`), Math.sqrt(4 / 900), 'core rms radius');
    near(f(`s${s}_adc_fraction_within_1mm`), 500 / 900, 'fraction inside 1 mm');
    near(f(`s${s}_hits_ge8_log1p`), Math.log1p(6), 'hits ≥ 8 ADC');
    near(f(`s${s}_hits_ge64_log1p`), Math.log1p(5), 'hits ≥ 64 ADC');
    near(f(`s${s}_adc_ge128_log1p`), Math.log1p(500), 'ADC of hits ≥ 128');
    near(f(`s${s}_hits_ge512_log1p`), 0, 'none ≥ 512');
    near(f(`s${s}_log1p_max_adc`), Math.log1p(500), 'max');
  }
  near(f('s1_over_s0_dx_cm'), 4 * 0.05, 'station 1 displaced by 4 px');
  near(f('s1_over_s0_dy_cm'), 0, 'no y displacement');
  near(f('s1_over_s0_log_adc_ratio'), 0, 'equal amplitude');
  // station 2 has no hits: its features and the pairs with it are zero
  for (const name of [
    's2_ring_0mm_0.5mm_log1p_adc',
    's2_mean_r_within_4mm_cm',
    's2_over_s1_dx_cm',
    's2_over_s0_log_adc_ratio',
  ])
    near(f(name), 0, name);
});

test("the 'rich' set extends 'moments+signal' column for column; a wider core has a larger core radius", () => {
  const h = hitsOf([...station(0, 0), ...station(1, 0), ...station(2, 0)]);
  const pSig = featureCount('moments+signal', g.nStations);
  const pRich = featureCount('rich', g.nStations);
  assert.equal(pRich, pSig + richFeatureCount(g.nStations));
  assert.equal(featureSetNames('rich', g.nStations).length, pRich);
  const sig = new Float64Array(pSig);
  const rich = new Float64Array(pRich);
  featuresOf('moments+signal', h, g, DEFAULT_MOMENT_FEATURES, sig);
  featuresOf('rich', h, g, DEFAULT_MOMENT_FEATURES, rich);
  assert.deepEqual(Array.from(rich.subarray(0, pSig)), Array.from(sig));
  // the same amplitudes 2 mm (4 px) from the core instead of 1 mm: the core radius doubles
  const wide = hitsOf(
    station(0, 0).map(([s, x, y, c]) => [s, 1000 + 2 * (x - 1000), 1000 + 2 * (y - 1000), c]),
  );
  const names = richFeatureNames(g.nStations);
  const a = new Float64Array(names.length);
  const b = new Float64Array(names.length);
  richFeatures(h, g, a);
  richFeatures(wide, g, b);
  const i = names.indexOf('s0_mean_r_within_4mm_cm');
  assert.ok(Math.abs(b[i]! / a[i]! - 2) < 1e-9, `core radius ${a[i]} → ${b[i]}`);
});
