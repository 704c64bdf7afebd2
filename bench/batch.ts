// `node --import tsx bench/batch.ts [N] [--keep DIR]` — the batch layer over N archived records (default 10 M):
// DuckDB writes N seed-shaped records as Parquet (24 hour partitions × 2 shard files, the archive's exact schema),
// then `runBatch` recomputes and publishes every view, in this process, on every core the machine has. It proves
// the full-recompute choice (src/batch/batch.ts) is fast enough: the goal is 10 M records in <= 10 s on 2 cores.
// The time covers listing, every view (Parquet + CSV), fsyncs and the publish; generating the archive is not in it.
import { cpus, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { BATCH_STEPS, runBatch } from '../src/batch/batch.js';
import { createProgress } from '../src/batch/progress.js';
import { createLogger } from '../src/log.js';
import { openDuck, writeSyntheticArchive } from '../test/support/archive.js';

const n = Number(process.argv[2] ?? 10_000_000);
const keepAt = process.argv.indexOf('--keep');
const root = keepAt > 0 ? (process.argv[keepAt + 1] as string) : mkdtempSync(join(tmpdir(), 'logpulse-bench-batch-'));
const archiveDir = join(root, 'logs');
const batchDir = join(root, 'batch');
const START_US = Date.UTC(2026, 11, 5, 0) * 1000;

const duck = await openDuck();
let t = performance.now();
await writeSyntheticArchive(duck.conn, archiveDir, n, START_US, 24);
duck.close();
process.stderr.write(`archive: ${n.toLocaleString('en')} records written in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);

const log = createLogger('warn');
const rules = [
  { type: 'errors_per_status', threshold: 100 },
  { type: 'global_error_rate', threshold: 0.1, minRequests: 1 },
  { type: 'url_error_rate', threshold: 0.2, minRequests: 5 },
  { type: 'ip_error_rate', threshold: 0.3, minRequests: 3 },
] as const;
const times: number[] = [];
for (let run = 0; run < 3; run++) {
  t = performance.now();
  const manifest = await runBatch({
    archiveDir,
    batchDir,
    errorStatusMin: 400,
    windowMs: 30_000,
    rules,
    percentile: 99,
    log,
    progress: createProgress(BATCH_STEPS, log),
  });
  times.push((performance.now() - t) / 1000);
  process.stderr.write(`batch ${run + 1}: ${manifest.records.toLocaleString('en')} records, rows ${JSON.stringify(manifest.rows)}, ${times.at(-1)!.toFixed(2)} s\n`);
}
const sorted = [...times].sort((a, b) => a - b);
process.stdout.write(`${JSON.stringify({ records: n, cores: cpus().length, seconds: times, median: sorted[1] })}\n`);
if (keepAt < 0) rmSync(root, { recursive: true, force: true });
