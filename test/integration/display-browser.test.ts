/**
 * The live display in a real browser (Debian's Chromium through playwright-core), against a real
 * `showertrig run` child process with an injected excess: the page loads without console errors,
 * the rates update, the excess puts an alert marker on the significance chart (pixels of the
 * screenshot), a candidate's hits are drawn in the event display (pixels), and a click on the
 * alert shows one of its candidates.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AlertDetail, CandidateDetail } from '../../src/display/index.js';
import { haveChromium, launch } from '../helpers/browser.js';
import { waitFor } from '../helpers/kafka.js';
import { countColour, decodePng, type Image } from '../helpers/png.js';

const ALERT_RED = '#ff4d4f';
const CLUSTER_BLUE = '#4ea1ff';
const skip = haveChromium() ? false : 'no /usr/bin/chromium (apt-get install chromium)';

test(
  "the live display in Chromium: rates update, the excess shows an alert marker, a candidate's hits render, a click shows an alert",
  { skip, timeout: 90_000 },
  async () => {
    const build = spawnSync(process.execPath, ['scripts/build-web.mjs'], { encoding: 'utf8' });
    assert.equal(build.status, 0, `bundle build failed: ${build.stderr}`);
    const dir = mkdtempSync(join(tmpdir(), 'showertrig-display-'));
    const cfgPath = join(dir, 'config.json');
    // Short windows so the excess (6× signal from 40 s of event time, 20× real time) alerts within
    // seconds; a light event mix (10 Hz) so a busy machine keeps up.
    writeFileSync(
      cfgPath,
      JSON.stringify({
        simulation: {
          signalSpectrum: 'flat',
          ratesHz: { signal: 5, neutrino: 2, muon: 2, noise: 1, nuElastic: 0, nueCCQE: 0, ncPi0: 0 },
        },
        trigger: { excess: { windowS: 5, stepS: 1, trailingWindowS: 20, allowedLatenessS: 1, holdoffS: 30 } },
      }),
    );
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/entry.ts',
        'run',
        '--metrics-port',
        '0',
        '--speed',
        '20',
        '--excess',
        'signal:6:40:30',
        '--config',
        cfgPath,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const browser = await launch();
    try {
      await waitFor(
        () => /live display (http:\/\/[\d.]+:\d+\/)/.test(out),
        60_000,
        'the trigger to serve the display',
      );
      const url = /live display (http:\/\/[\d.]+:\d+\/)/.exec(out)![1]!;
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url);
      const data = async (): Promise<Record<string, number>> =>
        Object.fromEntries(
          Object.entries(
            (await page.evaluate('({ ...document.body.dataset })')) as Record<string, string>,
          ).map(([k, v]) => [k, Number(v)]),
        );
      const at = (name: string, min: number, timeout: number): Promise<unknown> =>
        page.waitForFunction(`Number(document.body.dataset.${name}) >= ${min}`, undefined, { timeout });
      // Through CDP: playwright's element screenshots wait for web fonts, which a busy WebGL page can starve.
      const cdp = await browser.context.newCDPSession(page);
      const shot = async (selector: string): Promise<Image> => {
        const b = (await page.locator(selector).boundingBox())!;
        const r = (await cdp.send('Page.captureScreenshot', {
          format: 'png',
          clip: { x: b.x, y: b.y, width: b.width, height: b.height, scale: 1 },
        })) as { data: string };
        return decodePng(Buffer.from(r.data, 'base64'));
      };

      // Rates update: the per-second samples keep coming.
      await at('ops', 2, 20_000);
      await at('ops', (await data())['ops']! + 1, 10_000);

      // Before the excess: significance points but no red marker on the Z chart.
      await at('windows', 1, 30_000);
      // (Counted only if no alert arrived around the shot: the page updates its counts every 250 ms.)
      const noAlertYet = async (): Promise<boolean> => (await data())['alerts'] === 0;
      let before: number | undefined = (await noAlertYet())
        ? countColour(await shot('#chart-z'), ALERT_RED, 40)
        : undefined;
      await page.waitForTimeout(400);
      if (!(await noAlertYet())) before = undefined;
      await at('alerts', 1, 40_000);
      await page.waitForTimeout(600); // the next animation frame draws the marker
      const after = countColour(await shot('#chart-z'), ALERT_RED, 40);
      if (before !== undefined) assert.ok(before < 5, `${before} alert-red pixels before any alert`);
      assert.ok(after > 40, `${after} alert-red pixels on the significance chart after the alert`);

      // A click on the alert shows one of the candidates inside its window (the most energetic first).
      await at('events', 1, 10_000);
      await page.locator('#alerts li').first().click();
      await page.waitForFunction(
        `(document.getElementById('alert-detail')?.textContent ?? '').includes('Z ')`,
        undefined,
        { timeout: 5000 },
      );
      const alertId = await page.locator('#alerts li').first().getAttribute('data-alert');
      const detail = (await (
        await fetch(`${url}display/api/alert?id=${encodeURIComponent(alertId!)}`)
      ).json()) as AlertDetail;
      assert.ok(detail.candidates.length > 0, 'the alert keeps the candidates of its window');
      await page.waitForFunction(
        `${JSON.stringify(detail.candidates.map((c) => c.eventId))}.includes(document.body.dataset.event)`,
        undefined,
        { timeout: 5000 },
      );

      // Its hits are drawn: the station views (right part of the event canvas) show the largest
      // cluster's colour. A dense shower's hits overlap at the view's scale (0.5 mm pixels, 4 px
      // points), so the drawn area is far below the hit count: ask for a clearly drawn cluster.
      const eventId = (await page.evaluate('document.body.dataset.event')) as string;
      const event = (await (
        await fetch(`${url}display/api/candidate?id=${encodeURIComponent(eventId)}`)
      ).json()) as CandidateDetail;
      const largest = event.stations.reduce((n, st) => n + st.hits.cluster.filter((k) => k === 0).length, 0);
      assert.ok(
        largest >= 10,
        `the clicked candidate ${eventId} has ${largest} hits in its largest clusters`,
      );
      // The redraw follows the click asynchronously (slower on a loaded machine): look again for up to 6 s.
      let blue = 0;
      const drawn = Math.min(30, 2 * largest);
      for (let attempt = 0; attempt < 20 && blue < drawn; attempt++) {
        await page.waitForTimeout(300);
        const canvas = await shot('#event-canvas');
        const right = { x0: Math.floor(canvas.width * 0.62), y0: 0, x1: canvas.width, y1: canvas.height };
        blue = countColour(canvas, CLUSTER_BLUE, 40, right);
      }
      assert.ok(blue >= drawn, `${blue} cluster-coloured pixels in the station views for ${largest} hits`);

      assert.deepEqual(errors, [], 'console errors');
    } finally {
      await browser.close();
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  },
);
