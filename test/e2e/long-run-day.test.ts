// Issue 20, long-run correctness: a day of event time through the daemon in well under a minute. `logpulse gen`
// writes 24 h of simulated time (a line every 250 ms, some late, some errors; `--start`/`--step`), the daemon reads
// it as a `file:` with 2 workers, and every one of the 2,880 windows' rows — the last as the first — equals a count
// made here, line by line, with SPEC §3's rules (one ordered stream: a record is late once the watermark, the
// newest event time minus 10 s, has passed its window's end). A state that grew or drifted with the number of
// windows seen (a counter not reset, a window kept) would show in the later windows.
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { spawnCli } from '../support/cli.js';
import { CLI } from '../support/paths.js';
import { alertKeys, lines, readKind } from './helpers.js';

const WINDOW_MS = 30_000;
const WATERMARK_MS = 10_000;
const STEP_MS = 250;
const WINDOWS = 2_880;
const LINES = (WINDOWS * WINDOW_MS) / STEP_MS; // 345,600
const START = '2026-01-01T00:00:00Z';

interface Count {
  requests: number;
  errors: number;
  ips: Set<string>;
  errorIps: Set<string>;
  /** Error status → its records' IPs and count. */
  statuses: Map<number, { count: number; ips: Set<string> }>;
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
  const data = join(dir, 'day.ndjson');
  const fd = openSync(data, 'w');
  const gen = spawnSync(
    process.execPath,
    [CLI, 'gen', '--rate', '0', '--count', String(LINES), '--seed', '20', '--start', START, '--step', String(STEP_MS), '--users', '400', '--error-user-percent', '5', '--late-fraction', '0.002', '--late-by', '120'],
    { stdio: ['ignore', fd, 'pipe'] },
  );
  closeSync(fd);
  expect(gen.status, gen.stderr.toString()).toBe(0);
  const text = readFileSync(data, 'utf8');
  const want = countWindows(text);
  expect(want.windows.size).toBe(WINDOWS);
  expect(want.late).toBeGreaterThan(300);

  const out = join(dir, 'out');
  const config = join(dir, 'logpulse.yaml');
  writeFileSync(config, `source: "file:${data}"\napi: { enabled: false }\nconsole: { enabled: false }\noutput: { dir: ${out} }\ncheckpoint: { dir: ${join(dir, 'cp')} }\npipeline: { workers: 2 }\n`);
  const d = spawnCli(['run', '-c', config], { cwd: dir });
  expect(await d.exit, d.stderr().slice(-3000)).toBe(0);

  const rows = lines(readKind(out, 'metrics')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const summaries = rows.filter((r) => r['kind'] === 'summary');
  const statusRows = rows.filter((r) => r['kind'] === 'status');
  expect(summaries.length).toBe(WINDOWS);
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
  const wantStatus = [...want.windows].flatMap(([start, w]) => [...w.statuses].map(([status, s]) => `${new Date(start).toISOString()}|${status}|${s.count}|${s.ips.size}`));
  const gotStatus = statusRows.map((r) => `${new Date(Date.parse(r['window_start'] as string)).toISOString()}|${r['status']}|${r['error_count']}|${r['unique_ips']}`);
  expect(gotStatus.sort()).toEqual(wantStatus.sort());

  // Late records: counted and written to rejected/, as many at the end of the day as the count says.
  const late = lines(readKind(out, 'rejected')).filter((l) => (JSON.parse(l) as { reason: string }).reason === 'late');
  expect(late.length).toBe(want.late);
  // Each alert once per (rule, window, group) over the whole day.
  const alerts = alertKeys(readKind(out, 'alerts'));
  expect(new Set(alerts).size).toBe(alerts.length);
}, 180_000);
