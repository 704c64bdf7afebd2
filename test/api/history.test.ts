// GET /windows and GET /alerts against the real server: rows of complete output files (never a `.part`), those of the
// in-memory ring not yet in a file, each row once, filtered, sorted and paged; 400 {error} on bad parameters.
import { rmSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RecentOutputs } from '../../src/api/recent-outputs.js';
import type { Alert } from '../../src/pipeline/output-port.js';
import { alertOf, type InProcessApi, ndjson, startApi, windowRows, writeOutputFile } from './in-process.js';

interface Page {
  rows: Record<string, unknown>[];
  total: number;
}

async function get(api: InProcessApi, path: string): Promise<{ status: number; body: Page & { error?: string } }> {
  const r = await fetch(`${api.url}${path}`);
  return { status: r.status, body: (await r.json()) as Page & { error?: string } };
}

const starts = (p: Page): unknown[] => p.rows.map((r) => `${String(r.window_start).slice(11, 19)} ${String(r.kind)}${r.status === undefined ? '' : ` ${String(r.status)}`}`);

describe('/windows', () => {
  let api: InProcessApi;
  beforeAll(async () => {
    api = await startApi();
    writeOutputFile(api.outputDir, 'metrics', 1, [...windowRows('2026-12-06T10:00:00.000Z', 100, 10), ...windowRows('2026-12-06T10:00:10.000Z', 200, 20, 404)]);
    // Event time unrelated to the file order (a replayed log): the file's own range decides whether it is read.
    writeOutputFile(api.outputDir, 'metrics', 2, windowRows('2026-12-06T09:00:00.000Z', 50, 5));
    // Being written: never read, even though its rows are not elsewhere.
    writeOutputFile(api.outputDir, 'metrics', 3, windowRows('2026-12-06T10:00:50.000Z', 1, 1), true);
    // The ring: one window also in a file (its file was just completed), one not yet in any.
    api.recent.windowRows(ndjson([...windowRows('2026-12-06T10:00:10.000Z', 200, 20, 404), ...windowRows('2026-12-06T10:00:20.000Z', 300, 30)]));
  });
  afterAll(() => api.server.close());

  it('lists file and ring rows once each, by window_start, summary first', async () => {
    const { status, body } = await get(api, '/windows');
    expect(status).toBe(200);
    expect(starts(body)).toEqual([
      '09:00:00 summary',
      '09:00:00 status 500',
      '10:00:00 summary',
      '10:00:00 status 500',
      '10:00:10 summary',
      '10:00:10 status 404',
      '10:00:20 summary',
      '10:00:20 status 500',
    ]);
    expect(body.total).toBe(8);
    expect(body.rows[2]).toEqual(windowRows('2026-12-06T10:00:00.000Z', 100, 10)[0]);
    expect(body.rows[3]).toMatchObject({ error_urls: ['/a'], top_urls: [{ url: '/a', count: 10 }] });
  });

  it('since (inclusive) and until (exclusive) on window_start; kind and status filter', async () => {
    const range = await get(api, '/windows?since=2026-12-06T10:00:00Z&until=2026-12-06T10:00:20Z');
    expect(starts(range.body)).toEqual(['10:00:00 summary', '10:00:00 status 500', '10:00:10 summary', '10:00:10 status 404']);
    const summaries = await get(api, '/windows?kind=summary&since=2026-12-06T10:00:00%2B00:00');
    expect(starts(summaries.body)).toEqual(['10:00:00 summary', '10:00:10 summary', '10:00:20 summary']);
    const only500 = await get(api, '/windows?status=500');
    expect(starts(only500.body)).toEqual(['09:00:00 status 500', '10:00:00 status 500', '10:00:20 status 500']);
  });

  it('order=desc with limit gives the newest rows; offset pages; total counts every match', async () => {
    const newest = await get(api, '/windows?kind=summary&order=desc&limit=2');
    expect(starts(newest.body)).toEqual(['10:00:20 summary', '10:00:10 summary']);
    expect(newest.body.total).toBe(4);
    const next = await get(api, '/windows?kind=summary&order=desc&limit=2&offset=2');
    expect(starts(next.body)).toEqual(['10:00:00 summary', '09:00:00 summary']);
  });

  it('a file completed after the first query is read; a removed file is forgotten', async () => {
    writeOutputFile(api.outputDir, 'metrics', 4, windowRows('2026-12-06T11:00:00.000Z', 7, 0));
    expect(starts((await get(api, '/windows?kind=summary&order=desc&limit=1')).body)).toEqual(['11:00:00 summary']);
    rmSync(join(api.outputDir, 'metrics', 'metrics-20261206T100000Z-all-000004.ndjson'));
    expect(starts((await get(api, '/windows?kind=summary&order=desc&limit=1')).body)).toEqual(['10:00:20 summary']);
  });

  it('400 {error} naming the parameter', async () => {
    for (const [query, says] of [
      ['limit=0', 'limit'],
      ['limit=10001', 'limit'],
      ['since=yesterday', 'since'],
      ['until=2026-12-06', 'until'],
      ['status=abc', 'status'],
      ['kind=total', 'kind'],
      ['order=up', 'order'],
      ['since=2026-12-06T11:00:00Z&until=2026-12-06T10:00:00Z', 'before'],
    ] as const) {
      const { status, body } = await get(api, `/windows?${query}`);
      expect(status, query).toBe(400);
      expect(body.error, query).toContain(says);
    }
  });
});

describe('/alerts', () => {
  let api: InProcessApi;
  beforeAll(async () => {
    api = await startApi();
    writeOutputFile(api.outputDir, 'alerts', 1, [alertOf('2026-12-06T10:00:00.000Z', '500', '2026-12-06T12:00:05.000Z'), alertOf('2026-12-06T10:00:10.000Z', '404', '2026-12-06T12:00:01.000Z')]);
    writeOutputFile(api.outputDir, 'alerts', 2, [alertOf('2026-12-06T10:00:20.000Z', '500', '2026-12-06T12:00:09.000Z')], true);
    api.recent.alert(alertOf('2026-12-06T10:00:10.000Z', '404', '2026-12-06T12:00:01.000Z') as Alert);
    api.recent.alert(alertOf('2026-12-06T10:00:30.000Z', '503', '2026-12-06T12:00:00.000Z') as Alert);
  });
  afterAll(() => api.server.close());

  const groups = (p: Page): unknown[] => p.rows.map((a) => a.group);

  it('files and ring, each (rule, window, group) once, by window_start', async () => {
    const { status, body } = await get(api, '/alerts');
    expect(status).toBe(200);
    expect(groups(body)).toEqual(['500', '404', '503']);
    expect(body.rows[0]).toEqual(alertOf('2026-12-06T10:00:00.000Z', '500', '2026-12-06T12:00:05.000Z'));
  });

  it('by=emitted_at: range and order on the time each fired', async () => {
    expect(groups((await get(api, '/alerts?by=emitted_at')).body)).toEqual(['503', '404', '500']);
    const range = await get(api, '/alerts?by=emitted_at&since=2026-12-06T12:00:01Z&until=2026-12-06T12:00:05Z');
    expect(groups(range.body)).toEqual(['404']);
    expect(groups((await get(api, '/alerts?order=desc&limit=1')).body)).toEqual(['503']);
    expect((await get(api, '/alerts?by=fired')).status).toBe(400);
  });
});

describe('files only (logpulse api)', () => {
  it('rows emitted but not yet in a file are not known: the ring is not there', async () => {
    const api = await startApi({ withRecent: false });
    try {
      writeOutputFile(api.outputDir, 'metrics', 1, windowRows('2026-12-06T10:00:00.000Z', 100, 10));
      api.recent.windowRows(ndjson(windowRows('2026-12-06T10:00:10.000Z', 1, 1)));
      const { body } = await get(api, '/windows?kind=summary');
      expect(starts(body)).toEqual(['10:00:00 summary']);
      expect((await get(api, '/alerts')).body).toEqual({ rows: [], total: 0 });
    } finally {
      await api.server.close();
    }
  });
});

describe('the ring of recent rows', () => {
  it('is bounded: the oldest rows and alerts go first', () => {
    const ring = new RecentOutputs({ maxWindowBytes: 10_000, maxAlerts: 10 });
    for (let i = 0; i < 500; i++) {
      const start = new Date(Date.parse('2026-12-06T10:00:00Z') + i * 10_000).toISOString();
      ring.windowRows(ndjson(windowRows(start, 10, 1)));
      ring.alert(alertOf(start, '500', start) as Alert);
    }
    const bytes = ring.windows.reduce((n, r) => n + JSON.stringify(r).length, 0);
    expect(bytes).toBeLessThanOrEqual(10_000);
    expect(ring.windows.length).toBeGreaterThan(10);
    expect(ring.windows.at(-1)!.window_start).toBe(new Date(Date.parse('2026-12-06T10:00:00Z') + 499 * 10_000).toISOString());
    expect(ring.alerts.length).toBeLessThanOrEqual(10);
    expect(ring.alerts.at(-1)!.window_start).toBe(ring.windows.at(-1)!.window_start);
  });
});
