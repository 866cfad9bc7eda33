import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_GEOMETRY, Rng, xCmToPixel, yCmToPixel, type Hits } from '../../domain/index.js';
import { stationCombinedOrigin } from './origin.js';
import { robustCentreTrack, robustLineTrack } from './robust.js';

const g = DEFAULT_GEOMETRY;

/** Per station: n hits of amplitude 60 in a Gaussian of σ cm around x0 + slope·(z − d), plus far noise hits. */
function shower(
  x0: number,
  slope: number,
  d: number,
  perStation: readonly number[],
  rng: Rng,
  noise = 3,
  spreadCm: readonly number[] = [0.15, 0.15, 0.15],
): Hits {
  const st: number[] = [],
    ix: number[] = [],
    iy: number[] = [],
    c: number[] = [];
  perStation.forEach((n, s) => {
    const cx = x0 + slope * (s * g.stationPitchCm - d);
    for (let k = 0; k < n; k++) {
      st.push(s);
      ix.push(xCmToPixel(g, cx + spreadCm[s]! * rng.normal()));
      iy.push(yCmToPixel(g, spreadCm[s]! * rng.normal()));
      c.push(60);
    }
    for (let k = 0; k < noise; k++) {
      st.push(s);
      ix.push(xCmToPixel(g, cx + 3 + 5 * rng.uniform()));
      iy.push(yCmToPixel(g, 5));
      c.push(400);
    }
  });
  return {
    station: Uint8Array.from(st),
    ix: Int32Array.from(ix),
    iy: Int32Array.from(iy),
    count: Int32Array.from(c),
  };
}

test('the robust centre ignores strong noise hits that pull the plain weighted mean', () => {
  const h = shower(2, 0, -3, [400, 100, 10], new Rng(1));
  const t = robustCentreTrack(h, g)!;
  assert.ok(Math.abs(t.x0Cm - 2) < 0.03, `robust x ${t.x0Cm}`);
  assert.ok(Math.abs(t.y0Cm) < 0.03, `robust y ${t.y0Cm}`);
  assert.equal(t.points[0]!.station, 0);
});

test('the robust line follows a slope back to the vertex', () => {
  const slope = 0.02;
  const h = shower(1, slope, -4, [400, 400, 400], new Rng(2));
  const line = robustLineTrack(h, g)!;
  assert.ok(Math.abs(line.slopeX - slope) < 0.002, `slope ${line.slopeX}`);
  assert.ok(Math.abs(line.x0Cm + line.slopeX * -4 - 1) < 0.03);
});

test('the station-combined origin trusts the station right behind a shallow vertex more than the busiest one', () => {
  // Vertex 0.2 cm before plane 0: station 0 holds the primary electron's single pixel 20 µm from
  // the origin, station 1 the busy shower 13.2 cm further on, drifted by slope·13.2 cm = 0.13 cm.
  const rng = new Rng(3);
  const slope = 0.01;
  const h = shower(0.5, slope, -0.2, [1, 600, 50], rng, 0, [0, 0.15, 0.3]);
  const seed = { xCm: 0.5 + slope * 13.2, yCm: 0 };
  const o = stationCombinedOrigin(h, g, seed, 1, -0.2)!;
  assert.ok(Math.abs(o.xCm - 0.5) < 0.04, `combined ${o.xCm}, busiest station ${seed.xCm}`);
  assert.equal(
    stationCombinedOrigin(h, g, { xCm: 30, yCm: 30 }, 10, -1),
    undefined,
    'no signal around the seed',
  );
});
