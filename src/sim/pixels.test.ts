import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../domain/index.js';
import { PixelAccumulator, WINDOW } from './pixels.js';

test('pixels inside and outside the window merge into one sorted hit per pixel with summed counts', () => {
  const nx = 1800;
  const ny = 1500;
  const acc = new PixelAccumulator(nx, ny, 16);
  const rng = new Rng(13);
  for (let ev = 0; ev < 20; ev++) {
    const want = new Map<number, number>();
    for (let st = 0; st < 3; st++) {
      const cx = rng.int(nx);
      const cy = rng.int(ny);
      acc.placeWindow(cx, cy);
      for (let i = 0; i < 3000; i++) {
        // Half near the window centre, half anywhere (including the window edges and the plane edges).
        const near = rng.uniform() < 0.5;
        const ix = near ? cx + rng.int(WINDOW + 8) - (WINDOW >> 1) - 4 : rng.int(nx + 10) - 5;
        const iy = near ? cy + rng.int(WINDOW + 8) - (WINDOW >> 1) - 4 : rng.int(ny + 10) - 5;
        const c = 1 + rng.int(2);
        acc.addXY(ix, iy, c);
        if (ix >= 0 && ix < nx && iy >= 0 && iy < ny) {
          const key = st * nx * ny + iy * nx + ix;
          want.set(key, (want.get(key) ?? 0) + c);
        }
      }
      acc.flushStation(st);
    }
    const h = acc.takeHits();
    const keys = [...want.keys()].sort((a, b) => a - b);
    assert.equal(h.count.length, keys.length);
    keys.forEach((k, i) => {
      assert.equal(h.station[i]! * nx * ny + h.iy[i]! * nx + h.ix[i]!, k);
      assert.equal(h.count[i], want.get(k));
    });
  }
});

test('dead pixels are dropped at flush and the accumulator is clean for the next event', () => {
  const acc = new PixelAccumulator(100, 100);
  acc.placeWindow(50, 50);
  acc.addXY(10, 10, 1);
  acc.addXY(50, 50, 2);
  acc.addXY(99, 99, 1);
  acc.flushStation(0, (_s, key) => key === 50 * 100 + 50);
  const h = acc.takeHits();
  assert.deepEqual([...h.ix], [10, 99]);
  acc.flushStation(0);
  assert.equal(acc.takeHits().count.length, 0);
});

test('the window stays put once it holds particles, so a late placement cannot misfile them', () => {
  const acc = new PixelAccumulator(1000, 1000);
  acc.placeWindow(100, 100);
  acc.flushStation(0); // empty flush: the window may move again in the next station
  acc.addXY(70, 70, 3); // lands in the window left at (100, 100)
  acc.placeWindow(800, 800); // must be ignored
  acc.addXY(800, 800, 1);
  acc.flushStation(1);
  const h = acc.takeHits();
  assert.deepEqual([...h.ix], [70, 800]);
  assert.deepEqual([...h.iy], [70, 800]);
  assert.deepEqual([...h.count], [3, 1]);
});
