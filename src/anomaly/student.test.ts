import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng, type Hits } from '../domain/index.js';
import type { ImageSpec } from './image.js';
import {
  createStudentScorer,
  predictStudent,
  studentFeatureMatrix,
  trainStudent,
  STUDENT_FEATURES_PER_STATION as F,
} from './student.js';
import { calibrateThreshold } from './calibration.js';
import { fitNovelty, noveltyScore } from './novelty.js';

const spec: ImageSpec = { binPx: 30, binsX: 10, binsY: 8, width: 12, height: 8, channels: 3, adcPerMip: 64 };

/** n hits per station k (n[k]) of amplitude 64 at random pixels. */
function event(rng: Rng, n: readonly number[]): Hits {
  const total = n.reduce((a, b) => a + b, 0);
  const h = {
    station: new Uint8Array(total),
    ix: new Int32Array(total),
    iy: new Int32Array(total),
    count: new Int32Array(total),
  };
  let i = 0;
  n.forEach((m, k) => {
    for (let j = 0; j < m; j++, i++) {
      h.station[i] = k;
      h.ix[i] = rng.int(300);
      h.iy[i] = rng.int(240);
      h.count[i] = 64;
    }
  });
  return h;
}

describe('anomaly student (boosted trees on station summaries)', () => {
  it('features: hits, ln(1 + ADC/MIP) and occupied bins per station; the scratch is left clean', () => {
    const x = studentFeatureMatrix(spec, [event(new Rng(1), [3, 0, 5]), event(new Rng(2), [0, 1, 0])]);
    const p = 3 * F;
    assert.deepEqual([x[0], x[F], x[2 * F], x[p], x[p + F]], [3, 0, 5, 0, 1]);
    assert.ok(Math.abs(x[1]! - Math.log1p(3)) < 1e-12);
    assert.ok(x[2]! >= 1 && x[2]! <= 3);
  });

  it('station-local forests learn each station term; a change in one station moves only its term', () => {
    const rng = new Rng(3);
    const n = 600;
    const hits = Array.from({ length: n }, () => event(rng, [rng.int(40), rng.int(40), rng.int(40)]));
    const x = studentFeatureMatrix(spec, hits);
    // Teacher stand-in: station k's term grows with its own hit count.
    const terms = Float64Array.from(
      { length: n * 3 },
      (_, j) => hits[Math.floor(j / 3)]!.station.filter((s) => s === j % 3).length / 40,
    );
    const m = trainStudent(spec, x, terms, n, 'max');
    const pred = predictStudent(m, x, n);
    let err = 0;
    for (let j = 0; j < n * 3; j++) err += (pred.perStation[j]! - terms[j]!) ** 2;
    assert.ok(Math.sqrt(err / (n * 3)) < 0.05, `rms ${Math.sqrt(err / (n * 3))}`);
    const cal = calibrateThreshold(pred.total, 1, 100, { values: pred.perStation, channels: 3 });
    const scorer = createStudentScorer({ ...m, calibration: cal });
    const base = event(new Rng(9), [10, 10, 10]);
    const extra = event(new Rng(10), [0, 29, 0]);
    const join = <K extends keyof Hits>(key: K): Hits[K] => {
      const out = new (base[key].constructor as new (n: number) => Hits[K])(
        base[key].length + extra[key].length,
      );
      out.set(base[key] as never);
      out.set(extra[key] as never, base[key].length);
      return out;
    };
    const noisy: Hits = { station: join('station'), ix: join('ix'), iy: join('iy'), count: join('count') };
    const a = scorer.score([base, noisy]);
    assert.equal(a.perStation[0], a.perStation[3]);
    assert.equal(a.perStation[2], a.perStation[5]);
    assert.ok(a.perStation[4]! > a.perStation[1]! + 0.3);
    assert.equal(scorer.reference.threshold, cal.threshold);
  });

  it('novelty term: the Cholesky form gives the squared Mahalanobis distance of the full product', () => {
    const rng = new Rng(21);
    const p = 6;
    const n = 400;
    const x = Float64Array.from(
      { length: n * p },
      (_, j) => rng.normal() * (1 + (j % p)) + (j % 3) * rng.normal(),
    );
    const m = fitNovelty(x, n, p);
    const z = new Float64Array(p);
    for (let i = 0; i < 50; i++) {
      const sq = (v: number): number => Math.sign(v) * Math.log1p(Math.abs(v));
      const zs = Array.from({ length: p }, (_, j) => (sq(x[i * p + j]!) - m.mean[j]!) / m.sd[j]!);
      let want = 0;
      for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) want += zs[a]! * m.inverse[a * p + b]! * zs[b]!;
      const got = noveltyScore(m, x, i * p, z);
      assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, want), `row ${i}: ${got} vs ${want}`);
    }
  });

  it('novelty term: flags a combination no ordinary event had (a late shower), where the regression cannot', () => {
    const rng = new Rng(4);
    const n = 800;
    // Ordinary: every station sees the same shower size; the teacher's term follows the size.
    const sizes = Array.from({ length: n }, () => 2 + rng.int(38));
    const x = studentFeatureMatrix(
      spec,
      sizes.map((m) => event(rng, [m, m, m])),
    );
    const totals = Float64Array.from(sizes, (m) => m / 40);
    const terms = Float64Array.from({ length: 3 * n }, (_, j) => totals[Math.floor(j / 3)]!);
    const regression = trainStudent(spec, x, terms, n, 'max', totals);
    const novelty = fitNovelty(x, n, 3 * F);
    const raw = predictStudent({ ...regression, novelty, scales: { regression: 1, novelty: 1 } }, x, n);
    const at = (v: Float64Array): number => calibrateThreshold(v, 1, 100).threshold;
    const m = {
      ...regression,
      novelty,
      scales: { regression: at(raw.regression), novelty: at(raw.novelty!) },
    };
    const ordinary = predictStudent(m, x, n);
    const thr = at(ordinary.total);
    const regThr = at(ordinary.regression);
    // A late shower: the last station alone, with a size ordinary events have.
    const late = predictStudent(m, studentFeatureMatrix(spec, [event(new Rng(5), [0, 0, 30])]), 1);
    assert.ok(late.total[0]! > thr, `combined ${late.total[0]} vs threshold ${thr}`);
    assert.ok(late.regression[0]! <= regThr, `regression ${late.regression[0]} vs its threshold ${regThr}`);
  });
});
