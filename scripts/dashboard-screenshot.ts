// `node --import tsx scripts/dashboard-screenshot.ts [OUT]` — makes the README's dashboard picture (default
// docs/dashboard.png) from a real daemon: an hour of generated history (with error users and error URLs) sent over
// TCP with the archive on, a batch over it, then live lines at 25/s while Debian's chromium (scripts/debian-packages)
// loads `/?range=1h` and takes a full-page screenshot. Needs `npm run build` first (it runs dist/).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import { spawnCli, waitForLog } from '../test/support/cli.js';
import { ensureDebianPackage } from '../test/support/debian.js';
import { freePort } from '../test/support/net.js';
import { CLI, ROOT } from '../test/support/paths.js';
import { sleep } from '../test/support/wait.js';

const out = process.argv[2] ?? join(ROOT, 'docs', 'dashboard.png');
const dir = mkdtempSync(join(tmpdir(), 'logpulse-screenshot-'));
const RATE = 25;
const HISTORY_S = 3600;
const traffic = ['--users', '600', '--error-user-percent', '3', '--error-url-percent', '10', '--urls', '40', '--status-dist', '92', '5', '3'];

/** `logpulse gen … --out tcp://…`; resolves when it exits (bounded) or returns the child (live). */
function gen(args: string[]) {
  return spawn(process.execPath, [CLI, 'gen', ...traffic, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

const tcp = await freePort();
const api = await freePort();
const config = join(dir, 'logpulse.yaml');
writeFileSync(
  config,
  [
    `api: { port: ${api} }`,
    'console: { enabled: false }',
    `archive: { enabled: true, dir: ${JSON.stringify(join(dir, 'logs'))} }`,
    `batch: { dir: ${JSON.stringify(join(dir, 'batch'))} }`,
    'alerts:',
    '  rules:',
    '    - { type: errors_per_status, threshold: 40 }',
    '    - { type: ip_error_rate, threshold: 0.6, minRequests: 3 }',
    '',
  ].join('\n'),
);
const daemon = spawnCli(['run', '-c', config, '--source', `tcp-listen://127.0.0.1:${tcp}`, '--output', join(dir, 'out'), '--checkpoint', join(dir, 'cp')], {
  cwd: dir,
  stdout: 'ignore',
});
let live: ReturnType<typeof gen> | null = null;
try {
  await waitForLog(daemon, 'source started');
  const start = new Date(Date.now() - HISTORY_S * 1000).toISOString();
  const history = gen(['--rate', '0', '--count', String(HISTORY_S * RATE), '--step', String(1000 / RATE), '--start', start, '--seed', '7', '--out', `tcp://127.0.0.1:${tcp}`]);
  await new Promise((resolve) => history.on('exit', resolve));
  live = gen(['--rate', String(RATE), '--seed', '8', '--out', `tcp://127.0.0.1:${tcp}`]);
  await sleep(12_000); // an archive cut (10 s) publishes the history
  const batch = spawnCli(['batch', '-c', config], { cwd: dir });
  if ((await batch.exit) !== 0) throw new Error(batch.stderr());
  await sleep(5_000);
  await ensureDebianPackage('chromium');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1600 }, colorScheme: 'light' });
  await page.goto(`http://127.0.0.1:${api}/?range=1h`);
  await page.waitForFunction('window.logpulse && window.logpulse.loads >= 1 && window.logpulse.live === "live"', undefined, { timeout: 60_000 });
  await sleep(4_000); // the live feed's pipeline chart and the stats tables
  await page.screenshot({ path: out, fullPage: true });
  await browser.close();
  process.stderr.write(`wrote ${out}\n`);
} finally {
  live?.kill('SIGTERM');
  daemon.child.kill('SIGTERM');
  await daemon.exit;
  rmSync(dir, { recursive: true, force: true });
}
