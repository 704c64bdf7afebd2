// Runs the benchmark peers on one seed-shaped dataset and prints their results.
//   node --import tsx bench/peers/try.ts [--lines 200000] [--peers naive,spark-file,spark-socket]
//        [--trigger '0 seconds'] [--feed paced|burst] [--in-flight 20000] [--shuffle-partitions 2]
import { scratchDir } from '../daemon.js';
import { writeDataset } from '../dataset.js';
import { naivePeer } from './naive-node.js';
import { ensureSpark, sparkPeer } from './spark.js';
import { type PeerResult, PeerUnavailable } from './types.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const lines = Number(arg('lines', '200000'));
  const peers = arg('peers', 'naive,spark-file,spark-socket').split(',');
  const unknown = peers.filter((p) => !['naive', 'spark-file', 'spark-socket'].includes(p));
  if (unknown.length > 0) throw new Error(`unknown peer(s) ${unknown.join(', ')}: use naive, spark-file, spark-socket`);
  const trigger = arg('trigger', '0 seconds');
  const feed = arg('feed', 'paced') === 'burst' ? 'burst' : 'paced';
  const inFlightLines = Number(arg('in-flight', '20000'));
  const shufflePartitions = Number(arg('shuffle-partitions', '2'));
  const scratch = scratchDir('peers');
  try {
    // The bench's own dataset (bench/dataset.ts: `logpulse gen`, so dist/ must be built).
    const { path: file, bytes } = await writeDataset(scratch.path, lines);
    console.log(`dataset: ${lines} lines, ${(bytes / 1e6).toFixed(1)} MB`);
    if (peers.some((p) => p.startsWith('spark'))) {
      const t = Date.now();
      await ensureSpark();
      console.log(`ensureSpark: ${((Date.now() - t) / 1000).toFixed(2)} s`);
    }
    const results: PeerResult[] = [];
    for (const p of peers) {
      try {
        const r =
          p === 'naive'
            ? await naivePeer({ dataFile: file, lines })
            : await sparkPeer({
                dataFile: file,
                lines,
                mode: p === 'spark-socket' ? 'socket' : 'file',
                ...{ trigger, shufflePartitions, feed, inFlightLines },
              });
        console.log(JSON.stringify(r));
        results.push(r);
      } catch (err) {
        if (err instanceof PeerUnavailable) console.error(`!!! ${err.message}`);
        throw err;
      }
    }
    console.table(
      results.map((r) => ({
        peer: r.peer,
        lines: r.lines,
        seconds: +r.seconds.toFixed(2),
        'lines/s': Math.round(r.linesPerSecond),
        'MB/s': +r.mbPerSecond.toFixed(2),
        'CPU %': Math.round(r.cpuPercent),
        'peak RSS MB': Math.round(r.peakRssMb),
        'startup s': r.notes?.startupSeconds ?? '',
        batches: r.notes?.microBatches ?? '',
      })),
    );
  } finally {
    scratch.dispose();
  }
}

await main();
