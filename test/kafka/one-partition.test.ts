// Issue 13: one ordered stream gives one result whatever carries it (SPEC §3). 300k lines with late records,
// once from a file and once from a one-partition topic: the same error records, the same rejected lines (late
// ones included), the same window rows and alerts, with 1 and with 2 workers. A just-assigned partition holds the
// other shards' watermarks until its first data is processed; it must not stop that partition's own records from
// being late against its own watermark (which it did for its first ~20,000 records: 872 late against 926).
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { alertKeys, lines, readKind } from '../e2e/helpers.js';
import { spawnCli } from '../support/cli.js';
import { brokerInfo, createTopic } from '../support/kafka.js';
import { CLI } from '../support/paths.js';

const GEN = ['gen', '--rate', '0', '--count', '300000', '--seed', '31', '--start', '2025-06-09T09:00:00Z', '--step', '2', '--late-fraction', '0.01', '--late-by', '40'];

const sorted = (text: string) => lines(text).sort();
/** A rejected line without its `source` (a file's path, a partition's name). */
const rejected = (text: string) => lines(text).map((l) => { const r = JSON.parse(l) as Record<string, string>; return `${r.reason}|${r.line}`; }).sort();

it('a one-partition topic gives what the same lines give from a file (1 and 2 workers)', async () => {
  const broker = brokerInfo();
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-one-partition-'));
  const input = join(dir, 'access.log');
  const fd = openSync(input, 'w');
  const g = spawnSync(process.execPath, [CLI, ...GEN], { stdio: ['ignore', fd, 'pipe'] });
  closeSync(fd);
  expect(g.status, g.stderr?.toString()).toBe(0);
  const topic = await createTopic(broker.plaintext, 1);
  const p = spawnSync(process.execPath, [CLI, ...GEN, '--out', `kafka://${broker.plaintext}/${topic}`], { encoding: 'utf8' });
  expect(p.status, p.stderr).toBe(0);

  const run = async (name: string, source: string, workers: number) => {
    const cfg = join(dir, `${name}.yaml`);
    writeFileSync(cfg, `source: "${source}"\napi: { enabled: false }\nconsole: { enabled: false }\npipeline: { workers: ${workers} }\noutput: { dir: ${join(dir, name)} }\ncheckpoint: { dir: ${join(dir, `${name}-cp`)} }\n`);
    const d = spawnCli(['run', '-c', cfg], { cwd: dir });
    expect(await d.exit, d.stderr()).toBe(0);
    return (kind: string) => readKind(join(dir, name), kind);
  };
  const file = await run('file', `file:${input}`, 1);
  expect(rejected(file('rejected')).filter((r) => r.startsWith('late|')).length).toBeGreaterThan(500);
  for (const workers of [1, 2]) {
    const kafka = await run(`kafka-${workers}`, `kafka://${broker.plaintext}/${topic}?group=one-${workers}&startingOffsets=earliest&endingOffsets=latest`, workers);
    expect(sorted(kafka('errors')), `errors, ${workers} workers`).toEqual(sorted(file('errors')));
    expect(rejected(kafka('rejected')), `rejected, ${workers} workers`).toEqual(rejected(file('rejected')));
    expect(sorted(kafka('metrics')), `window rows, ${workers} workers`).toEqual(sorted(file('metrics')));
    expect(alertKeys(kafka('alerts')), `alerts, ${workers} workers`).toEqual(alertKeys(file('alerts')));
  }
}, 240_000);
