// The HTTP API of a real daemon (`logpulse run`) and of `logpulse api`: routes, auth, the listening error.
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { lines, listKind, readKind } from '../e2e/helpers.js';
import { type CliProcess, spawnCli } from '../support/cli.js';
import { sleep } from '../support/wait.js';
import { apiUrl, spawnDaemon } from './helpers.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'logpulse-api-'));

/** The value of the sample `name` (with its labels, as exported: `x{a="b"}`) in Prometheus text. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** Fetches `url` every 100 ms until `done` holds for the answer (at most 20 s); returns the last answer. */
async function poll<T>(url: string, read: (r: Response) => Promise<T>, done: (answer: T) => boolean): Promise<T> {
  let answer = await read(await fetch(url));
  for (const started = Date.now(); !done(answer) && Date.now() - started < 20_000; ) {
    await sleep(100);
    answer = await read(await fetch(url));
  }
  return answer;
}

describe('the API of a running daemon (no token)', () => {
  let d: CliProcess;
  let url: string;
  beforeAll(async () => {
    d = spawnDaemon(tmp());
    url = await apiUrl(d);
  });
  afterAll(async () => {
    d.child.kill('SIGTERM');
    expect(await d.exit, d.stderr()).toBe(0);
    expect(d.stderr()).not.toContain('not available in this version');
  });

  it('GET /health is ok', async () => {
    const r = await fetch(`${url}/health`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready is 200 with its checks once the source started', async () => {
    const last = await poll(`${url}/ready`, async (r) => ({ status: r.status, body: (await r.json()) as unknown }), (a) => a.status === 200);
    expect(last.status, JSON.stringify(last.body)).toBe(200);
    expect(last.body).toMatchObject({ ready: true, checks: { source: { ok: true, detail: 'started' }, outputs: { ok: true } } });
  });

  it('GET /metrics has the process and the pipeline series, records counted', async () => {
    const r = await fetch(`${url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    const records = 'logpulse_records_total{source="generator"}';
    const text = await poll(`${url}/metrics`, (m) => m.text(), (t) => (sample(t, records) ?? 0) > 0);
    expect(sample(text, records)).toBeGreaterThan(0);
    expect(sample(text, 'logpulse_lines_total{source="generator"}')).toBeGreaterThanOrEqual(sample(text, records)!);
    for (const name of [
      'logpulse_lines_total',
      'logpulse_records_total',
      'logpulse_error_records_total',
      'logpulse_late_records_total',
      'logpulse_rejected_total',
      'logpulse_windows_emitted_total',
      'logpulse_alerts_fired_total',
      'logpulse_archived_rows_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} counter`);
    }
    expect(text).toContain('# TYPE logpulse_output_pending_bytes gauge');
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
  });

  it('GET /docs/json is an OpenAPI 3 document listing every route; /docs serves the UI from local assets', async () => {
    const doc = (await (await fetch(`${url}/docs/json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual(['/', '/alerts', '/events', '/health', '/ip-stats', '/metrics', '/minute-stats', '/ready', '/status-stats', '/url-stats', '/user-agent-stats', '/windows']);
    const html = await (await fetch(`${url}/docs`)).text();
    expect(html).toContain('swagger-ui');
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[^"']*\.js/);
    expect((await fetch(`${url}/docs/static/swagger-ui-bundle.js`)).status).toBe(200);
  });
});

describe('auth', () => {
  const token = 'tok-3f9a1c7e5b2d4086';
  let d: CliProcess;
  let url: string;
  beforeAll(async () => {
    d = spawnDaemon(tmp(), { env: { LOGPULSE_API_TOKEN: token } }, 'log:\n  level: debug\n');
    url = await apiUrl(d);
  });
  afterAll(async () => {
    d.child.kill('SIGTERM');
    expect(await d.exit, d.stderr()).toBe(0);
    expect(d.stderr()).not.toContain(token);
  });

  it('every route but /health answers 401 {error} without the token or with a wrong one', async () => {
    for (const path of ['/ready', '/metrics', '/docs/json', '/docs', '/ip-stats']) {
      const variants: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${token}x` }, { authorization: token }];
      for (const headers of variants) {
        const r = await fetch(`${url}${path}`, { headers });
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(await r.json()).toEqual({ error: expect.any(String) });
      }
    }
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('with the token, the routes answer', async () => {
    const authorization = `Bearer ${token}`;
    expect((await fetch(`${url}/metrics`, { headers: { authorization } })).status).toBe(200);
    expect((await fetch(`${url}/docs/json`, { headers: { authorization } })).status).toBe(200);
    expect([200, 503]).toContain((await fetch(`${url}/ready`, { headers: { authorization } })).status);
  });
});

describe('/windows and /alerts of a running daemon, then of logpulse api over the same files', () => {
  type Row = Record<string, unknown>;
  const identity = (r: Row): string => `${String(r.window_start)}|${String(r.kind)}|${String(r.status ?? '')}`;
  const alertIdentity = (a: Row): string => `${String(a.rule)}|${String(a.window_start)}|${String(a.group)}`;
  const page = async (url: string): Promise<{ rows: Row[]; total: number }> => (await (await fetch(url)).json()) as { rows: Row[]; total: number };

  it('rows not yet in a complete file are listed; after the stop the files hold the same rows, each once', async () => {
    const dir = tmp();
    const extra = 'pipeline:\n  window: 1s\n  watermark: 200ms\noutput:\n  rotateEvery: 1h\nalerts:\n  rules:\n    - { type: errors_per_status, threshold: 1 }\n';
    const d = spawnDaemon(dir, {}, extra);
    const url = await apiUrl(d);
    const live = await poll(`${url}/windows?kind=summary`, async (r) => (await r.json()) as { total: number }, (p) => p.total >= 3);
    expect(live.total).toBeGreaterThanOrEqual(3);
    // Files are completed hourly here: every row so far came from the daemon's memory.
    expect(listKind(join(dir, 'out'), 'metrics').filter((f) => f.endsWith('.ndjson'))).toEqual([]);
    const liveWindows = (await page(`${url}/windows?limit=10000`)).rows;
    const liveAlerts = (await page(`${url}/alerts?limit=10000`)).rows;
    expect(liveAlerts.length).toBeGreaterThan(0);
    d.child.kill('SIGTERM');
    expect(await d.exit, d.stderr()).toBe(0);

    const a = spawnCli(['api', '--port', '0', '--output', join(dir, 'out')], { cwd: dir });
    try {
      const filesUrl = await apiUrl(a);
      const fromFiles = (await page(`${filesUrl}/windows?limit=10000`)).rows;
      const alertsFromFiles = (await page(`${filesUrl}/alerts?limit=10000`)).rows;
      expect(new Set(fromFiles.map(identity)).size).toBe(fromFiles.length);
      const byIdentity = new Map(fromFiles.map((r) => [identity(r), r]));
      for (const row of liveWindows) expect(byIdentity.get(identity(row)), identity(row)).toEqual(row);
      const alertsByIdentity = new Map(alertsFromFiles.map((r) => [alertIdentity(r), r]));
      for (const alert of liveAlerts) expect(alertsByIdentity.get(alertIdentity(alert))).toEqual(alert);
      // What the files hold is what the daemon wrote, line for line.
      expect(fromFiles.length).toBe(lines(readKind(join(dir, 'out'), 'metrics')).length);
    } finally {
      a.child.kill('SIGTERM');
      expect(await a.exit, a.stderr()).toBe(0);
    }
  });
});

describe('listening', () => {
  it('a port in use: exit 1 with LP_ERR_API_LISTEN naming the address', async () => {
    const busy = createServer();
    busy.listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const port = (busy.address() as { port: number }).port;
    try {
      const dir = tmp();
      writeFileSync(join(dir, 'busy.yaml'), `api:\n  port: ${port}\n`);
      const r = spawnCli(['run', '-c', join(dir, 'busy.yaml'), '--source', 'generator:?rate=10', '--output', join(dir, 'out')], { cwd: dir });
      expect(await r.exit).toBe(1);
      expect(r.stderr()).toContain('LP_ERR_API_LISTEN');
      expect(r.stderr()).toContain(`127.0.0.1:${port}`);
      expect(r.stderr()).toContain('EADDRINUSE');
      expect(r.stderr()).not.toContain('source started');
    } finally {
      busy.close();
    }
  });

  it('logpulse api --port 0 serves /health, ready once listening, and exits 0 on SIGTERM', async () => {
    const a = spawnCli(['api', '--port', '0'], { cwd: tmp() });
    const url = await apiUrl(a);
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('process_cpu_user_seconds_total');
    expect(metrics).not.toContain('logpulse_records_total');
    a.child.kill('SIGTERM');
    expect(await a.exit, a.stderr()).toBe(0);
  });
});
