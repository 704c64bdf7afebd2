// The Parquet archive across reloads: a rebuild that keeps the source and the archive settings keeps the archive's
// run going (the new shards write under the same run, later cut numbers); one that replaces the source ends the
// run at its cut and the new daemon starts another. Every record archived exactly once, no run ledger or temp file
// left after a clean stop.
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { listArchiveFiles } from '../../src/archive/files.js';
import { apiUrl } from '../api/helpers.js';
import { parseSamples, series } from '../api/prom-text.js';
import { archiveFiles } from '../support/archive-reader.js';
import { openDuck } from '../support/archive.js';
import { type CliProcess, spawnCli, waitForLog } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { until, untilAsync } from '../support/wait.js';

const start = Math.floor((Date.now() - 10_800_000) / 3_600_000) * 3_600_000;
const batch = (from: number, n: number) =>
  Array.from({ length: n }, (_, k) => `{"timestamp": ${start + (from + k) * 10}, "ip": "10.2.${(from + k) % 250}.1", "method": "GET", "url": "/a/${(from + k) % 9}", "status": ${(from + k) % 4 === 0 ? 500 : 200}}\n`).join('');

async function send(port: number, text: string): Promise<void> {
  const s = createConnection({ host: '127.0.0.1', port });
  await once(s, 'connect');
  await new Promise<void>((r) => s.end(text, () => r()));
  await once(s, 'close');
}

const count = (d: CliProcess, msg: string) => d.stderr().split('\n').filter((l) => l.includes(`"msg":"${msg}`)).length;

it('a rebuild keeps the archive run when source and archive stay, starts a new one when the source changes; every record once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-reload-archive-'));
  const archive = join(dir, 'archive');
  const [p1, p2] = [await freePort(), await freePort()];
  const cfg = join(dir, 'logpulse.yaml');
  const yaml = (port: number, workers: number) =>
    `source: "tcp-listen://127.0.0.1:${port}"\napi: { port: 0 }\nconsole: { enabled: false }\noutput: { dir: out, rotateEvery: 300ms }\narchive: { enabled: true, dir: ${archive} }\npipeline: { workers: ${workers} }\n`;
  writeFileSync(cfg, yaml(p1, 2));
  const d = spawnCli(['run', '-c', cfg], { cwd: dir });
  const url = await apiUrl(d);
  await waitForLog(d, 'source started');
  const lines = async () => series(parseSamples(await (await fetch(`${url}/metrics`)).text()), 'logpulse_lines_total').get('{source="tcp-listen"}');
  const reload = async (text: string, n: number) => {
    writeFileSync(cfg, text);
    d.child.kill('SIGHUP');
    await until(() => `reload ${n}; stderr:\n${d.stderr()}`, () => count(d, 'SIGHUP: config reloaded') === n);
  };

  await send(p1, batch(0, 10_000));
  await untilAsync('10k lines', async () => (await lines()) === 10_000);
  await reload(yaml(p1, 3), 1);
  await send(p1, batch(10_000, 10_000));
  await untilAsync('20k lines', async () => (await lines()) === 20_000);
  await reload(yaml(p2, 3), 2);
  await send(p2, batch(20_000, 10_000));
  await untilAsync('30k lines', async () => (await lines()) === 30_000);
  d.child.kill('SIGTERM');
  expect(await d.exit, d.stderr()).toBe(0);

  // One run across the first rebuild, another after the source changed; both ended cleanly.
  const runs = [...new Set(d.stderr().split('\n').filter((l) => l.includes('"msg":"archive open"')).map((l) => (JSON.parse(l) as { run: string }).run))];
  expect(runs).toHaveLength(2);
  expect(count(d, 'archive closed')).toBe(2);
  const left = archiveFiles(archive);
  expect(left.filter((f) => f.includes('_logpulse/runs/') || f.includes('.inprogress-'))).toEqual([]);

  const { files } = await listArchiveFiles(archive);
  const { conn, close } = await openDuck();
  try {
    const list = files.map((f) => `'${f}'`).join(', ');
    const r = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n, count(DISTINCT (timestamp, ip, url, status))::INTEGER AS distinct_n FROM read_parquet([${list}])`);
    expect(r.getRowObjects()).toEqual([{ n: 30_000, distinct_n: 30_000 }]);
  } finally {
    close();
  }
}, 90_000);
