// Spawning the real CLI (`node dist/cli/main.js …`): the daemon, `gen`, `merge`, as tests and benches run them.
// Every child is remembered until it exits, so that whatever a test file left running can be killed after the
// file (test/setup.ts): a failed test never leaves a daemon behind to hold ports and CPU.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CLI } from './paths.js';
import { until } from './wait.js';

export interface CliOptions {
  stdin?: 'pipe' | 'ignore';
  /** 'capture' (default): kept for `stdout()`; 'pipe': the caller reads `child.stdout` itself; 'ignore'. */
  stdout?: 'capture' | 'pipe' | 'ignore';
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Default: a fresh directory, so relative defaults (./output, ./checkpoint) never leak between runs. */
  cwd?: string;
  /** A command the CLI runs under, e.g. `['taskset', '-c', '0']`. */
  via?: string[];
}

export interface CliProcess {
  child: ChildProcess;
  /** Everything on stdout so far (empty unless `stdout: 'capture'`). */
  stdout: () => Buffer;
  /** Everything on stderr so far (the daemon's JSON log). */
  stderr: () => string;
  /** The exit code (null after a signal), once stdout and stderr are read to the end. */
  exit: Promise<number | null>;
}

const live = new Set<ChildProcess>();

/** Spawns `node dist/cli/main.js ARGS`. */
export function spawnCli(args: string[], options: CliOptions = {}): CliProcess {
  const [command, ...prefix] = [...(options.via ?? []), process.execPath];
  const stdout = options.stdout ?? 'capture';
  const child = spawn(command!, [...prefix, CLI, ...args], {
    stdio: [options.stdin ?? 'ignore', stdout === 'ignore' ? 'ignore' : 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
    cwd: options.cwd ?? mkdtempSync(join(tmpdir(), 'logpulse-cwd-')),
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const out: Buffer[] = [];
  let err = '';
  if (stdout === 'capture') child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  // 'close', not 'exit': 'exit' can come before the last stdout/stderr bytes are read (the CLI starts no
  // processes of its own, so nothing else holds the pipes open).
  const exit = once(child, 'close').then(([code]) => code as number | null);
  return { child, stdout: () => Buffer.concat(out), stderr: () => err, exit };
}

/** SIGKILLs every CLI process spawned here that still runs. */
export function killSpawned(): void {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Resolves when the process's stderr log contains `text`; rejects after `ms`, or at once if it ends first. */
export async function waitForLog(p: CliProcess, text: string, ms = 20_000): Promise<void> {
  let ended = false;
  void p.exit.then(
    () => (ended = true),
    () => (ended = true),
  );
  await until(
    () => `"${text}" in the log; stderr:\n${p.stderr()}`,
    () => {
      if (p.stderr().includes(text)) return true;
      if (ended) throw new Error(`exited (${p.child.exitCode ?? p.child.signalCode}) before logging "${text}"; stderr:\n${p.stderr()}`);
      return false;
    },
    { ms, everyMs: 50 },
  );
}
