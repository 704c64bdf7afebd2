// `node --import tsx bench/api-stats.ts [RECORDS] [KEYS]` — latency of every stats endpoint over views of KEYS rows
// (default 1 M distinct IPs, URLs and user agents among 3 M records), with a speed layer on top (200 k records
// archived after the batch, half of them new keys). Issue 11's goal: p99 <= 20 ms per endpoint.
// The API runs here as inside the daemon (DuckDB on every core); requests go over HTTP with keep-alive, one at a
// time, in shapes a dashboard sends: first page, another sort, a page deep in, one key. Time-range queries on the
// archive (layer "archive") are timed apart: they aggregate the range once, then page from it.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

import { partitionOf, HOUR_US } from '../src/archive/layout.js';
import { History } from '../src/api/history.js';
import { LiveHub } from '../src/api/live.js';
import { createRegistry } from '../src/api/metrics.js';
import { ApiServer } from '../src/api/server.js';
import { LambdaStats } from '../src/api/stats/lambda.js';
import { createLogger } from '../src/log.js';
import { batchInProcess, openDuck } from '../test/support/archive.js';

const records = Number(process.argv[2] ?? 3_000_000);
const keys = Number(process.argv[3] ?? 1_000_000);
const speedRecords = 200_000;
const START_US = Date.UTC(2026, 11, 5, 0) * 1000;
const HOURS = 24;
const root = mkdtempSync(join(tmpdir(), 'logpulse-bench-api-'));
const archiveDir = join(root, 'logs');
const log = createLogger('warn');
const say = (m: string) => process.stderr.write(`${m}\n`);

/** `count` records from index `first`, keys drawn among `keyCount` (offset by `keyBase`), one file per hour. */
async function writeRecords(run: string, first: number, count: number, keyBase: number, keyCount: number): Promise<void> {
  const duck = await openDuck();
  const perHour = Math.ceil(count / HOURS);
  for (let h = 0; h < HOURS; h++) {
    const lo = first + h * perHour;
    const hi = Math.min(first + count, lo + perHour);
    if (hi <= lo) continue;
    const dir = join(archiveDir, partitionOf(START_US + h * HOUR_US));
    mkdirSync(dir, { recursive: true });
    const k = (salt: number) => `(${keyBase} + hash(i * 8 + ${salt}) % ${keyCount})::BIGINT`;
    await duck.conn.run(
      `COPY (SELECT make_timestamp(${START_US + h * HOUR_US} + (i - ${lo}) * ${HOUR_US} // ${hi - lo})::TIMESTAMPTZ AS timestamp, ` +
        `'10.' || (${k(1)} // 65536) || '.' || (${k(1)} // 256 % 256) || '.' || (${k(1)} % 256) AS ip, 'GET' AS method, ` +
        `'/item/' || ${k(2)} AS url, (CASE WHEN hash(i * 8 + 3) % 10 = 0 THEN 500 WHEN hash(i * 8 + 3) % 10 = 1 THEN 404 ELSE 200 END)::SMALLINT AS status, ` +
        `'agent-' || ${k(4)} AS user_agent, NULL::VARCHAR AS referer, 100::BIGINT AS size, false AS late, 'bench' AS stream, 0::SMALLINT AS shard ` +
        `FROM range(${lo}, ${hi}) t(i)) TO '${join(dir, `part-${run}-0-${String(h + 1).padStart(10, '0')}.parquet`)}' (FORMAT parquet)`,
    );
  }
  duck.close();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

try {
  let t = performance.now();
  await writeRecords('batched', 0, records, 0, keys);
  await batchInProcess(archiveDir, join(root, 'batch'));
  await writeRecords('speed', records, speedRecords, keys / 2, keys);
  say(`archive + batch: ${records.toLocaleString('en')} records, ${keys.toLocaleString('en')} keys, in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  t = performance.now();
  const stats = await LambdaStats.open({ archiveDir, batchDir: join(root, 'batch'), errorStatusMin: 400, threads: Number(process.env.STATS_THREADS ?? availableParallelism()), log });
  await stats.refresh();
  const loadSeconds = (performance.now() - t) / 1000;
  say(`stats tables loaded in ${loadSeconds.toFixed(2)} s; speed layer: ${stats.state.speedRecords.toLocaleString('en')} records`);
  const server = await ApiServer.create({
    host: '127.0.0.1',
    port: 0,
    token: null,
    log,
    readiness: () => ({}),
    registry: createRegistry(),
    history: new History({ outputDir: join(root, 'out'), recent: null }),
    live: new LiveHub({ probe: null }),
    stats,
  });
  const base = await server.listen();

  // Every request differs from the ones before (a page size, an offset, a key), so none is answered from the
  // API's answer cache: these are cold queries. The warm figure (the same request again) is measured after.
  const ip = (i: number) => `10.${(i * 7919) % 16}.${(i * 31) % 256}.${i % 256}`;
  const shapes: Record<string, Array<(i: number) => string>> = {
    '/ip-stats': [(i) => `?limit=${50 + i}`, (i) => `?sort=errors&limit=${50 + i}`, (i) => `?offset=${i * 20}&limit=50`, (i) => `?ip=${ip(i)}`],
    '/url-stats': [(i) => `?limit=${50 + i}`, (i) => `?sort=error_rate&limit=${50 + i}`, (i) => `?offset=${i * 20}&limit=50`, (i) => `?url=/item/${i * 77}`],
    '/status-stats': [(i) => `?limit=${10 + i}`, (i) => `?sort=count&limit=${10 + i}`],
    '/minute-stats': [(i) => `?limit=${50 + i}`, (i) => `?from=2026-12-05T06:00:00Z&to=2026-12-05T12:00:00Z&limit=${50 + i}`],
    '/user-agent-stats': [(i) => `?offset=${i * 20}&limit=50`, (i) => `?limit=${50 + i}`, (i) => `?sort=user_agent&order=desc&limit=${50 + i}`],
  };
  const REQUESTS = 200;
  const result: Record<string, { p50: number; p99: number; max: number }> = {};
  for (const [route, queries] of Object.entries(shapes)) {
    const times: number[] = [];
    const byShape = new Map<string, number[]>();
    for (let i = 0; i < REQUESTS + 20; i++) {
      const shape = queries[i % queries.length]!;
      const query = shape(i);
      const started = performance.now();
      const res = await fetch(`${base}${route}${query}`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${route}${query}: ${res.status}`);
      if (i < 20) continue;
      const ms = performance.now() - started;
      times.push(ms);
      const name = shape(0);
      byShape.set(name, [...(byShape.get(name) ?? []), ms]);
    }
    times.sort((a, b) => a - b);
    result[route] = { p50: +percentile(times, 50).toFixed(2), p99: +percentile(times, 99).toFixed(2), max: +times.at(-1)!.toFixed(2) };
    const shapesText = [...byShape].map(([q, t]) => `${q || '(first page)'} p50 ${percentile(t.sort((a, b) => a - b), 50).toFixed(1)}`).join('; ');
    say(`${route}: p50 ${result[route].p50} ms, p99 ${result[route].p99} ms — ${shapesText}`);
  }

  // Warm: one dashboard's requests again, before the tables change.
  const warm: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    await (await fetch(`${base}/ip-stats?limit=20`)).arrayBuffer();
    warm.push(performance.now() - started);
  }
  warm.sort((a, b) => a - b);
  const warmP99 = +percentile(warm, 99).toFixed(2);
  say(`warm (the same request again): p99 ${warmP99} ms`);

  // A range on the archive: the first page pays the aggregate, the next pages read it.
  const range = '/ip-stats?from=2026-12-05T06:00:00Z&to=2026-12-05T12:00:00Z';
  t = performance.now();
  await (await fetch(`${base}${range}`)).arrayBuffer();
  const firstRange = performance.now() - t;
  t = performance.now();
  for (let i = 1; i <= 20; i++) await (await fetch(`${base}${range}&offset=${i * 100}`)).arrayBuffer();
  const nextPages = (performance.now() - t) / 20;
  await server.close();
  process.stdout.write(
    `${JSON.stringify({ records, keys, speedRecords, loadSeconds: +loadSeconds.toFixed(2), endpoints: result, warmP99, archiveRangeFirstMs: +firstRange.toFixed(1), archiveRangeNextPageMs: +nextPages.toFixed(2) })}\n`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
