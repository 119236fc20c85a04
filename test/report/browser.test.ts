// The report in a real browser: Debian's headless Chromium opens the file with the
// network closed, shows each view at 1280×800 (the screenshots in docs/img/ and
// the README), and logs no console error and asks for nothing outside the file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { Browser } from './cdp.js';
import { loadConfig } from '../../src/config/load.js';
import { buildReport } from '../../src/report/index.js';
import { renderHtml } from '../../src/report/html.js';

const IMG = resolve('docs/img');
let dir: string;
let file: string;
let browser: Browser;
let session: string;

beforeAll(async () => {
  // `make test` installs it (mk/report.mk); a missing browser is a failure, not a skip.
  execFileSync('chromium', ['--version'], { stdio: 'ignore' });
  dir = mkdtempSync(join(tmpdir(), 'railyard-report-'));
  file = join(dir, 'report.html');
  const { app } = await loadConfig('examples/storecove');
  writeFileSync(file, renderHtml(buildReport(app, { weekStart: '2026-11-30' })));
  browser = Browser.launch();
  const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' });
  ({ sessionId: session } = await browser.send('Target.attachToTarget', { targetId, flatten: true }));
  for (const m of ['Page.enable', 'Runtime.enable', 'Log.enable', 'Network.enable']) await browser.send(m, {}, session);
  await browser.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 }, session);
  await browser.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 800, deviceScaleFactor: 1, mobile: false }, session);
  const loaded = browser.waitFor('Page.loadEventFired', session);
  await browser.send('Page.navigate', { url: pathToFileURL(file).href }, session);
  await loaded;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function evaluate<T>(expression: string): Promise<T> {
  const r = await browser.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, session);
  if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.text}`);
  return r.result.value as T;
}

async function show(view: string): Promise<void> {
  await evaluate(`(location.hash = ${JSON.stringify(view)}, new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))`);
  const visible = await evaluate<string[]>(`[...document.querySelectorAll('main > section')].filter((s) => getComputedStyle(s).display !== 'none').map((s) => s.id)`);
  expect(visible).toEqual([view]);
  const shot = await browser.send('Page.captureScreenshot', { format: 'png' }, session);
  mkdirSync(IMG, { recursive: true });
  const png = Buffer.from(shot.data, 'base64');
  // A PNG's IHDR holds its size: 1280×800, the viewport.
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 800]);
  writeFileSync(join(IMG, `report-${view}.png`), png);
}

describe('railyard report in headless Chromium, offline', () => {
  it('opens on the capacity view, the memory shortfall marked with its number', async () => {
    await show('capacity');
    const text = await evaluate<string>(`document.querySelector('#capacity .bad').innerText`);
    expect(text).toContain('57.9 GiB more than the 3 nodes offer (42 GiB)');
  });

  it('draws the cron week: 7 × 24 hours, the :00 pile-up marked, minutes on hover', async () => {
    await show('cron');
    expect(await evaluate<number>(`document.querySelectorAll('#cron svg.heat g.cell').length`)).toBe(168);
    // Every hour of the week starts six jobs together at :00 (three hourly, */5 twice, */10).
    const piles = await evaluate<string[]>(`[...document.querySelectorAll('#cron svg.heat g.cell.pile title')].map((t) => t.textContent)`);
    expect(piles).toHaveLength(168);
    expect(piles[0]).toMatch(/^Mon 00:00–00:59: \d+ starts\n:00  7 jobs together\n:05  2 jobs together/);
    const tallest = await evaluate<string>(`[...document.querySelectorAll('#cron svg.minutes rect')].sort((a, b) => b.height.baseVal.value - a.height.baseVal.value)[0].textContent`);
    expect(tallest).toMatch(/^:00 /);
  });

  it('lists the findings by family, with the silenced ones and their reasons', async () => {
    await show('findings');
    const headings = await evaluate<string[]>(`[...document.querySelectorAll('#findings h3')].map((h) => h.textContent)`);
    // egress-open (info, security): the example's NetworkPolicies leave egress open, in the app's namespace and for Fluent Bit's.
    expect(headings).toEqual(['security (2)', 'platform (1)', 'Silenced (3)']);
    const text = await evaluate<string>(`document.querySelector('#findings').innerText`);
    expect(text).toContain('OVH clusters run ingress-nginx today');
    expect(text).toContain('egress-open');
  });

  it('logged no console error and asked for nothing outside the file', () => {
    const errors = browser.events.filter((e) => (e.method === 'Runtime.consoleAPICalled' && ['error', 'assert', 'warning'].includes(e.params.type)) || e.method === 'Runtime.exceptionThrown' || (e.method === 'Log.entryAdded' && e.params.entry.level === 'error'));
    expect(errors).toEqual([]);
    const requests = browser.events.filter((e) => e.method === 'Network.requestWillBeSent').map((e) => String(e.params.request.url));
    expect(requests.length).toBeGreaterThan(0); // the page itself: the watch works
    expect(requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'))).toEqual([]);
  });
});
