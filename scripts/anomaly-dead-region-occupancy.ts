/**
 * Can a dead region be seen, and how fast? Per event it removes little light (most events put no hit
 * in it); over time it removes every hit, dark pulses included. For ordinary events of the configured
 * mix and dead-region instances drawn as the simulator draws them, this prints the mean number of hits
 * per event that fall inside the dead rectangle (what a per-zone occupancy monitor would miss), the
 * fraction of events with none, and the time at the configured rate until the expected count in the
 * rectangle reaches 14 (a zero count then has Poisson probability e^-14 < 1e-6).
 *
 * usage: node --import tsx scripts/anomaly-dead-region-occupancy.ts [events=2000] [instances=500]
 */
import { loadConfig } from '../src/config-file/index.js';
import { Rng } from '../src/domain/index.js';
import { createExoticGenerator, drawFault, totalRateHz } from '../src/sim/index.js';

const nEvents = Number(process.argv[2] ?? 2000);
const nFaults = Number(process.argv[3] ?? 500);
const cfg = loadConfig([undefined], {});
const g = cfg.detector;
const gen = createExoticGenerator(g, cfg.simulation);
const rng = new Rng(4_400_001);
const events = Array.from({ length: nEvents }, () => gen.ordinary(rng.fork()).hits);
const faults = Array.from({ length: nFaults }, () => drawFault(g, 'dead-region', rng.fork()));
const rate = totalRateHz(cfg.simulation, Infinity);
const perEvent: number[] = [];
let eventsWithNone = 0;
for (const f of faults) {
  let inside = 0;
  for (const h of events) {
    let k = 0;
    for (let i = 0; i < h.station.length; i++)
      if (
        h.station[i] === f.station &&
        h.ix[i]! >= f.x0 &&
        h.ix[i]! < f.x1 &&
        h.iy[i]! >= f.y0 &&
        h.iy[i]! < f.y1
      )
        k++;
    inside += k;
    if (k === 0) eventsWithNone++;
  }
  perEvent.push(inside / nEvents);
}
perEvent.sort((a, b) => a - b);
const q = (p: number): number => perEvent[Math.floor(p * (perEvent.length - 1))]!;
const secondsTo14 = (m: number): number => 14 / (m * rate);
process.stdout.write(
  `${JSON.stringify({
    events: nEvents,
    instances: nFaults,
    rateHz: rate,
    hitsInsidePerEvent: { min: q(0), median: q(0.5), max: q(1) },
    eventsWithNoHitInside: eventsWithNone / (nEvents * nFaults),
    secondsToExpect14Hits: { worstInstance: secondsTo14(q(0)), median: secondsTo14(q(0.5)) },
  })}\n`,
);
