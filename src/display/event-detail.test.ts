import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../config/index.js';
import type { Candidate } from '../domain/index.js';
import { createReconstructor, reconstructorConfig } from '../reconstruction/index.js';
import { createSimulator } from '../sim/index.js';
import { tableModel } from '../../test/helpers/truth-model.js';
import { candidateDetail, candidateSummary } from './event-detail.js';

test('the event detail redraws the reconstruction: hits per station, DBSCAN clusters, the chosen ones, axis and vertex', async () => {
  const cfg = parseConfig({
    simulation: { seed: 7, ratesHz: { signal: 10, neutrino: 0, muon: 0, noise: 0 } },
  });
  const sim = createSimulator(cfg.detector, cfg.simulation, 'detail');
  const frames = Array.from({ length: 20 }, () => sim.next());
  const truth = new Map(frames.map((f) => [f.hits, { e: f.truth!.energyGeV, d: f.truth!.dCm }]));
  const rc = reconstructorConfig(cfg.reconstruction);
  const reco = await createReconstructor(cfg.detector, tableModel(truth), rc).reconstruct(frames);
  let checked = 0;
  reco.forEach((event, i) => {
    if (event.status !== 'ok') return;
    const c: Candidate = { event, selected: true, reasons: ['energy: pass'] };
    const d = candidateDetail(c, frames[i]!, {
      geometry: cfg.detector,
      transverse: rc.transverse,
      maxHitsPerStation: 50,
    });
    // The vertex is the one the reconstruction published (same clustering, same track).
    assert.ok(
      Math.abs(d.vertex.xCm - event.xCm) < 1e-9 && Math.abs(d.vertex.yCm - event.yCm) < 1e-9,
      `${event.eventId}: vertex ${d.vertex.xCm},${d.vertex.yCm} vs ${event.xCm},${event.yCm}`,
    );
    assert.equal(d.vertex.zCm, event.dCm);
    assert.equal(d.stations.filter((s) => s.clusters.some((x) => x.chosen)).length, event.stationsUsed);
    for (const s of d.stations) {
      assert.equal(s.zCm, s.station * cfg.detector.stationPitchCm);
      assert.ok(s.hits.xCm.length <= 50 && s.hits.xCm.length === Math.min(50, s.hitsTotal));
      for (let k = 1; k < s.clusters.length; k++)
        assert.ok(s.clusters[k - 1]!.sumCount >= s.clusters[k]!.sumCount, 'largest cluster first');
      assert.ok(s.hits.cluster.every((r) => r >= -1 && r < s.clusters.length));
      assert.ok(
        s.hits.count.every((n, k) => k === 0 || n <= s.hits.count[k - 1]!),
        'strongest hits first',
      );
    }
    assert.equal(
      d.stations.reduce((n, s) => n + s.hitsTotal, 0),
      event.nHits,
    );
    checked++;
  });
  assert.ok(checked >= 15, `${checked} events checked`);
});

test('the candidate summary carries the classifier probabilities when the event has them', () => {
  const event = {
    runId: 'r',
    eventId: 'e',
    timestampNs: 1n,
    status: 'ok' as const,
    nHits: 3,
    energyGeV: 9,
    dCm: -2,
    xCm: 0,
    yCm: 0,
    fitRmsCm: 0,
    stationsUsed: 2,
  };
  assert.equal(candidateSummary({ event, selected: false, reasons: [] }).probabilities, undefined);
  const classification = {
    score: 0.9,
    predictedClass: 'signal',
    probabilities: { signal: 0.9, nuElastic: 0.1 },
  };
  assert.deepEqual(
    candidateSummary({ event: { ...event, classification }, selected: true, reasons: [] }).probabilities,
    { signal: 0.9, nuElastic: 0.1 },
  );
});
