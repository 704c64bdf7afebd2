// Issue 12's reload acceptance, on the real daemon: while lines flow over a TCP connection, reloads change a
// threshold and the console interval (in place), the format and watermark (a rebuild), an output dir that cannot be
// made (the rebuild rolls back), the worker count (a rebuild under another shard count: open windows to the merger,
// streams re-pinned), and at last the source (the rest of the lines from a file, read to its end). The windows and error records written equal, as multisets,
// those of one run over the whole input without any reload: nothing lost, nothing twice, open windows kept.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { parseSamples, series } from '../api/prom-text.js';
import { type CliProcess, spawnCli, waitForLog } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { Rng } from '../support/rng.js';
import { until, untilAsync } from '../support/wait.js';
import { lines, readKind } from './helpers.js';

const LINES = 120_000;
/** Lines sent over TCP before the source is switched to a file holding the rest. */
const OVER_TCP = 80_000;
const WINDOW_MS = 30_000;

/** In-order seed-shaped lines, 5 ms of event time apart, starting two hours ago: 20 windows. */
function dataset(): string[] {
  const rng = new Rng(12);
  const start = Math.floor((Date.now() - 7_200_000) / WINDOW_MS) * WINDOW_MS;
  return Array.from({ length: LINES }, (_, i) => {
    const status = rng.weighted([[200, 85], [404, 5], [500, 10]] as const);
    return `{"timestamp": ${start + i * 5}, "ip": "10.1.${rng.int(0, 19)}.${rng.int(0, 249)}", "method": "GET", "url": "/r/${rng.int(0, 49)}", "status": ${status}}`;
  });
}

const yaml = (o: Record<string, string>) => `source: "${o.source}"
format: ${o.format ?? 'auto'}
api: { port: 0 }
console: { every: ${o.console ?? '1h'} }
output: { dir: ${o.output}, rotateEvery: 500ms }
checkpoint: { dir: ${o.checkpoint} }
pipeline: { workers: ${o.workers ?? 2}, watermark: ${o.watermark ?? '10s'} }
alerts: { rules: [{ type: errors_per_status, threshold: ${o.threshold ?? 1_000_000_000} }] }
`;

/** The URL of the last "api listening" line (a rollback that restarts the API on port 0 moves it). */
const apiUrl = (d: CliProcess) => (JSON.parse(d.stderr().split('\n').filter((l) => l.includes('"api listening"')).at(-1)!) as { url: string }).url;
const count = (d: CliProcess, msg: string) => d.stderr().split('\n').filter((l) => l.includes(`"msg":"${msg}`)).length;

/** Window rows without what depends on when they were written; sorted, as a multiset. */
const rows = (out: string) => lines(readKind(out, 'metrics')).sort();
const errors = (out: string) => lines(readKind(out, 'errors')).sort();

it('reloads while lines flow: outputs equal a run without reloads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-rebuild-'));
  const all = dataset();
  writeFileSync(join(dir, 'all.log'), `${all.join('\n')}\n`);
  writeFileSync(join(dir, 'rest.log'), `${all.slice(OVER_TCP).join('\n')}\n`);
  writeFileSync(join(dir, 'not-a-dir'), '');

  const refOut = join(dir, 'ref');
  writeFileSync(join(dir, 'ref.yaml'), yaml({ source: `file:${join(dir, 'all.log')}`, output: refOut, checkpoint: join(dir, 'ref-cp') }));
  const ref = spawnCli(['run', '-c', join(dir, 'ref.yaml')], { cwd: dir, stdout: 'ignore' });

  const port = await freePort();
  const out = join(dir, 'out');
  const cfg = join(dir, 'logpulse.yaml');
  const base = { source: `tcp-listen://127.0.0.1:${port}`, output: out, checkpoint: join(dir, 'cp') };
  writeFileSync(cfg, yaml(base));
  const d = spawnCli(['run', '-c', cfg], { cwd: dir });
  await waitForLog(d, 'source started');

  // Two producers (two streams, on two shards) send the first OVER_TCP lines, even ones and odd ones, in chunks cut
  // anywhere (mid-line too, so a stream's partial line waits in its shard across a rebuild), up to a gate the test
  // moves. `sent` counts lines whose bytes are all sent.
  let gate = 15_000;
  let sent = 0;
  const producers = [0, 1].map((p) => {
    const mine = all.slice(0, OVER_TCP).filter((_, i) => i % 2 === p);
    // No newline after the last line: it counts only when its stream ends — here, when the source is replaced.
    const bytes = Buffer.from(mine.join('\n'));
    const ends: number[] = [];
    mine.reduce((at, l) => (ends.push(Math.min(bytes.length, at + Buffer.byteLength(l) + 1)), at + Buffer.byteLength(l) + 1), 0);
    return { bytes, ends, at: 0, lines: 0, socket: createConnection({ host: '127.0.0.1', port }) };
  });
  await Promise.all(producers.map((p) => new Promise((r) => p.socket.once('connect', r))));
  const rng = new Rng(7);
  const writer = (async () => {
    while (producers.some((p) => p.at < p.bytes.length)) {
      for (const p of producers) {
        const limit = p.ends[Math.min(gate / 2, p.ends.length) - 1] ?? 0;
        const to = Math.min(limit, p.bytes.length, p.at + rng.int(1, 20_000));
        if (to > p.at && !p.socket.write(p.bytes.subarray(p.at, to))) await new Promise((r) => p.socket.once('drain', r));
        p.at = Math.max(p.at, to);
        while (p.lines < p.ends.length && p.ends[p.lines]! <= p.at) p.lines++;
      }
      sent = producers[0]!.lines + producers[1]!.lines;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  /** Sends SIGHUP with `config` once the writer reached the gate, lets it go on to `next` lines, waits for `msg`. */
  const reloadAt = async (config: Record<string, string>, next: number, msg: string) => {
    await until('the writer at its gate', () => sent >= gate);
    writeFileSync(cfg, yaml({ ...base, ...config }));
    const before = count(d, msg);
    d.child.kill('SIGHUP');
    gate = next;
    await until(() => `"${msg}"; stderr:\n${d.stderr()}`, () => count(d, msg) > before);
  };

  await reloadAt({ threshold: '20', console: '200ms' }, 30_000, 'SIGHUP: config reloaded');
  expect(d.stderr()).toMatch(/"changed":\["console.every","alerts.rules"\],"inPlace":\["console.every","alerts.rules"\],"rebuild":\[\],"api":\[\]/);
  const rebuilt = { threshold: '20', console: '200ms', format: 'json', watermark: '5s' };
  await reloadAt(rebuilt, 45_000, 'SIGHUP: config reloaded');
  expect(d.stderr()).toMatch(/"rebuild":\["format","pipeline.watermark"\].*"msg":"SIGHUP: config changed; rebuilding the daemon"/);
  // The API's address did not change: the same server went on serving across the rebuild.
  expect(d.stderr().split('\n').filter((l) => l.includes('"api listening"'))).toHaveLength(1);
  await reloadAt({ ...rebuilt, output: join(dir, 'not-a-dir', 'out') }, 60_000, 'SIGHUP: rolled back');
  expect(d.stderr()).toContain('reload: the new config could not start; starting the previous one again from the same checkpoint');
  await reloadAt({ ...rebuilt, workers: '3' }, OVER_TCP, 'SIGHUP: config reloaded');
  expect(d.stderr()).toMatch(/"rebuild":\["pipeline.workers"\].*"workers":3,"msg":"SIGHUP: config reloaded"/);
  await writer;

  // Every line sent is read before the source changes, but each connection's unterminated last one.
  await untilAsync('the daemon to count every line sent', async () => {
    const m = parseSamples(await (await fetch(`${apiUrl(d)}/metrics`)).text());
    return series(m, 'logpulse_lines_total').get('{source="tcp-listen"}') === OVER_TCP - 2;
  });
  const metrics = parseSamples(await (await fetch(`${apiUrl(d)}/metrics`)).text());
  expect(Object.fromEntries(series(metrics, 'logpulse_config_reloads_total'))).toEqual({ '{result="ok"}': 3, '{result="failed"}': 1 });
  expect(Object.fromEntries(series(metrics, 'logpulse_config_rebuilds_total'))).toEqual({ '{result="ok"}': 2, '{result="rolled_back"}': 1 });
  writeFileSync(cfg, yaml({ ...rebuilt, ...base, workers: '1', source: `file:${join(dir, 'rest.log')}` }));
  d.child.kill('SIGHUP');
  // The connections are still open: replacing the source ends their streams (their last lines count). The new
  // source is finite: the daemon reads it to its end, emits every window and exits.
  expect(await d.exit, d.stderr()).toBe(0);
  for (const p of producers) p.socket.destroy();
  expect(await ref.exit, ref.stderr()).toBe(0);
  expect(d.stdout().toString()).toContain('window (UTC)');

  expect(errors(out).length).toBe(errors(refOut).length);
  expect(errors(out)).toEqual(errors(refOut));
  expect(rows(out).length).toBe(rows(refOut).length);
  expect(rows(out)).toEqual(rows(refOut));
  expect(lines(readKind(out, 'rejected'))).toEqual([]);
  // The threshold reloaded in place fired alerts the reference (threshold out of reach) never did.
  expect(lines(readKind(out, 'alerts')).length).toBeGreaterThan(0);
  expect(lines(readKind(refOut, 'alerts'))).toEqual([]);
}, 120_000);
