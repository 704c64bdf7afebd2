// Issue 20, long-run correctness: a day of event time through the daemon in well under a minute. `logpulse gen`
// writes 24 h of simulated time (a line every 250 ms, some late, some errors; `--start`/`--step`), the daemon reads
// it as a `file:` with 2 workers, and every one of the 2,880 windows' rows — the last as the first — equals a count
// made here, line by line, with SPEC §3's rules (one ordered stream: a record is late once the watermark, the
// newest event time minus 10 s, has passed its window's end). A state that grew or drifted with the number of
// windows seen (a counter not reset, a window kept) would show in the later windows. Then the same day live: `gen
// --speed` sends it over TCP in 30 s of wall time into a running daemon (rotations every 2 s, ticks, durable cuts,
// its API polled), and the rows are again the count's.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it, onTestFinished } from 'vitest';

import { spawnCli, waitForLog } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { CLI } from '../support/paths.js';
import { untilAsync } from '../support/wait.js';
import { metrics, send } from './disk-fault-helpers.js';
import { alertKeys, lines, readKind } from './helpers.js';

const WINDOW_MS = 30_000;
const WATERMARK_MS = 10_000;
const STEP_MS = 250;
const WINDOWS = 2_880;
const LINES = (WINDOWS * WINDOW_MS) / STEP_MS; // 345,600
const START = '2026-01-01T00:00:00Z';
/** Some error users, and late lines two minutes behind (always late: more than a window plus the watermark). */
const PROFILE = ['--users', '400', '--error-user-percent', '5', '--late-fraction', '0.002', '--late-by', '120'];

interface Count {
  requests: number;
  errors: number;
  ips: Set<string>;
  errorIps: Set<string>;
  /** Error status → its records' IPs and count. */
  statuses: Map<number, { count: number; ips: Set<string> }>;
}

/** `logpulse gen ARGS` into a file; its text. */
function generate(file: string, args: string[]): string {
  const fd = openSync(file, 'w');
  const gen = spawnSync(process.execPath, [CLI, 'gen', ...args], { stdio: ['ignore', fd, 'pipe'] });
  closeSync(fd);
  expect(gen.status, gen.stderr.toString()).toBe(0);
  return readFileSync(file, 'utf8');
}

/** The daemon's window rows under `out` (`windows` of them) equal the count, window by window. */
function expectRows(out: string, want: { windows: Map<number, Count>; late: number }, windows: number): void {
  const rows = lines(readKind(out, 'metrics')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const summaries = rows.filter((r) => r['kind'] === 'summary');
  const statusRows = rows.filter((r) => r['kind'] === 'status');
  expect(summaries.length).toBe(windows);
  const seen = new Set<number>();
  for (const r of summaries) {
    const start = Date.parse(r['window_start'] as string);
    expect(seen.has(start), `window ${r['window_start']} written twice`).toBe(false);
    seen.add(start);
    const w = want.windows.get(start);
    expect(w, `window ${r['window_start']} not in the input`).toBeDefined();
    const got = [r['requests'], r['errors'], r['unique_ips'], r['error_unique_ips']];
    expect(got, `window ${r['window_start']}: requests, errors, unique IPs, error unique IPs`).toEqual([w!.requests, w!.errors, w!.ips.size, w!.errorIps.size]);
  }
  const wantStatus = [...want.windows].filter(([start]) => seen.has(start)).flatMap(([start, w]) => [...w.statuses].map(([status, s]) => `${new Date(start).toISOString()}|${status}|${s.count}|${s.ips.size}`));
  const gotStatus = statusRows.map((r) => `${new Date(Date.parse(r['window_start'] as string)).toISOString()}|${r['status']}|${r['error_count']}|${r['unique_ips']}`);
  expect(gotStatus.sort()).toEqual(wantStatus.sort());

  // Late records: counted and written to rejected/, as many at the end of the day as the count says.
  const late = lines(readKind(out, 'rejected')).filter((l) => (JSON.parse(l) as { reason: string }).reason === 'late');
  expect(late.length).toBe(want.late);
  // Each alert once per (rule, window, group) over the whole day.
  const alerts = alertKeys(readKind(out, 'alerts'));
  expect(new Set(alerts).size).toBe(alerts.length);
}

/** Window rows of one ordered stream by SPEC §3, counted without the daemon's code: window start (ms) → counts. */
function countWindows(text: string): { windows: Map<number, Count>; late: number } {
  const windows = new Map<number, Count>();
  let newest = -Infinity;
  let late = 0;
  for (const line of lines(text)) {
    const r = JSON.parse(line) as { timestamp: string; ip: string; status: number };
    const ms = Date.parse(r.timestamp);
    const start = Math.floor(ms / WINDOW_MS) * WINDOW_MS;
    if (start + WINDOW_MS <= newest - WATERMARK_MS) {
      late++;
      continue;
    }
    newest = Math.max(newest, ms);
    let w = windows.get(start);
    if (!w) windows.set(start, (w = { requests: 0, errors: 0, ips: new Set(), errorIps: new Set(), statuses: new Map() }));
    w.requests++;
    w.ips.add(r.ip);
    if (r.status >= 400) {
      w.errors++;
      w.errorIps.add(r.ip);
      let s = w.statuses.get(r.status);
      if (!s) w.statuses.set(r.status, (s = { count: 0, ips: new Set() }));
      s.count++;
      s.ips.add(r.ip);
    }
  }
  return { windows, late };
}

it('a day of event time (2,880 windows) through the daemon: every window row equals an independent count, the last as the first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-day-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, 'day.ndjson');
  const text = generate(data, ['--rate', '0', '--count', String(LINES), '--seed', '20', '--start', START, '--step', String(STEP_MS), ...PROFILE]);
  const want = countWindows(text);
  expect(want.windows.size).toBe(WINDOWS);
  expect(want.late).toBeGreaterThan(300);

  const out = join(dir, 'out');
  const config = join(dir, 'logpulse.yaml');
  writeFileSync(config, `source: "file:${data}"\napi: { enabled: false }\nconsole: { enabled: false }\noutput: { dir: ${out} }\ncheckpoint: { dir: ${join(dir, 'cp')} }\npipeline: { workers: 2 }\n`);
  const d = spawnCli(['run', '-c', config], { cwd: dir });
  expect(await d.exit, d.stderr().slice(-3000)).toBe(0);
  expectRows(out, want, WINDOWS);
}, 180_000);

it('a day of event time in 30 s of wall time (gen --speed 2880 over TCP into a running daemon, its API polled): every window row equals the count', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-day-live-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  // Ending an hour ago, on a window boundary: nothing is `future`, and the day is 2,880 whole windows.
  const startMs = Math.floor((Date.now() - 25 * 3_600_000) / WINDOW_MS) * WINDOW_MS;
  const start = new Date(startMs).toISOString();
  // 4,000 lines/s at 2,880× is a line every 720 ms of event time: 120,000 lines for the day. With --seed the lines
  // do not depend on how fast they are written, so --rate 0 --step 720 makes the same bytes for the count here.
  const lineCount = (WINDOWS * WINDOW_MS) / 720;
  const seeded = ['--count', String(lineCount), '--seed', '21', '--start', start, ...PROFILE];
  const want = countWindows(generate(join(dir, 'day.ndjson'), ['--rate', '0', '--step', '720', ...seeded]));
  expect(want.windows.size).toBe(WINDOWS);

  const [port, apiPort] = [await freePort(), await freePort()];
  const api = `http://127.0.0.1:${apiPort}`;
  const out = join(dir, 'out');
  const config = join(dir, 'logpulse.yaml');
  writeFileSync(
    config,
    `source: "tcp-listen://127.0.0.1:${port}"\napi: { port: ${apiPort} }\nconsole: { enabled: false }\n` +
      `output: { dir: ${out}, rotateEvery: 2s }\ncheckpoint: { dir: ${join(dir, 'cp')} }\npipeline: { workers: 2 }\n`,
  );
  const d = spawnCli(['run', '-c', config], { cwd: dir });
  await waitForLog(d, 'source started');
  const gen = spawnCli(['gen', '--out', `tcp://127.0.0.1:${port}`, '--rate', '4000', '--speed', '2880', ...seeded], { stdout: 'ignore' });
  // What a dashboard and a scraper do meanwhile.
  let polls = 0;
  const poller = setInterval(() => {
    polls++;
    void fetch(`${api}/metrics`).then((r) => r.text(), () => '');
    void fetch(`${api}/windows?limit=50`).then((r) => r.text(), () => '');
  }, 500);
  try {
    expect(await gen.exit, gen.stderr()).toBe(0);
    await untilAsync('every line read', async () => (await metrics(api)).get('logpulse_lines_total{source="tcp-listen"}') === lineCount, { ms: 60_000 });
    // The day's stream has ended; a record a minute after the day, on a connection of its own, moves the watermark
    // past every window of the day (its own window stays open, and goes to the checkpoint at the stop).
    const after = new Date(startMs + WINDOWS * WINDOW_MS + 60_000).toISOString();
    await send(port, `{"timestamp": "${after}", "ip": "192.0.2.1", "method": "GET", "url": "/end", "status": 200}\n`);
    await untilAsync('every window of the day written', async () => (await metrics(api)).get('logpulse_windows_emitted_total') === WINDOWS, { ms: 60_000 });
  } finally {
    clearInterval(poller);
  }
  expect(polls).toBeGreaterThan(20);
  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr().slice(-3000)).toBe(0);
  expectRows(out, want, WINDOWS);
}, 180_000);
