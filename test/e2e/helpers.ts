// Spawning the real daemon and reading what it wrote, for the end-to-end tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll } from 'vitest';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface Daemon {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Every daemon a test file started: killed after the file, so a failed test never leaves one running. */
const spawned = new Set<ChildProcess>();
afterAll(() => {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

export function startDaemon(args: string[], options: { stdin?: 'pipe' | 'ignore'; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Daemon {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
    // A fresh working directory by default: relative defaults (./output, ./checkpoint) never leak between tests.
    cwd: options.cwd ?? mkdtempSync(join(tmpdir(), 'logpulse-cwd-')),
  });
  spawned.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  // 'close', not 'exit': 'exit' can come before the last stdout/stderr bytes are read (the daemon starts no
  // processes of its own, so nothing else holds the pipes open).
  const exit = once(child, 'close').then(([code]) => code as number | null);
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Resolves when the daemon's stderr log contains `text` (or rejects after `ms`). */
export async function waitForLog(d: Daemon, text: string, ms = 20_000): Promise<void> {
  const started = Date.now();
  while (!d.stderr().includes(text)) {
    if (Date.now() - started > ms) throw new Error(`daemon did not log "${text}" within ${ms} ms; stderr:\n${d.stderr()}`);
    if (d.child.exitCode !== null) throw new Error(`daemon exited (${d.child.exitCode}) before logging "${text}"; stderr:\n${d.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every complete output file of a kind, in name order (rotation order), concatenated. */
export function readKind(outDir: string, kind: string): string {
  const dir = join(outDir, kind);
  if (!existsSync(dir)) return '';
  const files = readdirSync(dir).sort();
  return files.filter((f) => f.endsWith('.ndjson')).map((f) => readFileSync(join(dir, f), 'utf8')).join('');
}

export function listKind(outDir: string, kind: string): string[] {
  const dir = join(outDir, kind);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

export const lines = (text: string): string[] => text.split('\n').filter((l) => l.length > 0);
