// The stats endpoints against a real archive and a real batch: the lambda merge is exact (batch + every row archived
// since, once — also when a compaction merges batched and unbatched files, and when a file the speed layer read is
// swept away), pages and filters match a direct count, bad parameters are 400 with a message.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compactHour } from '../../src/archive/compaction.js';
import { listHours } from '../../src/archive/layout.js';
import type { ApiServer } from '../../src/api/server.js';
import { LambdaStats } from '../../src/api/stats/lambda.js';
import { createLogger } from '../../src/log.js';
import { compactParquet } from '../../src/native.js';
import { type ArchiveRecord, asClf, batchInProcess, generateRecords, writeNativeArchive } from '../support/archive.js';
import { Rng } from '../support/rng.js';
import { sleep, untilAsync } from '../support/wait.js';
import { startApi } from './in-process.js';

const HOUR0 = Date.UTC(2026, 11, 6, 8) * 1000;
const log = createLogger('silent');

interface Row {
  [k: string]: string | number;
}

function countBy(records: readonly ArchiveRecord[], key: (r: ArchiveRecord) => string | number | null): Map<string | number, { n: number; errors: number }> {
  const out = new Map<string | number, { n: number; errors: number }>();
  for (const r of records) {
    const k = key(r);
    if (k === null) continue;
    const c = out.get(k) ?? { n: 0, errors: 0 };
    c.n++;
    if (r.status >= 400) c.errors++;
    out.set(k, c);
  }
  return out;
}

const batch = (root: string): Promise<void> => batchInProcess(join(root, 'archive'), join(root, 'batch'));

describe('stats endpoints: batch view + speed layer', () => {
  let root: string;
  let stats: LambdaStats;
  let server: ApiServer;
  let base: string;
  const all: ArchiveRecord[] = [];

  const get = async (path: string): Promise<{ status: number; body: { rows: Row[]; total: number; error?: string; source: { layer: string } } }> => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: (await res.json()) as never };
  };
  const allRows = async (route: string, query = ''): Promise<Row[]> => (await get(`${route}?limit=10000${query}`)).body.rows;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'lp-stats-'));
    const archive = join(root, 'archive');
    const rng = new Rng(11);
    // Run 1: two hours, batched.
    const first = asClf(generateRecords(rng, HOUR0, 2, 3000));
    expect(writeNativeArchive(archive, first, 'r1', 1)).toBe(first.length);
    await batch(root);
    // Run 2, after the batch: the same hours and a third one.
    const second = asClf(generateRecords(rng, HOUR0, 3, 1000));
    expect(writeNativeArchive(archive, second, 'r2', 1)).toBe(second.length);
    all.push(...first, ...second);
    stats = await LambdaStats.open({ archiveDir: archive, batchDir: join(root, 'batch'), errorStatusMin: 400, threads: 1, log });
    await stats.refresh();
    const api = await startApi({ stats });
    server = api.server;
    base = api.url;
  });

  afterAll(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const expectIpStats = async (records: readonly ArchiveRecord[]): Promise<void> => {
    const want = [...countBy(records, (r) => r.ip)].map(([ip, c]) => ({ ip, nb_connexions: c.n, errors: c.errors }));
    const got = await allRows('/ip-stats');
    expect(got.length).toBe(want.length);
    expect(new Map(got.map((r) => [r.ip, r]))).toEqual(new Map(want.map((r) => [r.ip, r])));
  };

  it('every view equals a direct count of all records: the batch and what was archived after it, each once', async () => {
    expect(stats.state.batchId).not.toBeNull();
    expect(stats.state.speedRecords).toBe(3000);
    await expectIpStats(all);

    const urls = await allRows('/url-stats');
    const wantUrls = countBy(all, (r) => r.url);
    expect(urls.length).toBe(wantUrls.size);
    for (const u of urls) {
      const w = wantUrls.get(u.url!)!;
      expect(u).toEqual({ url: u.url, requests: w.n, errors: w.errors, error_rate: w.errors / w.n });
    }
    const statuses = await allRows('/status-stats');
    expect(statuses).toEqual([...countBy(all, (r) => r.status)].sort((a, b) => Number(a[0]) - Number(b[0])).map(([status, c]) => ({ status, count: c.n })));
    const agents = await allRows('/user-agent-stats');
    expect(new Map(agents.map((a) => [a.user_agent, a.nb_connexions]))).toEqual(new Map([...countBy(all, (r) => r.userAgent)].map(([k, c]) => [k, c.n])));
    const minutes = await allRows('/minute-stats');
    const wantMinutes = countBy(all, (r) => new Date(Math.floor(r.timestampUs / 60e6) * 60e3).toISOString());
    expect(minutes.map((m) => m.minute)).toEqual([...wantMinutes.keys()].sort());
    for (const m of minutes) expect([m.requests, m.errors]).toEqual([wantMinutes.get(m.minute!)!.n, wantMinutes.get(m.minute!)!.errors]);
  });

  it('pages through the merged view in order: sort, order, limit, offset, total', async () => {
    const want = new Map([...countBy(all, (r) => r.ip)].map(([ip, c]) => [String(ip), { ip: String(ip), nb_connexions: c.n, errors: c.errors }]));
    const pages: Row[] = [];
    for (let offset = 0; offset < want.size; offset += 7) {
      const { body } = await get(`/ip-stats?sort=errors&limit=7&offset=${offset}`);
      expect(body.total).toBe(want.size);
      pages.push(...body.rows);
    }
    // Every row once, most errors first (rows with equal errors in a stable order of the API's choosing).
    expect(new Map(pages.map((r) => [r.ip, r]))).toEqual(want);
    expect(pages.length).toBe(want.size);
    expect(pages.map((r) => r.errors)).toEqual([...want.values()].map((r) => r.errors).sort((a, b) => b - a));
    expect((await get('/ip-stats?sort=errors&limit=10000')).body.rows).toEqual(pages);
    const byIp = (await get('/ip-stats?sort=ip&order=desc&limit=10000')).body.rows.map((r) => r.ip);
    expect(byIp).toEqual([...want.keys()].sort().reverse());
    const asc = (await get('/url-stats?sort=error_rate&order=asc&limit=3')).body.rows;
    const rates = [...countBy(all, (r) => r.url)].map(([, c]) => c.errors / c.n).sort((a, b) => a - b);
    expect(asc.map((r) => r.error_rate)).toEqual(rates.slice(0, 3));
  });

  it('filters: the key of the view from the lambda tables, any other column or a time range from the archive', async () => {
    const ip = all[0]!.ip;
    const one = await get(`/ip-stats?ip=${encodeURIComponent(ip)}`);
    expect(one.body.source.layer).toBe('lambda');
    expect(one.body.rows).toEqual([{ ip, nb_connexions: all.filter((r) => r.ip === ip).length, errors: all.filter((r) => r.ip === ip && r.status >= 400).length }]);

    const notFound = await get('/ip-stats?status=404&limit=10000');
    expect(notFound.body.source.layer).toBe('archive');
    expect(new Map(notFound.body.rows.map((r) => [r.ip, r.nb_connexions]))).toEqual(
      new Map([...countBy(all.filter((r) => r.status === 404), (r) => r.ip)].map(([k, c]) => [k, c.n])),
    );

    const fromUs = HOUR0 + 1_800_000_000;
    const toUs = HOUR0 + 2 * 3_600_000_000 + 600_000_000;
    const q = `&from=${new Date(fromUs / 1000).toISOString()}&to=${new Date(toUs / 1000).toISOString()}`;
    const inRange = all.filter((r) => r.timestampUs >= fromUs && r.timestampUs < toUs);
    const urls = await allRows('/url-stats', q);
    expect(new Map(urls.map((r) => [r.url, r.requests]))).toEqual(new Map([...countBy(inRange, (r) => r.url)].map(([k, c]) => [k, c.n])));
    const minutes = await allRows('/minute-stats', q);
    expect(minutes.reduce((s, m) => s + Number(m.requests), 0)).toBe(inRange.length);
  });

  it('a compaction that merges batched and unbatched files changes no answer; a file swept away is taken out', async () => {
    const archive = join(root, 'archive');
    const hours = await listHours(archive);
    const hour = hours[0]!;
    expect(hour.names.some((n) => n.includes('-r1-')) && hour.names.some((n) => n.includes('-r2-'))).toBe(true);
    await compactHour(archive, { hour, inputs: hour.names }, { run: 'c1', seq: 1 }, compactParquet);
    await stats.refresh();
    await expectIpStats(all);

    // A crashed run's files are deleted at the next start (and its records read again under a new run).
    const third = join(archive, hours[2]!.partition);
    const swept = hours[2]!.names.filter((n) => n.includes('-r2-'));
    for (const n of swept) rmSync(join(third, n));
    await stats.refresh();
    await expectIpStats(all.filter((r) => !(r.timestampUs >= hours[2]!.hourStartUs && r.timestampUs < hours[2]!.hourStartUs + 3_600_000_000)));
  });

  it('a new batch takes over what the speed layer held, with the same answers', async () => {
    const before = await allRows('/ip-stats');
    await batch(root);
    await stats.refresh();
    expect(stats.state.speedRecords).toBe(0);
    expect(new Map((await allRows('/ip-stats')).map((r) => [r.ip, r]))).toEqual(new Map(before.map((r) => [r.ip, r])));
  });

  it('a bad parameter is a 400 naming it', async () => {
    for (const [query, word] of [
      ['sort=nope', 'sort'],
      ['limit=0', 'limit'],
      ['limit=100000', 'limit'],
      ['from=yesterday', 'from'],
      ['from=2026-12-06T10:00:00Z&to=2026-12-06T09:00:00Z', 'before'],
      ['order=up', 'order'],
      ['colour=red', 'colour'],
    ] as const) {
      const res = await get(`/ip-stats?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toContain(word);
    }
  });
});

describe('stats refresh', () => {
  it('looks at the archive again only while answers are asked for', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lp-stats-idle-'));
    const archive = join(root, 'archive');
    const records = asClf(generateRecords(new Rng(5), HOUR0, 1, 200));
    writeNativeArchive(archive, records, 'r1', 1);
    const lambda = await LambdaStats.open({ archiveDir: archive, batchDir: join(root, 'batch'), errorStatusMin: 400, threads: 1, log });
    const api = await startApi({ stats: lambda });
    try {
      await lambda.start(50);
      expect(lambda.state.speedRecords).toBe(200);
      const looked = lambda.state.refreshedAt;
      writeNativeArchive(archive, records, 'r2', 1);
      await sleep(300); // six ticks, nobody asking
      expect(lambda.state.refreshedAt).toBe(looked);
      expect(lambda.state.speedRecords).toBe(200);
      const first = (await (await fetch(`${api.url}/status-stats`)).json()) as { rows: { count: number }[] };
      expect(first.rows.reduce((n, r) => n + r.count, 0)).toBe(200); // answered from the last look
      await untilAsync('the next look', async () => lambda.state.speedRecords === 400, { ms: 5_000, everyMs: 20 });
    } finally {
      await api.server.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('stats endpoints without the archive', () => {
  it('answer 503 saying how to turn them on', async () => {
    const { server, url } = await startApi();
    try {
      const res = await fetch(`${url}/url-stats`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toContain('archive.enabled');
    } finally {
      await server.close();
    }
  });
});
