/**
 * The alerting loop as operators run it: a real Prometheus scrapes a running `showertrig run
 * --brokers` during an injected excess and evaluates the project's alert rules; the alerts reach a
 * real Alertmanager started with config/prometheus/alertmanager.yml, checked through its HTTP API.
 * The rules are the production file with ranges and `for:` durations shortened (shortenRules), so
 * the expressions under test are the real ones. Also: `promtool check metrics` on a real scrape.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createCodecs } from '../../src/codecs/index.js';
import { parseConfig } from '../../src/config/index.js';
import type { ServerMessage } from '../../src/display/index.js';
import type { HitFrame } from '../../src/domain/index.js';
import { createSimulator } from '../../src/sim/index.js';
import { dashboardQueries, grafanaExpand, type Dashboard } from '../helpers/dashboard.js';
import { createTopics, freshTopics, kafkaClient, produce, startTrigger, waitFor } from '../helpers/kafka.js';
import {
  ALERTMANAGER_BIN,
  alertmanagerAlerts,
  haveBinary,
  PROMETHEUS_BIN,
  shortenRules,
  startAlertmanager,
  startPrometheus,
  until,
  type Service,
} from '../helpers/prometheus.js';

const RULES = 'config/prometheus/showertrig-rules.yml';
const AM_CONFIG = 'config/prometheus/alertmanager.yml';
const missing = [PROMETHEUS_BIN, ALERTMANAGER_BIN, 'promtool'].filter((b) => !haveBinary(b));
// CI installs them (.ci/run); a developer machine without them says so instead of failing obscurely.
const skip =
  missing.length > 0
    ? `not installed: ${missing.join(', ')} (apt-get install prometheus prometheus-alertmanager)`
    : false;

/**
 * A low-rate stream (cheap to reconstruct) whose last 10 s carry a 10× signal excess; in event-time
 * order. The loop to Alertmanager is under test here, not the monitor's margin: with 6× the final
 * window's Z settled at 4.94 in one run and 5.27 in another on the same data (the monitor is
 * deterministic over batchings, so the candidates it counted differed), and the alert hung on it.
 */
function stream(): HitFrame[] {
  const endS = 65;
  const cfg = parseConfig({
    simulation: {
      seed: 51,
      signalSpectrum: 'flat',
      ratesHz: { signal: 5, neutrino: 2, muon: 2, noise: 1, nuElastic: 0, nueCCQE: 0, ncPi0: 0 },
      excess: { eventClass: 'signal', rateFactor: 10, startS: 55, durationS: 60 },
    },
  });
  const s = createSimulator(cfg.detector, cfg.simulation, 'it-prom');
  const out: HitFrame[] = [];
  for (let f = s.next(); s.elapsedS < endS; f = s.next()) out.push(f);
  return out;
}

const triggerConfig = {
  trigger: { excess: { windowS: 5, stepS: 1, trailingWindowS: 40, holdoffS: 30, allowedLatenessS: 1 } },
};

test(
  'Prometheus scrapes the trigger during an excess; the excess alert and then "no frames received" reach Alertmanager',
  { skip, timeout: 90_000 },
  async () => {
    const kafka = kafkaClient();
    const topics = freshTopics();
    await createTopics(kafka, topics, 1);
    const frames = stream();
    const codecs = createCodecs('avro');
    const trig = startTrigger(topics, triggerConfig);
    const services: Service[] = [];
    try {
      await waitFor(
        () =>
          /metrics http:\/\/[\d.]+:\d+\/metrics/.test(trig.output()) &&
          trig.output().includes('joined consumer group'),
        60_000,
        'the trigger to join',
      );
      const metricsUrl = /metrics (http:\/\/[\d.]+:\d+\/metrics)/.exec(trig.output())![1]!;
      const target = new URL(metricsUrl).host;
      const am = await startAlertmanager(AM_CONFIG);
      services.push(am);
      const prom = await startPrometheus({
        targets: [target],
        alertmanager: am.url,
        rules: shortenRules(readFileSync(RULES, 'utf8'), 5, 1),
        intervalS: 1,
      });
      services.push(prom);

      // The DAQ: 5 s of event time every 250 ms (20× real time), all on one partition (event-time order).
      for (let t = 0; t < 65; t += 5) {
        const lo = frames[0]!.timestampNs + BigInt(t) * 1_000_000_000n;
        const hi = lo + 5_000_000_000n;
        const chunk = frames.filter((f) => f.timestampNs >= lo && f.timestampNs < hi);
        await produce(
          kafka,
          topics.frames,
          chunk.map((f) => ({ key: 'run', value: codecs.frame.encode(f) })),
        );
        await new Promise((r) => setTimeout(r, 250));
      }
      const lastFrameAt = Date.now();
      // What the excess stage counted (late candidates, duplicates, Z), for a failure's message.
      const counts = async (): Promise<string> =>
        (await fetch(metricsUrl).then((r) => r.text()))
          .split('\n')
          .filter((l) => /^showertrig_excess_(late|duplicates|candidates|significance|watermark)/.test(l))
          .join('; ');
      let lastCounts = '';
      const detail = (): string =>
        `excess stage: ${lastCounts}\ntrigger:\n${trig.output().slice(-1500)}\nprometheus:\n${prom.output().slice(-1000)}`;

      const excess = await until(
        async () => {
          lastCounts = await counts().catch((e: unknown) => String(e));
          return (await alertmanagerAlerts(am)).find(
            (a) => a.labels['alertname'] === 'ShowertrigExcessSignificanceHigh',
          );
        },
        30_000,
        'the excess alert in Alertmanager',
        detail,
      );
      assert.equal(excess.labels['severity'], 'page');
      assert.equal(excess.labels['instance'], target);
      assert.equal(excess.status.state, 'active');
      const z = await fetch(`${prom.url}/api/v1/query?query=showertrig_excess_significance`).then(
        (r) => r.json() as Promise<{ data: { result: { value: [number, string] }[] } }>,
      );
      assert.ok(Number(z.data.result[0]?.value[1]) >= 5, `Z as scraped: ${JSON.stringify(z.data)}`);

      // The live display of this `run --brokers` process (role all) saw the same stream: windows from
      // the global excess stage, its alerts, and candidates from the reconstruction.
      const state = (await fetch(metricsUrl.replace(/metrics$/, 'display/api/state')).then((r) =>
        r.json(),
      )) as Extract<ServerMessage, { type: 'hello' }>;
      assert.equal(state.info.mode, 'run --brokers --role all');
      assert.ok(
        state.windows.length > 0 && state.alerts.length > 0 && state.candidates.length > 0,
        `display state: ${state.windows.length} windows, ${state.alerts.length} alerts, ${state.candidates.length} candidates`,
      );

      // The real scrape passes promtool's lint.
      const body = await fetch(metricsUrl).then((r) => r.text());
      assert.match(body, /showertrig_frames_received_total \d+/);
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
      assert.equal(lint.status, 0, `promtool check metrics:\n${lint.stdout}${lint.stderr}`);

      // Every Grafana query is valid PromQL for this Prometheus, and the core panels have data now.
      const dash = JSON.parse(readFileSync('docker/grafana/dashboards/showertrig.json', 'utf8')) as Dashboard;
      const query = async (
        expr: string,
      ): Promise<{ status: string; error?: string; data?: { result: unknown[] } }> =>
        (
          await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(grafanaExpand(expr))}`)
        ).json() as Promise<{ status: string; error?: string; data?: { result: unknown[] } }>;
      for (const q of dashboardQueries(dash)) {
        const j = await query(q.expr);
        assert.equal(j.status, 'success', `panel "${q.panel}": ${q.expr}: ${j.error ?? ''}`);
        if (
          /frames_received|excess_significance|end_to_end_latency|backend_info|inference_batch_size_sum/.test(
            q.expr,
          )
        ) {
          // rate() needs two scrapes inside its range: a fast run can reach here after one.
          await until(
            async () => (((await query(q.expr)).data?.result.length ?? 0) > 0 ? true : undefined),
            10_000,
            `data for panel "${q.panel}": ${q.expr}`,
          );
        }
      }

      // Input stops: once the 5 s rate has been 0 for the (shortened) `for:`, the page goes out.
      const noFrames = await until(
        async () =>
          (await alertmanagerAlerts(am)).find(
            (a) =>
              a.labels['alertname'] === 'ShowertrigNoFramesReceived' && Date.parse(a.startsAt) > lastFrameAt,
          ),
        30_000,
        '"no frames received" in Alertmanager after the input stopped',
        detail,
      );
      assert.equal(noFrames.labels['severity'], 'page');
      assert.equal(noFrames.labels['instance'], target);
    } finally {
      for (const s of services.reverse()) await s.stop();
      assert.equal(await trig.stop(), 0, trig.output().slice(-1500));
    }
  },
);
