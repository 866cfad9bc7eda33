#!/usr/bin/env node
// Screenshot of the live display during the default injected excess (reports/display.png in the
// README): starts `showertrig run` (embedded, default excess signal:4:150:30 at 10× real time),
// opens the page in Debian's Chromium (playwright-core) and shoots once the first alert is shown
// and a little more of the excess has passed. Needs `npm run build` and /usr/bin/chromium.
//   node scripts/display-screenshot.mjs [OUT.png] [--after-alert-s 1.5]
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const out = process.argv[2] ?? 'reports/display.png';
const i = process.argv.indexOf('--after-alert-s');
const afterS = i > 0 ? Number(process.argv[i + 1]) : 1.5;
// The browser first, so the page is open before the stream reaches the excess.
const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'showertrig-shot-')), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1500, height: 1000 },
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const child = spawn(process.execPath, ['bin/showertrig.js', 'run', '--metrics-port', '0'], {
  stdio: ['ignore', 'ignore', 'pipe'],
});
let err = '';
child.stderr.on('data', (d) => (err += d.toString()));
try {
  const url = await new Promise((resolve, reject) => {
    const t = setInterval(() => {
      const m = /live display (http:\/\/[\d.]+:\d+\/)/.exec(err);
      if (m) resolve(m[1]);
      if (child.exitCode !== null) reject(new Error(`showertrig exited: ${err}`));
    }, 200);
    child.once('exit', () => clearInterval(t));
  });
  const page = await ctx.newPage();
  await page.goto(url);
  await page.waitForFunction('Number(document.body.dataset.alerts) >= 1', undefined, { timeout: 180_000 });
  await page.waitForTimeout(afterS * 1000);
  const cdp = await ctx.newCDPSession(page);
  const { cssContentSize } = await cdp.send('Page.getLayoutMetrics');
  const shot = await cdp.send('Page.captureScreenshot', {
    format: 'png',
    captureBeyondViewport: true,
    clip: { x: 0, y: 0, width: cssContentSize.width, height: cssContentSize.height, scale: 1 },
  });
  const { writeFileSync } = await import('node:fs');
  writeFileSync(out, Buffer.from(shot.data, 'base64'));
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await ctx.close();
  child.kill('SIGINT');
}
