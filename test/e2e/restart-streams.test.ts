// Issue 20, long-run correctness: a daemon restarted every day must not carry the streams of every earlier run.
// A graceful stop of `tcp-listen://` checkpoints its open windows together with the state of the connections open
// at the stop (each a stream: its watermark, its unfinished last line). Those connections are gone for good: after
// the restart their streams are ended — the unfinished line cut off and rejected, as for a connection reset — so
// the next checkpoint holds only the connections open at its own stop, however many restarts came before.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it, onTestFinished } from 'vitest';

import { readCheckpoint } from '../../src/daemon/checkpoint.js';
import { readSnapshot } from '../../src/pipeline/snapshot-format.js';
import { untilAsync } from '../support/wait.js';
import { batch, metrics, startDaemon } from './disk-fault-helpers.js';
import { lines, readKind } from './helpers.js';

const RUNS = 3;
const OPEN_AT_STOP = 4;

/** The streams in a checkpoint's shard snapshots. */
async function checkpointedStreams(dir: string): Promise<string[]> {
  const cp = await readCheckpoint(dir);
  return (cp?.shards ?? []).flatMap((s) => readSnapshot(s).streams.map((x) => x.name));
}

it(`${RUNS} restarts of a tcp-listen daemon stopped with connections open: each checkpoint holds only the streams open at its stop`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-restart-streams-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  for (let run = 0; run < RUNS; run++) {
    const out = join(dir, `out${run}`);
    const { d, api, sourcePort } = await startDaemon(dir, out, '300ms');
    const sockets: Socket[] = [];
    for (let c = 0; c < OPEN_AT_STOP; c++) {
      const s = createConnection({ host: '127.0.0.1', port: sourcePort });
      s.on('error', () => undefined);
      await once(s, 'connect');
      // Ten lines and the start of an eleventh, then the connection stays open.
      s.write(`${batch(run * 1000 + c * 20, 10)}{"timestamp": 1, "ip": "10.9.9.${c}"`);
      sockets.push(s);
    }
    // This run's lines, and the previous run's unfinished ones (a cut line is a line read, rejected).
    const read = OPEN_AT_STOP * 10 + (run > 0 ? OPEN_AT_STOP : 0);
    await untilAsync(`${read} lines read`, async () => (await metrics(api)).get('logpulse_lines_total{source="tcp-listen"}') === read);
    d.child.kill('SIGTERM');
    expect(await d.exit, d.stderr().slice(-2000)).toBe(0);
    for (const s of sockets) s.destroy();

    const streams = await checkpointedStreams(join(dir, 'cp'));
    expect(streams.length, `run ${run}: ${streams.join(', ')}`).toBe(OPEN_AT_STOP);
    if (run > 0) {
      // The previous run's unfinished lines, cut off by its stop, rejected by this one.
      const rejected = lines(readKind(out, 'rejected')).map((l) => JSON.parse(l) as { reason: string; line: string });
      expect(rejected.filter((r) => r.reason === 'malformed' && r.line.startsWith('{"timestamp": 1, "ip": "10.9.9.')).length).toBe(OPEN_AT_STOP);
    }
  }
}, 120_000);
