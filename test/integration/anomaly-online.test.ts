/**
 * The online anomaly path end to end in one process: simulated frames with a hot-cluster fault
 * injected go through the trigger pipeline with the shipped anomaly model (its student, the
 * default online scorer); every reconstructed event carries its score in tt.reco's record, the
 * events over the model's threshold reach the anomalies sink and survive the wire codecs, the
 * score histogram counts every event, and the drift gauge of the faulty station ends over the
 * alert limit while the other stations stay under it. The reconstructor here only gives each
 * event a status: the anomaly score depends on the hits alone, and loading the CNN would cost
 * more than the rest of the test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lastValueFrom, from, toArray } from 'rxjs';
import { createCodecs, decodeAnomaly, decodeFrame, decodeRecoEvent } from '../../src/codecs/index.js';
import { loadConfig } from '../../src/config-file/index.js';
import type { AnomalyEvent, RecoEvent, Reconstructor } from '../../src/domain/index.js';
import { createPipeline, DEFAULT_PIPELINE, type Sink } from '../../src/pipeline/index.js';
import { createSimulator, injectionStreams } from '../../src/sim/index.js';
import { createAnomalyMetrics, createMetrics, Registry } from '../../src/telemetry/index.js';
import { DRIFT_ALERT_LIMIT, loadAnomalyScorer, onlineAnomalyStage } from '../../src/app/anomaly/index.js';

test('anomaly path online: scores in every reco event, over-threshold events to the anomalies sink, drift gauge names the faulty station', async () => {
  const cfg = loadConfig([], {
    anomaly: { enabled: true },
    simulation: { inject: [{ exotic: 'hot-cluster', rateHz: 1000, startS: 8, durationS: 100 }] },
  });
  const scorer = await loadAnomalyScorer(cfg.anomaly);
  const faultStation = injectionStreams(cfg.detector, cfg.simulation)[0]!.fault!.station;
  const registry = new Registry();
  const metrics = createMetrics(registry, { defaultMetrics: false });
  const am = createAnomalyMetrics(registry);
  const codecs = createCodecs('avro');
  const frames = [];
  const sim = createSimulator(cfg.detector, { ...cfg.simulation, startTimeNs: 0 }, 'ano-it');
  for (let f = sim.next(); Number(f.timestampNs) < 19e9; f = sim.next()) frames.push(f);
  const reconstructor: Reconstructor = {
    info: { backend: 'none', model: 'status only' },
    dispose: () => undefined,
    reconstruct: async (fs) =>
      fs.map((f) => ({
        runId: f.runId,
        eventId: f.eventId,
        timestampNs: f.timestampNs,
        status: 'no_cluster',
        nHits: f.hits.station.length,
        energyGeV: 0,
        dCm: 0,
        xCm: 0,
        yCm: 0,
        fitRmsCm: 0,
        stationsUsed: 0,
      })),
  };
  const reco: Uint8Array[] = [];
  const anomalies: Uint8Array[] = [];
  const keep = <T>(out: Uint8Array[], enc: (x: T) => Uint8Array): Sink<T> => ({
    write: async (xs) => void out.push(...xs.map(enc)),
  });
  const drop: Sink<unknown> = { write: async () => undefined };
  const pipeline = createPipeline(
    { ...DEFAULT_PIPELINE, geometry: cfg.detector, trigger: cfg.trigger },
    {
      decode: decodeFrame,
      reconstructor,
      metrics,
      sinks: {
        reco: keep<RecoEvent>(reco, (e) => codecs.reco.encode(e)),
        candidates: drop,
        alerts: drop,
        deadLetters: drop,
        anomalies: keep<AnomalyEvent>(anomalies, (a) => codecs.anomaly.encode(a)),
      },
      anomaly: onlineAnomalyStage(scorer, cfg.anomaly, am),
    },
  );
  const input = frames.map((f) => ({ key: f.eventId, value: codecs.frame.encode(f) }));
  await lastValueFrom(pipeline.run(from(input)).pipe(toArray()));

  const events = reco.map(decodeRecoEvent);
  assert.equal(events.length, frames.length);
  for (const e of events) {
    assert.equal(e.anomaly?.perStation.length, 3);
    assert.ok(Number.isFinite(e.anomaly.score));
  }
  const over = events.filter((e) => e.anomaly!.score > scorer.reference.threshold).map((e) => e.eventId);
  const written = anomalies.map(decodeAnomaly);
  assert.deepEqual(
    written.map((a) => a.eventId),
    over,
  );
  assert.ok(over.length > 0);
  for (const a of written) assert.equal(a.threshold, scorer.reference.threshold);
  const score = (await am.score.get()).values.find((v) => v.metricName === 'showertrig_anomaly_score_count');
  assert.equal(score?.value, frames.length);
  const gauge = new Map((await am.drift.get()).values.map((v) => [Number(v.labels['station']), v.value]));
  assert.ok(
    gauge.get(faultStation)! > DRIFT_ALERT_LIMIT,
    `station ${faultStation}: ${gauge.get(faultStation)}`,
  );
  for (const [k, v] of gauge) if (k !== faultStation) assert.ok(v < DRIFT_ALERT_LIMIT, `station ${k}: ${v}`);
});
