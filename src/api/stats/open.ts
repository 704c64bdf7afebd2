// The stats views' engine as a config asks for it: none without the archive, else the lambda tables over
// `archive.dir` and `batch.dir`, looking at both every few seconds.
import type { Config } from '../../config/types.js';
import type { Logger } from '../../log.js';
import { LambdaStats } from './lambda.js';

/** How often the archive and the batch manifest are looked at (the daemon publishes archive files every 10 s). */
export const STATS_REFRESH_MS = 2000;

/**
 * `threads`: DuckDB's; a daemon leaves the cores to its pipeline. `firstLook: 'await'` resolves after the archive
 * was first read (`logpulse api`); 'background' does not hold up a daemon's start (answers say `refreshedAt: null`
 * until then).
 */
export async function openStats(config: Config, log: Logger, threads: number, firstLook: 'await' | 'background'): Promise<LambdaStats | null> {
  if (!config.archive.enabled) return null;
  const stats = await LambdaStats.open({
    archiveDir: config.archive.dir,
    batchDir: config.batch.dir,
    errorStatusMin: config.pipeline.errorStatusMin,
    threads,
    log,
  });
  const looked = stats.start(STATS_REFRESH_MS);
  if (firstLook === 'await') await looked;
  return stats;
}
