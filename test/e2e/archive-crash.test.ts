// A crash between two archive cuts (SIGKILL) and a restart leave every record in the Parquet archive exactly once,
// and no half file any reader would see: for a file source (read again from byte 0) and a Kafka source (replayed
// from the checkpointed offsets).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { archiveFiles, summarizeArchive } from '../support/archive-reader.js';
import { spawnCli } from '../support/cli.js';
import { brokerInfo, createTopic } from '../support/kafka.js';
import { CLI } from '../support/paths.js';
import { ensurePyarrow } from '../support/pyarrow.js';
import { until } from '../support/wait.js';

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logpulse-archive-crash-'));
  await ensurePyarrow();
});

const GEN = (count: number, seed: number) => ['gen', '--count', String(count), '--rate', '0', '--seed', String(seed), '--start', '2025-06-09T09:50:00Z', '--step', '1'];

function config(name: string): { cfg: string; archive: string } {
  const archive = join(dir, name, 'logs');
  const cfg = join(dir, `${name}.yaml`);
  writeFileSync(cfg, `console:\n  enabled: false\noutput:\n  rotateEvery: 100ms\narchive:\n  enabled: true\n  dir: ${archive}\n`);
  return { cfg, archive };
}

const visibleCuts = (archive: string) => archiveFiles(archive).filter((f) => /\/part-[^/]+\.parquet$/.test(f));

/** Runs the daemon until its first archive cut is visible, then SIGKILLs it. */
async function killAfterFirstCut(args: string[], archive: string): Promise<number> {
  const p = spawnCli(args);
  await until(() => `a visible archive cut; stderr:\n${p.stderr()}`, () => visibleCuts(archive).length > 0, { ms: 60_000 });
  p.child.kill('SIGKILL');
  expect(await p.exit).toBeNull();
  return visibleCuts(archive).length;
}

function expectClean(archive: string): void {
  // No temp file, no crashed-run ledger, no compaction journal is left once a run ended cleanly.
  expect(archiveFiles(archive).filter((f) => !/^date=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/(part|compact)-[a-z0-9]+-[\d-]+\.parquet$/.test(f))).toEqual([]);
}

describe('archive across a crash', () => {
  it('file source: killed after its first cuts, restarted to the end: every line archived once', async () => {
    const lines = 2_000_000;
    const input = join(dir, 'input.ndjson');
    const g = spawnSync(process.execPath, [CLI, ...GEN(lines, 5)], { maxBuffer: 1 << 30 });
    expect(g.status).toBe(0);
    writeFileSync(input, g.stdout);
    const { cfg, archive } = config('file');
    const args = ['run', '-c', cfg, '--no-api', '--source', `file:${input}`, '--output', join(dir, 'file-out'), '--checkpoint', join(dir, 'file-ckpt')];

    const cutsBeforeKill = await killAfterFirstCut(args, archive);
    expect(cutsBeforeKill).toBeGreaterThan(0);
    const again = spawnCli(args);
    expect(await again.exit, again.stderr()).toBe(0);
    expect(again.stderr()).toMatch(/uncommitted cuts were removed/);

    const s = await summarizeArchive(archive);
    expect(s.rows).toBe(lines);
    expect(s.distinct).toBe(lines);
    expectClean(archive);
  }, 180_000);

  it('kafka source: killed after its first cuts, replayed to the end: every record archived once', async () => {
    const broker = brokerInfo();
    const records = 300_000;
    const topic = await createTopic(broker.plaintext, 3);
    const uri = `kafka://${broker.plaintext}/${topic}`;
    const produced = spawnSync(process.execPath, [CLI, ...GEN(records, 6), '--out', uri], { encoding: 'utf8' });
    expect(produced.status, produced.stderr).toBe(0);
    const { cfg, archive } = config('kafka');
    const args = ['run', '-c', cfg, '--no-api', '--source', `${uri}?group=archive-crash&startingOffsets=earliest&endingOffsets=latest`, '--output', join(dir, 'kafka-out'), '--checkpoint', join(dir, 'kafka-ckpt')];

    expect(await killAfterFirstCut(args, archive)).toBeGreaterThan(0);
    const again = spawnCli(args);
    expect(await again.exit, again.stderr()).toBe(0);

    const s = await summarizeArchive(archive);
    expect(s.rows).toBe(records);
    expect(s.distinct).toBe(records);
    expectClean(archive);
  }, 180_000);
});
