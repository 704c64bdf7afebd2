// output.fileMode / output.dirMode on the real daemon and `logpulse batch`: every file and directory they create —
// outputs, results.txt, checkpoint, webhook queue, pid file, the Parquet archive (written by the Rust core), the
// batch views (written by DuckDB) and their manifests — has the configured mode (less the umask, as for open()).
import { lstatSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { spawnCli, waitForLog } from '../support/cli.js';
import { until } from '../support/wait.js';

// The child inherits this process's umask; modes are created through it.
const umask = process.umask();

/** `path mode` of every file and directory under `dir` (symlinks, the batch views' names, skipped), recursively. */
function modesUnder(dir: string): { files: string[]; dirs: string[] } {
  const out = { files: [] as string[], dirs: [] as string[] };
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = lstatSync(path);
      const line = `${path.slice(dir.length + 1)} ${(st.mode & 0o7777).toString(8)}`;
      if (st.isDirectory()) {
        out.dirs.push(line);
        walk(path);
      } else if (st.isFile() && !name.endsWith('.yaml')) out.files.push(line);
    }
  };
  walk(dir);
  return out;
}

/** A daemon run (stopped once it archived and queued an undelivered alert) and a batch over it: its cwd, the pid file's mode. */
async function runAndBatch(modes: string): Promise<{ cwd: string; pidMode: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'logpulse-modes-'));
  writeFileSync(
    join(cwd, 'config.yaml'),
    [
      'source: "generator:?seed=11&count=5000000"',
      `output: { dir: out, rotateEvery: 500ms, resultsEvery: 1s${modes} }`,
      'checkpoint: { dir: state/ckpt }',
      'archive: { enabled: true, dir: data/logs }',
      'batch: { dir: data/batch }',
      'pipeline: { window: 1s, watermark: 0s }',
      'api: { enabled: false }',
      'log: { level: debug }',
      'alerts: { webhook: "http://127.0.0.1:9/hook", rules: [{ type: errors_per_status, threshold: 1 }] }',
      '',
    ].join('\n'),
  );
  const d = spawnCli(['run', '-c', 'config.yaml', '--pid-file', 'daemon.pid'], { cwd, stdout: 'ignore' });
  await waitForLog(d, '"archive cut"');
  await waitForLog(d, 'webhook: delivery failed');
  // A metrics row needs a window closed: wait for its file (and so for every kind of output file).
  await until('a metrics file', () => readdirSync(join(cwd, 'out/metrics')).some((f) => f.endsWith('.ndjson')), { ms: 30_000 });
  const pidMode = lstatSync(join(cwd, 'daemon.pid')).mode & 0o777;
  d.child.kill('SIGTERM');
  expect(await d.exit).toBe(0);
  expect(d.stderr()).toContain('saved for the next start');
  const b = spawnCli(['batch', '-c', 'config.yaml'], { cwd });
  expect(await b.exit, b.stderr()).toBe(0);
  return { cwd, pidMode: pidMode.toString(8) };
}

function expectModes(cwd: string, pidMode: string, file: number, dir: number): void {
  const { files, dirs } = modesUnder(cwd);
  // Every kind was written: outputs, results.txt, the checkpoint and webhook queue, the archive, the batch.
  for (const part of ['out/errors/', 'out/metrics/', 'out/results.txt', 'state/ckpt/state.msgpack', 'state/ckpt/webhook.msgpack', '.parquet', 'data/batch/manifest.json', 'data/batch/.runs/']) {
    expect(files.some((f) => f.includes(part)), part).toBe(true);
  }
  const want = (mode: number) => (mode & ~umask).toString(8);
  expect(files.filter((f) => !f.endsWith(` ${want(file)}`))).toEqual([]);
  expect(dirs.filter((f) => !f.endsWith(` ${want(dir)}`))).toEqual([]);
  expect(pidMode).toBe(want(file));
}

it('by default files are 0640 and directories 0750', async () => {
  const { cwd, pidMode } = await runAndBatch('');
  expectModes(cwd, pidMode, 0o640, 0o750);
});

it('output.fileMode / dirMode set them', async () => {
  const { cwd, pidMode } = await runAndBatch(', fileMode: "0600", dirMode: "0700"');
  expectModes(cwd, pidMode, 0o600, 0o700);
});
