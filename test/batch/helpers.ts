// Reading a published batch back, and the fixture archive the batch tests share.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { AlertRule } from '../../src/config/types.js';
import { HOUR_US, partitionOf } from '../../src/archive/layout.js';
import { type ArchiveRecord, generateRecords, openDuck, writeArchive, writeParquet } from '../support/archive.js';
import { Rng } from '../support/rng.js';

/** Each view's columns as the test reads them: counts as DOUBLE (so JS numbers), minute as epoch ms. */
export const VIEW_SELECT: Record<string, string> = {
  ip_stats: 'ip, nb_connexions::DOUBLE, errors::DOUBLE',
  url_stats: 'url, requests::DOUBLE, errors::DOUBLE, error_rate',
  status_stats: 'status::INTEGER, count::DOUBLE',
  minute_stats: 'epoch_ms(minute)::DOUBLE, requests::DOUBLE, errors::DOUBLE',
  user_agent_stats: 'user_agent, nb_connexions::DOUBLE',
  thresholds: 'rule::INTEGER, type, threshold, windows::DOUBLE, percentile, configured_threshold',
};

/** How a test orders a view the batch leaves unordered (ip_stats: one row per client, too many to sort). */
const VIEW_ORDER: Record<string, string> = { ip_stats: ' ORDER BY 2 DESC, 1' };

/** The rows of a view's Parquet file under `batchDir`, in file order (or VIEW_ORDER's). */
export async function readView(batchDir: string, view: string, ext: 'parquet' | 'csv' = 'parquet'): Promise<unknown[][]> {
  const duck = await openDuck();
  try {
    const path = join(batchDir, view, `${view}.${ext}`);
    const from = ext === 'parquet' ? `read_parquet('${path}')` : `read_csv('${path}', header = true)`;
    return (await duck.conn.runAndReadAll(`SELECT ${VIEW_SELECT[view]} FROM ${from}${VIEW_ORDER[view] ?? ''}`)).getRowsJS() as unknown[][];
  } finally {
    duck.close();
  }
}

export const START_US = Date.UTC(2026, 11, 5, 22) * 1000;
export const RULES: AlertRule[] = [
  { type: 'errors_per_status', threshold: 100 },
  { type: 'global_error_rate', threshold: 0.2, minRequests: 1 },
  { type: 'url_error_rate', threshold: 0.3, minRequests: 2 },
  { type: 'ip_error_rate', threshold: 0.4, minRequests: 3 },
];
export const PERCENTILE = 90;

export interface Fixture {
  root: string;
  archiveDir: string;
  records: ArchiveRecord[];
  /** Writes a config file for `batchDir` (default `<root>/batch`) and returns its path. */
  config: (batchDir?: string, archiveDir?: string) => string;
  cleanup: () => void;
}

/**
 * 3 hours × 3,000 records across a date change, one part file per hour and shard, and both journal cases: hour 22
 * compacted (its compact file holds every record of the hour, its inputs are still there and must be skipped),
 * hour 23 mid-compaction (the output is only a hidden temp file full of garbage; the inputs are the truth).
 */
export async function makeFixture(seed = 7): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), 'logpulse-batch-'));
  const archiveDir = join(root, 'logs');
  const records = generateRecords(new Rng(seed), START_US, 3, 3_000);
  const duck = await openDuck();
  try {
    const parts = await writeArchive(duck.conn, archiveDir, records);
    const hour = (h: number): string => partitionOf(START_US + h * HOUR_US);
    const compact = `${hour(0)}/compact-r1-0000000001.parquet`;
    await writeParquet(duck.conn, join(archiveDir, compact), records.filter((r) => partitionOf(r.timestampUs) === hour(0)));
    mkdirSync(join(archiveDir, '_logpulse', 'compactions'), { recursive: true });
    const journal = (name: string, output: string, inputs: string[]): void => {
      writeFileSync(join(archiveDir, '_logpulse', 'compactions', name), JSON.stringify({ output, inputs }));
    };
    journal('c1.json', compact, parts.filter((p) => p.startsWith(hour(0))));
    journal('c2.json', `${hour(1)}/compact-r1-0000000002.parquet`, parts.filter((p) => p.startsWith(hour(1))));
    writeFileSync(join(archiveDir, hour(1), '.compact-r1-0000000002.parquet.part'), 'not parquet');
  } finally {
    duck.close();
  }
  const config = (batchDir = join(root, 'batch'), archive = archiveDir): string => {
    const path = join(root, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify({ archive: { dir: archive }, batch: { dir: batchDir }, alerts: { rules: RULES, thresholdsPercentile: PERCENTILE } }));
    return path;
  };
  return { root, archiveDir, records, config, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
