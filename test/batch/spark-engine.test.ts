// `logpulse batch --engine spark` (Spark 3.5 from PyPI, local[2]) against `--engine duckdb` on one archive: every
// view's Parquet file holds the same rows with the same column types (ip_stats, unordered, sorted first), every CSV
// file the same bytes (ip_stats' lines sorted), and the manifests say the same (records, rows, coverage, first and
// cutoff event time) but the engine. Doubles are compared exactly: both engines divide IEEE doubles the same way.
// The fixture (helpers.ts: a compacted hour, a mid-compaction hour) gets an hour of records whose text needs CSV
// quoting (commas, quotes, a line break, spaces at the ends, an empty string), null URLs and user agents, and
// sub-second times. And the failures: a file Spark cannot read, no spark-submit, --master without Spark, an unknown
// engine.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HOUR_US, partitionOf } from '../../src/archive/layout.js';
import type { Manifest } from '../../src/batch/manifest.js';
import { type ArchiveRecord, openDuck, writeParquet } from '../support/archive.js';
import { spawnCli } from '../support/cli.js';
import { ensureSparkSubmit, SPARK_INSTALL_MS } from '../support/spark.js';
import { type Fixture, makeFixture, PERCENTILE, RULES, START_US } from './helpers.js';

const VIEWS = ['ip_stats', 'url_stats', 'status_stats', 'minute_stats', 'user_agent_stats', 'thresholds'] as const;

/** Text a CSV writer must quote or keep as is, and values that are NULL. */
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'say "hi"',
  ' leading and trailing ',
  '',
  'line\nbreak',
  'back\\slash',
  "it's ünïcødé ☃",
  'NULL',
  null,
];
const URLS = ['/search?q=a,b', '/quote"d', '/plain', null];

function awkwardHour(): ArchiveRecord[] {
  const start = START_US + 3 * HOUR_US;
  return Array.from({ length: 600 }, (_, i) => ({
    timestampUs: start + i * 5_999_917,
    ip: `192.168.${i % 3}.${i % 7}`,
    method: 'GET',
    url: URLS[i % URLS.length] as string,
    status: [200, 404, 500, 503][i % 4]!,
    userAgent: AGENTS[i % AGENTS.length]!,
    referer: null,
    size: i,
    late: i % 10 === 0,
    stream: 'tcp:test',
    shard: 0,
  }));
}

let fx: Fixture;
let submit: string;
const out: Record<'duckdb' | 'spark', { dir: string; code: number | null; stderr: string }> = {} as never;

function config(name: string, batch: Record<string, unknown>): string {
  const path = join(fx.root, `${name}.json`);
  writeFileSync(path, JSON.stringify({ archive: { dir: fx.archiveDir }, batch, alerts: { rules: RULES, thresholdsPercentile: PERCENTILE } }));
  return path;
}

async function batch(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const p = spawnCli(['batch', ...args]);
  return { code: await p.exit, stderr: p.stderr() };
}

beforeAll(async () => {
  [fx, submit] = await Promise.all([makeFixture(23), ensureSparkSubmit()]);
  const duck = await openDuck();
  try {
    await writeParquet(duck.conn, join(fx.archiveDir, partitionOf(START_US + 3 * HOUR_US), 'part-r2-0-0000000001.parquet'), awkwardHour());
  } finally {
    duck.close();
  }
  for (const engine of ['duckdb', 'spark'] as const) {
    const dir = join(fx.root, `batch-${engine}`);
    const args = ['-c', config(engine, { dir, sparkSubmit: submit }), '--engine', engine, ...(engine === 'spark' ? ['--master', 'local[2]'] : [])];
    out[engine] = { dir, ...(await batch(args)) };
  }
}, SPARK_INSTALL_MS + 180_000);
afterAll(() => fx?.cleanup());

/** A view's Parquet rows (ip_stats sorted), and its columns' names and types, read by DuckDB. */
async function parquet(dir: string, view: string): Promise<{ rows: unknown[][]; columns: unknown[][] }> {
  const duck = await openDuck();
  try {
    const from = `read_parquet('${join(dir, view, `${view}.parquet`)}')`;
    const rows = (await duck.conn.runAndReadAll(`SELECT * FROM ${from}${view === 'ip_stats' ? ' ORDER BY ip' : ''}`)).getRowsJS();
    const columns = (await duck.conn.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${from})`)).getRowsJS();
    return { rows, columns };
  } finally {
    duck.close();
  }
}

/** A view's CSV text; ip_stats' rows sorted (one line each: IPs need no quoting). */
function csv(dir: string, view: string): string {
  const text = readFileSync(join(dir, view, `${view}.csv`), 'utf8');
  if (view !== 'ip_stats') return text;
  const [header, ...lines] = text.split('\n');
  return [header, ...lines.filter((l) => l !== '').sort()].join('\n');
}

describe('logpulse batch --engine spark writes what --engine duckdb writes', () => {
  it('both batches succeed; the Spark one says it ran Spark', () => {
    expect(out.duckdb.code, out.duckdb.stderr).toBe(0);
    expect(out.spark.code, out.spark.stderr).toBe(0);
    expect(out.spark.stderr).toContain('batch: Spark started');
  });

  for (const view of VIEWS) {
    it(`${view}: the same Parquet rows and column types, the same CSV bytes`, async () => {
      const [duck, spark] = [await parquet(out.duckdb.dir, view), await parquet(out.spark.dir, view)];
      expect(spark.columns).toEqual(duck.columns);
      expect(spark.rows).toEqual(duck.rows);
      expect(csv(out.spark.dir, view)).toBe(csv(out.duckdb.dir, view));
    });
  }

  it('the views are not trivially equal: every view has rows, the awkward text and nulls are in them', async () => {
    const m = JSON.parse(readFileSync(join(out.duckdb.dir, 'manifest.json'), 'utf8')) as Manifest;
    for (const view of VIEWS) expect(m.rows[view], view).toBeGreaterThan(view === 'thresholds' ? 3 : 4);
    const agents = readFileSync(join(out.duckdb.dir, 'user_agent_stats', 'user_agent_stats.csv'), 'utf8');
    for (const text of ['"say ""hi"""', '"line\nbreak"', `"${AGENTS[0]}"`, '\n leading and trailing ,']) expect(agents).toContain(text);
    expect(agents).toMatch(/\n"",\d+\n/);
    expect(readFileSync(join(out.duckdb.dir, 'url_stats', 'url_stats.csv'), 'utf8')).toMatch(/\n,\d+,\d+,/);
  });

  it('the manifests agree on everything but the engine, the batch id and the times', () => {
    const [duck, spark] = (['duckdb', 'spark'] as const).map((e) => JSON.parse(readFileSync(join(out[e].dir, 'manifest.json'), 'utf8')) as Manifest);
    expect(duck!.engine).toBe('duckdb');
    expect(spark!.engine).toBe('spark');
    const same = ({ batchId: _b, createdAt: _c, durationMs: _d, engine: _e, ...rest }: Manifest) => rest;
    expect(same(spark!)).toEqual(same(duck!));
    expect(spark!.records).toBe(fx.records.length + 600);
  });
});

describe('logpulse batch --engine / --master on the command line', () => {
  it('--engine spark without a spark-submit: exit 1, LP_ERR_BATCH_ENGINE saying how to install it', async () => {
    const dir = join(fx.root, 'no-spark');
    const r = await batch(['-c', config('no-spark', { dir, sparkSubmit: join(fx.root, 'nowhere', 'spark-submit') }), '--engine', 'spark']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('LP_ERR_BATCH_ENGINE: spark-submit not found');
    expect(r.stderr).toContain('pip install pyspark==3.5.9');
  });

  it('a file Spark cannot read as the archive (status as text): exit 1, LP_ERR_BATCH_INPUT naming it', async () => {
    // Its footer and timestamps read fine, so the shared DuckDB steps pass it; Spark's read of `status` fails.
    const archive = join(fx.root, 'bad-archive');
    const hour = join(archive, partitionOf(START_US));
    const bad = join(hour, 'part-r3-0-0000000001.parquet');
    const duck = await openDuck();
    try {
      await writeParquet(duck.conn, join(hour, 'part-r3-1-0000000001.parquet'), fx.records.slice(0, 100));
      await duck.conn.run(
        `COPY (SELECT * REPLACE ('x' || status AS status) FROM read_parquet('${join(hour, 'part-r3-1-0000000001.parquet')}')) TO '${bad}' (FORMAT parquet)`,
      );
    } finally {
      duck.close();
    }
    const cfg = join(fx.root, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ archive: { dir: archive }, batch: { dir: join(fx.root, 'bad-out'), engine: 'spark', sparkSubmit: submit } }));
    const r = await batch(['-c', cfg]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`LP_ERR_BATCH_INPUT: cannot read ${bad}`);
  });

  it('--master without the spark engine: exit 2, LP_ERR_ARGS naming the flag', async () => {
    const r = await batch(['-c', config('master-alone', { dir: join(fx.root, 'master-alone') }), '--master', 'local[2]']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('LP_ERR_ARGS: --master');
  });

  it('an unknown engine: exit 2', async () => {
    const r = await batch(['-c', config('flink', { dir: join(fx.root, 'flink') }), '--engine', 'flink']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('LP_ERR_ARGS');
  });
});
