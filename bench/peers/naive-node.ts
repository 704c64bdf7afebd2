// The naive Node peer: naive-node/main.mjs (the seed's job written by hand in plain Node) run as a child
// process, so its RSS and CPU are its own, measured like the Spark peer's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ProcessTreeMonitor } from '../../test/support/proc-tree.js';
import { scratchDir } from '../daemon.js';
import { EventChild, countLines, datasetFacts, now, result } from './common.js';
import type { PeerResult } from './types.js';

const MAIN = fileURLToPath(new URL('./naive-node/main.mjs', import.meta.url));

/**
 * Timed (`seconds`): from the child's `start` event (node is up, printed right before it opens the input) to its
 * `done` event (every line read, every window emitted, the three output files ended and closed). Node start-up
 * (`notes.startupSeconds`) is excluded; CPU % is over the same interval; peak RSS is over the child's whole life.
 */
export async function naivePeer(opts: { dataFile: string; lines: number; timeoutMs?: number }): Promise<PeerResult> {
  const peer = 'naive node';
  const facts = await datasetFacts(opts.dataFile);
  if (facts.lines !== opts.lines) throw new Error(`${peer}: ${opts.dataFile} has ${facts.lines} lines, not ${opts.lines}`);
  const scratch = scratchDir('naive');
  const out = scratch.path;
  const spawnedAt = now();
  const child = new EventChild(process.execPath, [MAIN, opts.dataFile, out], {});
  const monitor = new ProcessTreeMonitor(child.child.pid!);
  try {
    const start = await child.waitFor('start', 60_000);
    const cpuAtStart = monitor.sample();
    const done = await child.waitFor('done', opts.timeoutMs ?? 120_000 + facts.lines / 5);
    const cpuAtDone = monitor.sample();
    await child.waitExit(30_000);
    const stats = monitor.stop();
    if (child.exited?.code !== 0) throw new Error(`${peer}: exited ${child.exited?.code ?? child.exited?.signal}\n${child.output()}`);

    if (done.lines !== facts.lines) throw new Error(`${peer}: read ${String(done.lines)} lines, the input has ${facts.lines}`);
    const errorsWritten = countLines(join(out, 'errors.ndjson'));
    if (errorsWritten !== facts.errors) throw new Error(`${peer}: wrote ${errorsWritten} error records, the input has ${facts.errors}`);
    let counted = 0;
    for (const line of readFileSync(join(out, 'metrics.ndjson'), 'utf8').split('\n')) {
      if (line.trim() !== '') counted += (JSON.parse(line) as { error_count: number }).error_count;
    }
    if (counted !== facts.errors) throw new Error(`${peer}: windows count ${counted} errors, the input has ${facts.errors}`);

    return result(peer, facts, done.at - start.at, cpuAtDone - cpuAtStart, stats.peakRssMb, {
      startupSeconds: +(start.at - spawnedAt).toFixed(2),
      node: process.version,
      windowRows: Number(done.windowRows),
      alertRows: Number(done.alerts),
      peakRssBreakdownMb: stats.peakBreakdown,
    });
  } finally {
    monitor.stop();
    child.kill();
    await child.exitPromise;
    scratch.dispose();
  }
}
