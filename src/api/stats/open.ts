// The stats views' engine as a config asks for it: none without the archive, else the lambda tables over
// `archive.dir` and `batch.dir`, looking at both every few seconds.
import { availableParallelism } from 'node:os';

import type { Config } from '../../config/types.js';
import type { Logger } from '../../log.js';
import { LambdaStats } from './lambda.js';

/** How often the archive and the batch manifest are looked at (the daemon publishes archive files every 10 s). */
export const STATS_REFRESH_MS = 2000;

/**
 * `firstLook: 'await'` resolves after the archive was first read (`logpulse api`); 'background' does not hold up a
 * daemon's start (answers say `refreshedAt: null` until then). DuckDB gets every core, inside a daemon too: what a
 * query takes from the pipeline is its CPU time, the same on one thread or two, and on two a 1 M-row page comes
 * back in half the time.
 */
export async function openStats(config: Config, log: Logger, firstLook: 'await' | 'background'): Promise<LambdaStats | null> {
  if (!config.archive.enabled) return null;
  const stats = await LambdaStats.open({
    archiveDir: config.archive.dir,
    batchDir: config.batch.dir,
    errorStatusMin: config.pipeline.errorStatusMin,
    threads: availableParallelism(),
    log,
  });
  const looked = stats.start(STATS_REFRESH_MS);
  if (firstLook === 'await') await looked;
  return stats;
}
