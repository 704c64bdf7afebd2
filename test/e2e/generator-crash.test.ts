// Issue 13 on a seeded generator: source: SIGKILL at random moments of a 300,000-line run, a restart each time with
// the same config, then a last run to the end. The lines handed over are checkpointed with the seed at every
// durable cut and the outputs of a killed run's unfinished cut are discarded; a restart makes the same lines again
// and goes on after the checkpointed ones. So the errors/ files hold each error line exactly once — compared with
// one uninterrupted run's as a multiset of lines without their timestamps, which are the wall clock of whichever
// run made the line and cannot be replayed. For the same reason window rows and alerts (which windows the lines
// fall in) differ run to run: only the requests and errors summed over every window's summary row are compared.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { readCheckpoint } from '../../src/daemon/checkpoint.js';
import { spawnCli, waitForLog } from '../support/cli.js';
import { Rng } from '../support/rng.js';
import { sleep, untilAsync } from '../support/wait.js';
import { lines, readKind } from './helpers.js';

// Long enough that a kill lands mid-run on a loaded machine too (with 300 k, runs under load ended before a cut was seen).
const COUNT = 1_000_000;
const KILLS = 6;
const SOURCE = `generator:?seed=7&count=${COUNT}&rate=0&errorRate=0.2`;

/** Error lines without their timestamps, sorted: a multiset to compare. */
const errorContents = (text: string) =>
  lines(text)
    .map((l) => {
      const { timestamp: _t, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(rest);
    })
    .sort();

/** Requests and errors over every window's summary row. */
const summed = (text: string) =>
  lines(text)
    .map((l) => JSON.parse(l) as { kind: string; requests: number; errors: number })
    .filter((r) => r.kind === 'summary')
    .reduce((a, r) => ({ requests: a.requests + r.requests, errors: a.errors + r.errors }), { requests: 0, errors: 0 });


it(`a seeded generator: run killed up to ${KILLS} times and restarted writes each error line once, as one uninterrupted run`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-generator-crash-'));
  const config = (name: string) => {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, `source: "${SOURCE}"\napi: { enabled: false }\nconsole: { enabled: false }\npipeline: { workers: 2 }\noutput: { dir: ${join(dir, name)}, rotateEvery: 150ms }\ncheckpoint: { dir: ${join(dir, `${name}-cp`)} }\n`);
    return path;
  };

  const reference = spawnCli(['run', '-c', config('reference')], { cwd: dir });
  expect(await reference.exit, reference.stderr()).toBe(0);

  const crashed = config('crashed');
  const checkpointed = async () => (await readCheckpoint(join(dir, 'crashed-cp')))?.positions ?? null;
  const rng = new Rng(7);

  /** Kills and restarts until the input is generated to the end; the lines checkpointed at each kill. */
  const crashingRun = async (): Promise<number[]> => {
    const resumedAt: number[] = [];
    let from = 0;
    for (;;) {
      const d = spawnCli(['run', '-c', crashed], { cwd: dir });
      await waitForLog(d, 'source started');
      if (resumedAt.length < KILLS) {
        // A run is ~0.5 s (less after a restart, more on a loaded machine): sometimes killed before its first cut,
        // mostly soon after a cut (so the next run skips more), at a random moment.
        if (rng.chance(0.25)) await sleep(rng.int(0, 100));
        else await untilAsync('a cut of this run', async () => d.child.exitCode !== null || ((await checkpointed())?.['generator:'] ?? from) > from, { ms: 20_000, everyMs: 10 });
        await sleep(rng.int(0, 60));
      }
      // This is the last run, or it generated to the end first.
      if (resumedAt.length === KILLS || d.child.exitCode !== null) {
        expect(await d.exit, d.stderr()).toBe(0);
        return resumedAt;
      }
      d.child.kill('SIGKILL');
      await d.exit;
      const saved = await checkpointed();
      // None: the run had ended its input (the end retires the checkpoint) just before the kill — it is complete.
      if (saved === null) return resumedAt;
      // Killed before its first cut: the start's own checkpoint holds no position yet, the next run starts at line 0.
      if (saved['generator:'] !== undefined) expect(saved['generator:|seed']).toBe(7);
      from = saved['generator:'] ?? 0;
      resumedAt.push(from);
    }
  };
  // The kills must land mid-run and restarts go on from checkpoints, not from the first line. A loaded machine can
  // let a run reach the end before enough kills: then the crashed run starts over from nothing (at most 3 times).
  let resumedAt: number[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt > 0) for (const d of ['crashed', 'crashed-cp']) rmSync(join(dir, d), { recursive: true, force: true });
    resumedAt = await crashingRun();
    if (resumedAt.length >= 2 && resumedAt.some((n) => n > 0 && n < COUNT)) break;
  }
  expect(resumedAt.length, `lines checkpointed at each kill: ${resumedAt.join(', ')}`).toBeGreaterThanOrEqual(2);
  expect(resumedAt.some((n) => n > 0 && n < COUNT), `lines checkpointed at each kill: ${resumedAt.join(', ')}`).toBe(true);

  const out = (name: string, kind: string) => readKind(join(dir, name), kind);
  const expected = errorContents(out('reference', 'errors'));
  expect(expected.length).toBeGreaterThan(0.18 * COUNT);
  const errors = errorContents(out('crashed', 'errors'));
  expect(errors.length, 'error records').toBe(expected.length);
  expect(errors).toEqual(expected);
  expect(summed(out('crashed', 'metrics')), 'requests and errors over all windows').toEqual({ requests: COUNT, errors: expected.length });
  expect(summed(out('reference', 'metrics'))).toEqual({ requests: COUNT, errors: expected.length });
}, 300_000);
