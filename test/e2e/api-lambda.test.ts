// The lambda query as an operator meets it: a running daemon archives what it reads, `logpulse batch` runs while it
// runs, more records arrive after the batch's cut-off, and `/ip-stats` (and the other views) equal a direct count of
// everything sent — each record once, none missing. `logpulse api` alone answers the same from the files on disk.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { apiUrl } from '../api/helpers.js';
import { spawnCli, waitForLog } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { CLI } from '../support/paths.js';
import { untilAsync } from '../support/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'logpulse-api-lambda-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function gen(seed: number, count: number, start: string): string {
  const r = spawnSync(process.execPath, [CLI, 'gen', '--rate', '0', '--count', String(count), '--seed', String(seed), '--start', start, '--users', '500', '--status-dist', '80', '12', '8'], {
    maxBuffer: 1 << 30,
  });
  expect(r.status, r.stderr.toString()).toBe(0);
  return r.stdout.toString();
}

function perIp(text: string): Map<string, { nb_connexions: number; errors: number }> {
  const m = new Map<string, { nb_connexions: number; errors: number }>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { ip: string; status: number };
    const c = m.get(r.ip) ?? { nb_connexions: 0, errors: 0 };
    c.nb_connexions++;
    if (r.status >= 400) c.errors++;
    m.set(r.ip, c);
  }
  return m;
}

interface IpRow {
  ip: string;
  nb_connexions: number;
  errors: number;
}
interface Answer {
  rows: IpRow[];
  total: number;
  source: { batchId: string | null; speedRecords: number; layer: string };
}

async function ipStats(base: string): Promise<Answer> {
  const res = await fetch(`${base}/ip-stats?limit=10000`);
  expect(res.status).toBe(200);
  return (await res.json()) as Answer;
}

const sum = (a: Answer): number => a.rows.reduce((s, r) => s + r.nb_connexions, 0);
const asMap = (a: Answer) => new Map(a.rows.map((r) => [r.ip, { nb_connexions: r.nb_connexions, errors: r.errors }]));

describe('lambda query end to end', () => {
  it('records archived and batched, then more after the cut-off: /ip-stats equals a direct count of all input', async () => {
    const before = gen(41, 30_000, '2026-12-06T09:00:00Z');
    const after = gen(42, 20_000, '2026-12-06T09:20:00Z');
    const cfg = join(dir, 'lambda.yaml');
    const archive = join(dir, 'logs');
    writeFileSync(
      cfg,
      `api:\n  port: 0\nconsole:\n  enabled: false\noutput:\n  rotateEvery: 1s\narchive:\n  enabled: true\n  dir: ${archive}\nbatch:\n  dir: ${join(dir, 'batch')}\n`,
    );
    const port = await freePort();
    const daemon = spawnCli(['run', '-c', cfg, '--source', `tcp-listen://127.0.0.1:${port}`, '--output', join(dir, 'out'), '--checkpoint', join(dir, 'cp')]);
    const base = await apiUrl(daemon);
    await waitForLog(daemon, 'source started');
    const send = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => s.end(text, () => resolve()));
        s.on('error', reject);
      });

    await send(before);
    await untilAsync('the first records archived and counted', async () => sum(await ipStats(base)) === 30_000, { ms: 30_000 });
    const batch = spawnCli(['batch', '-c', cfg]);
    expect(await batch.exit, batch.stderr()).toBe(0);
    await untilAsync('the batch loaded by the API', async () => (await ipStats(base)).source.batchId !== null, { ms: 15_000 });
    expect((await ipStats(base)).source.speedRecords).toBe(0);

    await send(after);
    await untilAsync('the records after the batch counted', async () => sum(await ipStats(base)) === 50_000, { ms: 30_000 });
    const answer = await ipStats(base);
    expect(answer.source).toMatchObject({ layer: 'lambda', speedRecords: 20_000 });
    const want = perIp(before + after);
    expect(answer.total).toBe(want.size);
    expect(asMap(answer)).toEqual(want);

    daemon.child.kill('SIGTERM');
    expect(await daemon.exit, daemon.stderr()).toBe(0);

    // The API alone, from the same files: the same answer.
    const alone = spawnCli(['api', '-c', cfg]);
    const aloneBase = await apiUrl(alone);
    await untilAsync('logpulse api answering', async () => sum(await ipStats(aloneBase)) === 50_000, { ms: 15_000 });
    expect(asMap(await ipStats(aloneBase))).toEqual(want);
    alone.child.kill('SIGTERM');
    expect(await alone.exit, alone.stderr()).toBe(0);
  }, 180_000);
});
