// The dashboard in a real browser (Debian's chromium, headless, driven by playwright-core) against a real daemon
// (`logpulse run` from dist/, fed on stdin): the charts draw the closed windows, an alert fired after the page loaded
// appears without a reload, a window closed after load is added live, the page survives a daemon restart (it shows
// that it reconnects, then reloads its history), and /docs lists the routes. Screenshots go to .cache/artifacts/.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type CliProcess, spawnCli, waitForLog } from '../support/cli.js';
import { ensureDebianPackage } from '../support/debian.js';
import { freePort } from '../support/net.js';
import { ROOT } from '../support/paths.js';
import { untilAsync } from '../support/wait.js';
import { apiUrl } from './helpers.js';

const ARTIFACTS = join(ROOT, '.cache', 'artifacts');
const WINDOW_MS = 10_000;

/** One access-log line (the JSON format `logpulse gen` writes). */
const line = (ms: number, status: number, ip: string, url = '/resource/1'): string =>
  `${JSON.stringify({ timestamp: new Date(ms).toISOString(), ip, method: 'GET', url, status })}\n`;

/** Lines for the window starting at `start`: 20 requests, `errors` of them failing with `status`. */
function windowLines(start: number, errors: number, status = 500): string {
  let text = '';
  for (let i = 0; i < 20; i++) text += line(start + i * 200, i < errors ? status : 200, `10.0.0.${i + 1}`, `/resource/${(i % 4) + 1}`);
  return text;
}

interface Dashboard {
  loads: number;
  live: string;
  noPipeline: boolean;
  alerts: { group: string }[];
  current: { windows: Map<string, unknown> } | null;
  charts: Record<string, { points: number; data: unknown[][] }>;
}

/** `read(window.logpulse)` in the page (the page's state, exposed for tests and the console). */
const dash = <T>(page: Page, read: (d: Dashboard) => T): Promise<T> => page.evaluate(`(${read.toString()})(window.logpulse)`);

/** Waits until `check(window.logpulse)` holds in the page (polled there; fails saying what it waited for). */
async function waitDash(page: Page, what: string, check: (d: Dashboard) => boolean): Promise<void> {
  try {
    await page.waitForFunction(`(${check.toString()})(window.logpulse)`, undefined, { timeout: 30_000, polling: 100 });
  } catch (err) {
    throw new Error(`the dashboard never showed ${what}: ${(err as Error).message}`);
  }
}

/** Blue-ish pixels on a chart's canvas: the requests line is drawn in --c1 (blue in light and dark mode). */
const linePixels = (page: Page, id: string): Promise<number> =>
  page.evaluate((chartId) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`#${chartId} canvas`)!;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0 && data[i + 2]! > 180 && data[i]! < 130) n++;
    return n;
  }, id);

describe('the dashboard in chromium', () => {
  let browser: Browser;
  let dir: string;
  let config: string;
  let url: string;
  let daemon: CliProcess;
  /** The start of the first window fed: 5 minutes ago, on a window boundary. */
  const base = Math.floor((Date.now() - 5 * 60_000) / WINDOW_MS) * WINDOW_MS;

  const startDaemon = (): CliProcess =>
    spawnCli(['run', '-c', config, '--source', 'stdin:', '--output', join(dir, 'out'), '--checkpoint', join(dir, 'cp'), '--workers', '1'], {
      stdin: 'pipe',
      stdout: 'ignore',
      cwd: dir,
    });
  const feed = (text: string): void => void daemon.child.stdin!.write(text);

  async function summaries(): Promise<number> {
    const r = (await (await fetch(`${url}/windows?kind=summary&limit=10000`)).json()) as { total: number };
    return r.total;
  }

  beforeAll(async () => {
    await ensureDebianPackage('chromium');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    dir = mkdtempSync(join(tmpdir(), 'logpulse-dash-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    const port = await freePort();
    config = join(dir, 'dash.yaml');
    writeFileSync(
      config,
      [
        `api: { port: ${port} }`,
        'pipeline: { window: 10s, watermark: 1s, idleTimeout: 1h }',
        'alerts:',
        '  rules:',
        '    - { type: errors_per_status, threshold: 2 }',
        'console: { enabled: false }',
        'output: { rotateEvery: 1s }',
        `archive: { enabled: true, dir: ${JSON.stringify(join(dir, 'logs'))} }`,
        `batch: { dir: ${JSON.stringify(join(dir, 'batch'))} }`,
        '',
      ].join('\n'),
    );
    url = `http://127.0.0.1:${port}`;
    daemon = startDaemon();
    await waitForLog(daemon, '"api listening"');
    // Ten windows of history, 2..6 errors each; a record in the 11th closes the 10th (watermark 1 s).
    let history = '';
    for (let w = 0; w < 10; w++) history += windowLines(base + w * WINDOW_MS, 2 + (w % 5));
    history += line(base + 10 * WINDOW_MS + 1500, 200, '10.0.1.1');
    feed(history);
    await untilAsync('ten closed windows on /windows', async () => (await summaries()) === 10, { ms: 30_000, everyMs: 100 });
  });

  afterAll(async () => {
    await browser?.close();
    daemon?.child.kill('SIGTERM');
    if (daemon) await daemon.exit;
  });

  it('draws the windows, adds alerts and windows live, and reloads its history after a daemon restart', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1600 }, colorScheme: 'light' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/?range=15m`);
    await waitDash(page, 'its first history load with the live feed connected', (d) => d.loads === 1 && d.live === 'live');

    // Ten windows: every chart of the range has data, and the requests line is on the canvas.
    expect(await dash(page, (d) => d.current!.windows.size)).toBe(10 + 10); // a summary and one status row each
    expect(await dash(page, (d) => d.charts.requests!.points)).toBe(10);
    expect(await dash(page, (d) => d.charts.status!.data.length)).toBe(2); // x and status 500
    expect(await linePixels(page, 'chart-requests')).toBeGreaterThan(50);
    expect(await page.locator('#totals .value').first().innerText()).toBe('200'); // 10 windows × 20 requests
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-loaded.png'), fullPage: true });

    // After load: 5 errors with status 503 in the 12th window fire an early alert; a record in the 13th closes the 11th and 12th.
    feed(windowLines(base + 11 * WINDOW_MS, 5, 503));
    await waitDash(page, 'the 503 alert, live', (d) => d.alerts.some((a) => a.group === '503'));
    await expect.poll(() => page.locator('#table-alerts tr.new').first().innerText()).toContain('503');
    feed(line(base + 12 * WINDOW_MS + 1500, 200, '10.0.1.2'));
    await waitDash(page, 'the 11th and 12th windows, live', (d) => d.charts.requests!.points === 12);
    expect(await dash(page, (d) => d.loads)).toBe(1); // live, not reloaded
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-live.png'), fullPage: true });

    // A restart: the page says it is reconnecting, then reloads what the new daemon serves from the files.
    daemon.child.stdin!.end();
    daemon.child.kill('SIGTERM');
    expect(await daemon.exit, daemon.stderr()).toBe(0);
    await waitDash(page, 'that the feed is reconnecting', (d) => d.live === 'reconnecting' || d.live === 'down');
    expect(await page.locator('#conn').innerText()).toMatch(/reconnecting|down/);
    daemon = startDaemon();
    await waitForLog(daemon, '"api listening"');
    await waitDash(page, 'a history reload after the reconnect', (d) => d.loads === 2 && d.live === 'live');
    expect(await dash(page, (d) => d.charts.requests!.points)).toBeGreaterThanOrEqual(12);
    expect(await dash(page, (d) => d.alerts.some((a) => a.group === '503'))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('dark mode follows prefers-color-scheme; the view state is in the address', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1600 }, colorScheme: 'dark' });
    await page.goto(`${url}/?range=15m&compare=1&urls.sort=url&urls.order=asc`);
    await waitDash(page, 'its history', (d) => d.loads >= 1 && d.charts.requests!.points > 0);
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(background).toBe('rgb(15, 19, 24)');
    expect(await page.locator('#compare').isChecked()).toBe(true);
    // The comparison adds a dashed previous-period series to the requests chart.
    expect(await dash(page, (d) => d.charts.requests!.data.length)).toBe(3);
    // A header click sorts the table and lands in the address.
    await page.locator('#table-statuses th[data-key="status"]').click();
    expect(new URL(page.url()).searchParams.get('statuses.sort')).toBe('status');
    expect(new URL(page.url()).searchParams.get('urls.sort')).toBe('url');
    await page.locator('#range').selectOption('1h');
    expect(new URL(page.url()).searchParams.get('range')).toBeNull(); // the default
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-dark.png'), fullPage: true });
    await page.close();
  });

  it('top tables show what the daemon\'s own stats routes answer for the range (the archive)', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
    const asked: URL[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/url-stats?')) asked.push(new URL(r.url()));
    });
    await page.goto(`${url}/?range=15m`);
    await waitDash(page, 'its first history load', (d) => d.loads === 1);
    await expect.poll(() => page.locator('#table-urls tbody tr').count(), { timeout: 30_000 }).toBe(4);
    // The same request the page made, answered to the test: the rows the table shows.
    const answer = (await (await fetch(`${url}/url-stats${asked.at(-1)!.search}`)).json()) as { rows: { url: string; errors: number }[] };
    const top = answer.rows[0]!;
    expect(top.errors).toBeGreaterThan(0);
    expect(await page.locator('#table-urls tbody tr').first().innerText()).toContain(top.url);
    expect(await page.locator('#table-urls').innerText()).not.toMatch(/not available|fall/i);
    await page.close();
  });

  it('top tables sort and page through the stats routes; /minute-stats fills what the window files do not reach', async () => {
    // The stats routes are another part of the API; their contract is played here by the browser itself.
    const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
    const asked: URL[] = [];
    const askedFor = (route: string): URL[] => asked.filter((u) => u.pathname.endsWith(route));
    await page.route(/\/(url|ip)-stats\?/, async (route) => {
      const u = new URL(route.request().url());
      asked.push(u);
      const offset = Number(u.searchParams.get('offset'));
      const rows = Array.from({ length: 10 }, (_, i) =>
        u.pathname.endsWith('url-stats')
          ? { url: `/u/${offset + i}`, requests: 100 - offset - i, errors: 10, error_rate: 0.1 }
          : { ip: `10.9.0.${offset + i}`, nb_connexions: 5, errors: 1 },
      );
      await route.fulfill({ json: { rows, total: 25 } });
    });
    await page.route(/\/minute-stats\?/, async (route) => {
      const u = new URL(route.request().url());
      asked.push(u);
      const first = Math.ceil(Date.parse(u.searchParams.get('from')!) / 60_000) * 60_000;
      const rows = [0, 1, 2].map((i) => ({ minute: new Date(first + i * 60_000).toISOString(), requests: 600, errors: 60 }));
      await route.fulfill({ json: { rows, total: 3 } });
    });
    await page.goto(`${url}/?range=6h`);
    await waitDash(page, 'windows and archive minutes', (d) => d.loads === 1 && d.charts.requests!.points >= 15);
    const minutes = askedFor('minute-stats')[0]!;
    expect(minutes.searchParams.get('sort')).toBe('minute');
    expect(Date.parse(minutes.searchParams.get('to')!)).toBe(base); // up to the oldest window
    expect(await page.locator('#notes').innerText()).toBe('');

    await expect.poll(() => page.locator('#table-urls tbody tr').count()).toBe(10);
    expect(Object.fromEntries(askedFor('url-stats')[0]!.searchParams)).toMatchObject({ sort: 'errors', order: 'desc', limit: '10', offset: '0' });
    await page.locator('#table-urls th[data-key="requests"]').click();
    await expect.poll(() => askedFor('url-stats').at(-1)!.searchParams.get('sort')).toBe('requests');
    expect(askedFor('url-stats').at(-1)!.searchParams.get('order')).toBe('desc');
    await page.locator('#table-urls button', { hasText: 'next' }).click();
    await expect.poll(() => askedFor('url-stats').at(-1)!.searchParams.get('offset')).toBe('10');
    await expect.poll(() => page.locator('#table-urls .pager').innerText()).toContain('11–20 of 25');
    expect(await page.locator('#table-urls tbody tr').first().innerText()).toContain('/u/10');
    const view = new URL(page.url()).searchParams;
    expect([view.get('urls.sort'), view.get('urls.page')]).toEqual(['requests', '1']);
    expect(await page.locator('#table-ips tbody tr').count()).toBe(10);
    await page.close();
  });

  it('with a token: the page asks for it, or takes ?token= into the tab (never the address); logpulse api serves the files', async () => {
    const token = 'tok-dash-7e21c4';
    const alone = spawnCli(['api', '--port', '0', '--output', join(dir, 'out')], { cwd: dir, env: { LOGPULSE_API_TOKEN: token } });
    try {
      const aloneUrl = await apiUrl(alone);
      const asked = await browser.newPage();
      await asked.goto(`${aloneUrl}/?range=15m`);
      await asked.waitForSelector('#token-box:not([hidden])');
      await asked.fill('#token-input', token);
      await asked.click('#token-box button');
      await waitDash(asked, 'its history once the token was typed in', (d) => d.loads === 1 && d.charts.requests!.points >= 12);
      await asked.close();

      const linked = await browser.newPage();
      await linked.goto(`${aloneUrl}/?range=15m&token=${token}`);
      await waitDash(linked, 'its history and the feed, files only', (d) => d.loads === 1 && d.live === 'live' && d.noPipeline);
      expect(new URL(linked.url()).searchParams.get('token')).toBeNull();
      expect(new URL(linked.url()).searchParams.get('range')).toBe('15m');
      expect(await linked.locator('#conn').innerText()).toBe('files only');
      expect(await dash(linked, (d) => d.charts.requests!.points)).toBeGreaterThanOrEqual(12);
      expect(await linked.locator('#health').innerText()).toContain('No pipeline in this process');
      await linked.close();
    } finally {
      alone.child.kill('SIGTERM');
      expect(await alone.exit, alone.stderr()).toBe(0);
    }
    expect(alone.stderr()).not.toContain(token);
  });

  it('/docs lists the routes', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/docs`);
    await page.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
    const paths = (await page.locator('.opblock-summary-path').allInnerTexts()).map((p) => p.replace(/\u200b/g, '').trim());
    for (const route of ['/windows', '/alerts', '/events', '/health', '/metrics']) expect(paths).toContain(route);
    await page.screenshot({ path: join(ARTIFACTS, 'docs.png'), fullPage: true });
    await page.close();
  });
});
