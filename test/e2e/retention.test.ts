// Retention through a running daemon (README, Retention): files of an earlier run deleted by age at the next start
// and counted in /metrics; a tiny size limit on a replayable source never deleting a file after the last durable
// cut's marks, nor one a reader holds open from under it, across a SIGKILL and a restart.
import { closeSync, fstatSync, mkdtempSync, openSync, readdirSync, readSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { readCheckpoint } from '../../src/daemon/checkpoint.js';
import { spawnCli, waitForLog } from '../support/cli.js';
import { sleep, until, untilAsync } from '../support/wait.js';
import { lines, listKind } from './helpers.js';

const KINDS = ['errors', 'metrics', 'rejected', 'alerts'] as const;
const seqOf = (name: string): number => Number(/-(\d{6,})\.ndjson$/.exec(name)![1]);
const complete = (out: string, kind: string): string[] => listKind(out, kind).filter((n) => n.endsWith('.ndjson'));

function config(dir: string, name: string, body: string): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, `console: { enabled: false }\ncheckpoint: { dir: ${join(dir, `${name}-cp`)} }\n${body}`);
  return path;
}

describe('output retention in a running daemon', () => {
  /** A finished first run's output files, aged ten days (over the default maxAge, 7d), by kind. */
  async function agedFirstRun(dir: string, out: string): Promise<Record<string, string[]>> {
    const first = config(dir, 'first', `source: "generator:?count=20000&rate=0&errorRate=0.5"\napi: { enabled: false }\noutput: { dir: ${out}, rotateEvery: 100ms, retention: { maxAge: 0 } }\n`);
    const p1 = spawnCli(['run', '-c', first]);
    expect(await p1.exit, p1.stderr()).toBe(0);
    const old = Object.fromEntries(KINDS.map((k) => [k, complete(out, k)]));
    expect(old.errors!.length).toBeGreaterThan(0);
    const tenDaysAgo = (Date.now() - 10 * 86_400_000) / 1000;
    for (const k of KINDS) for (const n of old[k]!) utimesSync(join(out, k, n), tenDaysAgo, tenDaysAgo);
    return old;
  }

  it('deletes the files an earlier run left once they are older than maxAge, and counts them in /metrics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-retention-age-'));
    const out = join(dir, 'out');
    const old = await agedFirstRun(dir, out);

    const second = config(dir, 'second', `source: "generator:?rate=400&errorRate=0.5"\napi: { port: 0 }\noutput: { dir: ${out}, rotateEvery: 200ms }\n`);
    const p2 = spawnCli(['run', '-c', second]);
    try {
      await waitForLog(p2, 'api listening');
      await waitForLog(p2, 'retention: output files deleted');
      // The newest old file of a kind goes once this run has completed a file of its own (errors: within a rotation;
      // metrics: once a window closes, 40 s away), so until then it stays.
      await until('every errors file of the first run deleted', () => !complete(out, 'errors').some((n) => old.errors!.includes(n)), { ms: 30_000 });
      expect(complete(out, 'metrics').filter((n) => old.metrics!.includes(n))).toEqual(old.metrics!.slice(-1));
      const url = (JSON.parse(p2.stderr().split('\n').find((l) => l.includes('"api listening"'))!) as { url: string }).url;
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain(`logpulse_retention_deleted_files_total{kind="errors"} ${old.errors!.length}`);
      expect(metrics).toMatch(/logpulse_retention_deleted_bytes_total\{kind="errors"\} [1-9]\d*/);
      const logged = lines(p2.stderr())
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'retention: output files deleted');
      expect(logged.length).toBeGreaterThan(0);
      expect(logged.every((l) => l.level === 30 && l.reason === 'age' && typeof l.files === 'number' && typeof l.bytes === 'number')).toBe(true);
      expect(logged.filter((l) => l.kind === 'errors').reduce((n, l) => n + (l.files as number), 0)).toBe(old.errors!.length);
    } finally {
      p2.child.kill('SIGTERM');
    }
    expect(await p2.exit, p2.stderr()).toBe(0);
  });

  it('a reload (SIGHUP) turns retention on in place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-retention-reload-'));
    const out = join(dir, 'out');
    const old = await agedFirstRun(dir, out);
    const body = (retention: string) => `source: "generator:?rate=400&errorRate=0.5"\napi: { enabled: false }\noutput: { dir: ${out}, rotateEvery: 200ms${retention} }\n`;
    const cfg = config(dir, 'second', body(', retention: { maxAge: 0 }'));
    const d = spawnCli(['run', '-c', cfg]);
    try {
      await waitForLog(d, 'source started');
      await until('a few rotations', () => complete(out, 'errors').length >= old.errors!.length + 3);
      expect(complete(out, 'errors').filter((n) => old.errors!.includes(n))).toEqual(old.errors);
      config(dir, 'second', body(''));
      d.child.kill('SIGHUP');
      await waitForLog(d, 'SIGHUP: config reloaded');
      const reloaded = JSON.parse(d.stderr().split('\n').find((l) => l.includes('SIGHUP: config reloaded'))!) as { inPlace: string[]; rebuild: string[] };
      expect(reloaded.rebuild).toEqual([]);
      expect(reloaded.inPlace).toContain('output.retention.errors.maxAge');
      await until('every errors file of the first run deleted', () => !complete(out, 'errors').some((n) => old.errors!.includes(n)), { ms: 30_000 });
    } finally {
      d.child.kill('SIGTERM');
    }
    expect(await d.exit, d.stderr()).toBe(0);
  });

  it('while checkpoints cannot be written, every file after the last checkpoint\'s marks stays, whatever maxSize wants', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-retention-stuck-'));
    const out = join(dir, 'out');
    const cp = join(dir, 'run-cp');
    const cfg = config(dir, 'run', `source: "generator:?seed=9&rate=3000&errorRate=0.5"\napi: { enabled: false }\noutput: { dir: ${out}, rotateEvery: 100ms, retention: { maxSize: 1 } }\n`);
    const d = spawnCli(['run', '-c', cfg]);
    try {
      await waitForLog(d, 'retention: output files deleted');
      // A file where the checkpoint directory was: every durable cut fails from now on, the files go on rotating.
      renameSync(cp, `${cp}.saved`);
      writeFileSync(cp, 'not a directory');
      await waitForLog(d, 'durable cut failed');
      await sleep(300); // a cut under way when the directory moved has written into it by now
      const marks = (await readCheckpoint(`${cp}.saved`))!.outputs!;
      const after = () => complete(out, 'errors').map(seqOf).filter((seq) => seq > marks.errors!);
      await until('5 errors files after the marks', () => after().length >= 5);
      const seen = after();
      await sleep(1000); // ten more sweeps
      expect(seen.filter((seq) => !after().includes(seq)), `deleted after the marks (${marks.errors})`).toEqual([]);
      expect(complete(out, 'errors').map(seqOf).filter((seq) => seq <= marks.errors!).length).toBeLessThanOrEqual(1);
    } finally {
      d.child.kill('SIGKILL');
    }
    await d.exit;
  });

  it('a tiny maxSize on a replayable source: nothing after the durable cut goes, an open file reads whole, a SIGKILL and restart finish the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-retention-size-'));
    const out = join(dir, 'out');
    const cp = join(dir, 'run-cp');
    const cfg = config(dir, 'run', `source: "generator:?seed=5&count=150000&rate=15000&errorRate=0.5"\napi: { enabled: false }\noutput: { dir: ${out}, rotateEvery: 100ms, retention: { maxSize: 1 } }\n`);
    /** Every file seen so far, per kind: one after the checkpoint's marks must still be there. */
    const seen = new Map(KINDS.map((k) => [k, new Set<number>()]));
    const checkMarks = async (): Promise<number> => {
      const listed = new Map(KINDS.map((k) => [k, new Set(complete(out, k).map(seqOf))]));
      // Read after the listing: marks only grow, so a file deleted before the listing was at or under these.
      const marks = (await readCheckpoint(cp))?.outputs ?? {};
      for (const k of KINDS) {
        const after = [...seen.get(k)!].filter((seq) => seq > (marks[k] ?? 0));
        expect(after.filter((seq) => !listed.get(k)!.has(seq)), `${k}: deleted after the marks (${marks[k]})`).toEqual([]);
        for (const seq of listed.get(k)!) seen.get(k)!.add(seq);
      }
      return listed.get('errors')!.size;
    };

    const p1 = spawnCli(['run', '-c', cfg]);
    let fd: number | null = null;
    let held = '';
    try {
      await until('a first errors file', () => complete(out, 'errors').length > 0);
      held = complete(out, 'errors')[0]!;
      fd = openSync(join(out, 'errors', held), 'r');
      await waitForLog(p1, 'retention: output files deleted');
      // Sampled over two seconds of cuts and sweeps (every 100 ms each).
      for (let i = 0; i < 20; i++) {
        await checkMarks();
        await sleep(100);
      }
      await until('the held file deleted', () => !complete(out, 'errors').includes(held));
    } finally {
      p1.child.kill('SIGKILL');
    }
    await p1.exit;
    // The reader still has the whole file: complete JSON lines to its end.
    const size = fstatSync(fd!).size;
    const buf = Buffer.alloc(size);
    for (let got = 0, n; got < size && (n = readSync(fd!, buf, got, size - got, got)) > 0; ) got += n;
    closeSync(fd!);
    expect(size).toBeGreaterThan(0);
    expect(buf.toString().endsWith('\n')).toBe(true);
    expect(lines(buf.toString()).every((l) => typeof JSON.parse(l) === 'object')).toBe(true);

    // The restart replays after the checkpoint; retention goes on over both runs' files.
    const p2 = spawnCli(['run', '-c', cfg]);
    // The restart itself deletes the files after the marks (the replay writes them again) before the source starts.
    await waitForLog(p2, 'source started');
    for (const set of seen.values()) set.clear();
    await untilAsync('a sweep after the restart', async () => (await checkMarks()) >= 0 && p2.stderr().includes('retention: output files deleted'), { ms: 20_000 });
    expect(await p2.exit, p2.stderr()).toBe(0);
    for (const k of KINDS) {
      const seqs = complete(out, k).map(seqOf);
      // Never a `.part` left, and the newest file of each kind written kept.
      expect(listKind(out, k).filter((n) => n.endsWith('.part'))).toEqual([]);
      if (k === 'errors' || k === 'metrics') expect(seqs.length, k).toBeGreaterThan(0);
    }
    expect(readdirSync(out).sort()).toEqual(expect.arrayContaining(['errors', 'metrics']));
  });
});
