// The daemon and its input for the disk-fault end-to-end tests: a `tcp-listen` daemon with its API on a free port,
// access-log lines whose error records can be counted one by one, and what an operator would look at (`/ready`,
// `/metrics`, the log).
import { once } from 'node:events';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';

import { expect } from 'vitest';

import { parseSamples, type Samples } from '../api/prom-text.js';
import { type CliProcess, spawnCli, waitForLog } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { fillDisk, freeDisk } from '../support/small-disk.js';
import { lines, readKind } from './helpers.js';

export const FAULT = 'output cannot be written; sources paused, data kept in memory, retrying until the disk takes writes again';
export const REMINDER = 'output still cannot be written; sources stay paused, data kept in memory';
export const RECOVERED = 'outputs writable again; sources resume';

/** Event times start two hours back and grow by 1 ms a line, so no line is ever late. */
const START = Date.now() - 7_200_000;

/** Lines `from` … `from + n - 1`; every fifth is a 500 (an error record) when `errors`, else all are 200s. */
export function batch(from: number, n: number, errors = true): string {
  let text = '';
  for (let k = from; k < from + n; k++) {
    const status = errors && k % 5 === 0 ? 500 : 200;
    text += `{"timestamp": ${START + k}, "ip": "10.0.0.${k % 200}", "method": "GET", "url": "/x", "status": ${status}}\n`;
  }
  return text;
}

export interface Daemon {
  d: CliProcess;
  api: string;
  sourcePort: number;
  out: string;
}

/**
 * `logpulse run` reading `tcp-listen` (or `source`, when given), writing under `out`, its checkpoint outside `out`;
 * `extra`: more yaml.
 */
export async function startDaemon(dir: string, out: string, rotateEvery = '300ms', extra = '', source?: string): Promise<Daemon> {
  const [sourcePort, apiPort] = [await freePort(), await freePort()];
  const cfg = join(dir, 'logpulse.yaml');
  writeFileSync(
    cfg,
    `source: "${source ?? `tcp-listen://127.0.0.1:${sourcePort}`}"\napi: { port: ${apiPort} }\nconsole: { enabled: false }\n` +
      `output: { dir: ${out}, rotateEvery: ${rotateEvery} }\ncheckpoint: { dir: ${join(dir, 'cp')} }\npipeline: { workers: 2 }\n${extra}`,
  );
  const d = spawnCli(['run', '-c', cfg], { cwd: dir });
  await waitForLog(d, 'source started');
  return { d, api: `http://127.0.0.1:${apiPort}`, sourcePort, out };
}

/** A connection to the daemon's source. */
export async function connect(port: number): Promise<Socket> {
  const s = createConnection({ host: '127.0.0.1', port });
  await once(s, 'connect');
  return s;
}

/** Sends `text` on a connection of its own and closes it once the daemon has read it all. */
export async function send(port: number, text: string): Promise<void> {
  const s = await connect(port);
  await new Promise<void>((r) => s.end(text, () => r()));
  await once(s, 'close');
}

/**
 * Sends `text` on a connection of its own and ends it, without waiting for the daemon to read it all: a source
 * paused by a failing disk stops reading mid-connection until the disk heals (waiting for the close then hung).
 */
export async function sendAndLeave(port: number, text: string): Promise<void> {
  const s = await connect(port);
  await new Promise<void>((r) => s.end(text, () => r()));
}

export async function metrics(api: string): Promise<Samples> {
  return parseSamples(await (await fetch(`${api}/metrics`)).text());
}

export async function ready(api: string): Promise<{ status: number; body: { ready: boolean; checks: Record<string, { ok: boolean; detail: string }> } }> {
  const r = await fetch(`${api}/ready`);
  return { status: r.status, body: (await r.json()) as never };
}

/** Log lines whose `msg` is `msg`. */
export const logged = (d: CliProcess, msg: string): number => d.stderr().split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).length;

/**
 * Makes `out`/errors unwritable: `out` is a small tmpfs filled to ENOSPC when `tmpfs`, else errors/ is replaced by a
 * plain file (EEXIST). Returns the function that makes it writable again (once).
 */
export function breakDisk(out: string, tmpfs: boolean): () => void {
  let healed = false;
  const once = (heal: () => void) => () => {
    if (!healed) heal();
    healed = true;
  };
  if (tmpfs) {
    const filler = fillDisk(out);
    return once(() => freeDisk(filler));
  }
  // The published files are moved aside, not removed: they are part of what the test counts.
  renameSync(join(out, 'errors'), `${out}-errors-aside`);
  writeFileSync(join(out, 'errors'), 'in the way\n');
  return once(() => {
    rmSync(join(out, 'errors'), { force: true });
    renameSync(`${out}-errors-aside`, join(out, 'errors'));
  });
}

/** Every error record of lines [0, total) is in the errors/ files exactly once, each a whole JSON line. */
export function expectEveryErrorOnce(out: string, total: number): void {
  const records = lines(readKind(out, 'errors'));
  const stamps = records.map((l) => (JSON.parse(l) as { timestamp: string }).timestamp); // throws on a torn line
  expect(new Set(stamps).size).toBe(stamps.length);
  expect(records).toHaveLength(Math.ceil(total / 5));
}
